/**
 * The `sml` driver: German electricity meters pushing SML (Smart Message
 * Language) through the optical IR head, 9600 8N1, every 1 to 4 seconds.
 * Nothing is sent to the meter.
 */
import { oneOf, rule } from "../../config/rules.ts";
import { defineDriver, type DriverConfig } from "../driver.ts";

const SERIAL = { baud: 9600, databits: 8, parity: "none", stopbits: 1 } as const;

const keys = {
  crc: rule(oneOf(["auto", "x25", "kermit"]), {
    default: "auto",
    doc: "SML transport checksum: auto (X-25 or KERMIT, as the meter sends), x25, kermit",
  }),
};

/** The validated `meter` section of an SML meter. */
export type SmlConfig = DriverConfig<"sml", typeof keys, typeof SERIAL>;

/** The SML meter type. */
export const smlDriver = defineDriver({
  type: "sml",
  meters:
    "German electricity meters pushing SML (EMH, EasyMeter, Iskra, Holley, eBZ, DZG, Landis+Gyr)",
  link: "optical IR head, 9600 8N1",
  name: "Electricity meter",
  interval: 10,
  serial: SERIAL,
  keys,
  create: async (meter, context) => (await import("./meter.ts")).createSmlMeter(meter, context),
  decode: async (meter, bytes, { id }) =>
    (await import("./meter.ts")).decodeSmlCapture(id, meter, bytes),
  detect: (bytes) =>
    bytes.some((b, i) => b === 0x1b && bytes[i + 4] === 0x01 && bytes[i + 3] === 0x1b),
});
