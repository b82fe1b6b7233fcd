/**
 * The `sml` driver: German electricity meters pushing SML (Smart Message
 * Language) through the optical IR head, 9600 8N1, every 1 to 4 seconds.
 * Nothing is sent to the meter.
 */
import { oneOf, rule } from "../../config/rules.ts";
import { ok, type Result } from "../../result.ts";
import { SerialPort } from "../../serial/port.ts";
import {
  decodeStreamCapture,
  defineDriver,
  type FlushableDecoder,
  serialSettings,
} from "../driver.ts";
import { manufacturerName } from "../manufacturers.ts";
import { type Decoded, StreamMeter } from "../stream_meter.ts";
import { SmlDecoder, type SmlFrameDecoded } from "./decoder.ts";
import type { SmlCrc } from "./transport.ts";

/** SML frames as readings: values, and the manufacturer by name where its FLAG id is known. */
export function smlStream(crc: SmlCrc | "auto"): FlushableDecoder {
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

/** The SML meter type. */
export const smlDriver = defineDriver({
  type: "sml",
  meters:
    "German electricity meters pushing SML (EMH, EasyMeter, Iskra, Holley, eBZ, DZG, Landis+Gyr)",
  link: "optical IR head, 9600 8N1",
  name: "Electricity meter",
  interval: 10,
  serial: { baud: 9600, databits: 8, parity: "none", stopbits: 1 },
  keys: {
    crc: rule(oneOf(["auto", "x25", "kermit"]), {
      default: "auto",
      doc: "SML transport checksum: auto (X-25 or KERMIT, as the meter sends), x25, kermit",
    }),
  },
  create: (meter, { id, log }) =>
    new StreamMeter({
      id,
      info: { manufacturer: "SML", model: "SML meter" },
      interval: meter.interval,
      port: new SerialPort({ path: meter.device, settings: serialSettings(meter), logger: log }),
      decoder: smlStream(meter.crc),
      log,
    }),
  decode: (meter, bytes, { id }) =>
    decodeStreamCapture(
      id,
      smlStream(meter.crc),
      bytes,
      "no SML frame found (a frame starts with 1B 1B 1B 1B 01 01 01 01)",
    ),
  detect: (bytes) =>
    bytes.some((b, i) => b === 0x1b && bytes[i + 4] === 0x01 && bytes[i + 3] === 0x1b),
});
