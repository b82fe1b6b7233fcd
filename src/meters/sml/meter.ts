/** The SML meter built from its configuration, and the decoding of a capture of SML frames. */
import { ok, type Result } from "../../result.ts";
import { SerialPort } from "../../serial/port.ts";
import {
  type DecodeReport,
  decodeStreamCapture,
  type FlushableDecoder,
  type MeterContext,
  serialSettings,
} from "../driver.ts";
import { manufacturerName } from "../manufacturers.ts";
import type { Meter } from "../meter.ts";
import { type Decoded, StreamMeter } from "../stream_meter.ts";
import { SmlDecoder, type SmlFrameDecoded } from "./decoder.ts";
import type { SmlConfig } from "./driver.ts";
import type { SmlCrc } from "./transport.ts";

/** SML frames as readings: values, and the manufacturer by name where its FLAG id is known. */
function smlStream(crc: SmlCrc | "auto"): FlushableDecoder {
  const decoder = new SmlDecoder({ crc });
  const decoded = (result: Result<SmlFrameDecoded>): Result<Decoded> => {
    if (!result.ok) return result;
    const { manufacturer, serial } = result.value.info;
    const info: Decoded["info"] = {};
    if (manufacturer) info.manufacturer = manufacturerName(manufacturer) ?? manufacturer;
    if (serial) info.serial = serial;
    return ok({ values: result.value.values, info });
  };
  return {
    push: (chunk) => decoder.push(chunk).map(decoded),
    flush: () => decoder.flush().map(decoded),
  };
}

/** An SML meter listening through the optical head. */
export function createSmlMeter(meter: SmlConfig, { id, log }: MeterContext): Meter {
  return new StreamMeter({
    id,
    info: { manufacturer: "SML", model: "SML meter" },
    interval: meter.interval,
    port: new SerialPort({ path: meter.device, settings: serialSettings(meter), logger: log }),
    decoder: smlStream(meter.crc),
    log,
  });
}

/** Decodes the SML frames of a capture. */
export function decodeSmlCapture(id: string, meter: SmlConfig, bytes: Uint8Array): DecodeReport {
  return decodeStreamCapture(
    id,
    smlStream(meter.crc),
    bytes,
    "no SML frame found (a frame starts with 1B 1B 1B 1B 01 01 01 01)",
  );
}
