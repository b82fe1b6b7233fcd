/** The serial port of a meter, opened on the line its configuration sets. */
import type { Logger } from "../log.ts";
import { SerialPort } from "../serial/port.ts";
import { type SerialMeterConfig, serialSettings } from "./driver.ts";

/** The port of a serial meter's configuration; `baud` replaces the configured speed. */
export function meterPort(meter: SerialMeterConfig, logger: Logger, baud?: number): SerialPort {
  const settings = serialSettings(meter);
  return new SerialPort({
    path: meter.device,
    settings: baud === undefined ? settings : { ...settings, baud },
    logger,
  });
}
