/** The `dsmr` driver: plain DSMR P1 telegrams, framed from the stream and decoded by the DSMR core. */
import { oneOf, rule } from "../../config/rules.ts";
import { defineDriver, type DriverConfig } from "../driver.ts";

/** The DSMR P1 port: 115200 baud, 8N1. */
export const P1_SERIAL = { baud: 115200, databits: 8, parity: "none", stopbits: 1 } as const;

const keys = {
  crc: rule(oneOf(["required", "optional"]), {
    default: "required",
    doc: "DSMR CRC: required, or optional for DSMR 2.2/3 meters that send none",
  }),
};

/** The validated `meter` section of a DSMR meter. */
export type DsmrConfig = DriverConfig<"dsmr", typeof keys, typeof P1_SERIAL>;

/** The plain DSMR meter type. */
export const dsmrDriver = defineDriver({
  type: "dsmr",
  meters: "plain DSMR P1 meters (NL, BE, LU, and DSMR 2.2 to 5)",
  link: "P1, 115200 8N1",
  name: "Electricity meter",
  interval: 10,
  serial: P1_SERIAL,
  keys,
  create: async (meter, context) => (await import("./meter.ts")).createDsmrMeter(meter, context),
  decode: async (meter, bytes, { id }) =>
    (await import("./meter.ts")).decodeTelegrams(id, meter.crc, bytes),
  detect: (bytes) => bytes[0] === 0x2f,
});
