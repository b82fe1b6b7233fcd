/** The `kamstrup` driver: a Kamstrup MULTICAL 403 heat meter polled through an optical head (KMP). */
import { integer, list, number, rule } from "../../config/rules.ts";
import { defineDriver, type DriverConfig } from "../driver.ts";

/** Registers read by default. */
export const DEFAULT_REGISTERS: readonly number[] = [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004];

const SERIAL = { baud: 1200, databits: 8, parity: "none", stopbits: 2 } as const;

const keys = {
  registers: rule(list(integer(1, 65535), "register ids"), {
    default: [...DEFAULT_REGISTERS],
    doc: "registers to read",
  }),
  timeout: rule(number(0.05, 60), { default: 2, doc: "seconds to wait for a reply" }),
};

/** The validated `meter` section of a Kamstrup meter. */
export type KamstrupConfig = DriverConfig<"kamstrup", typeof keys, typeof SERIAL>;

/** The Kamstrup MULTICAL 403 meter type. */
export const kamstrupDriver = defineDriver({
  type: "kamstrup",
  meters: "Kamstrup MULTICAL 403 heat meter, Kamstrup Meter Protocol",
  link: "optical IR head, 1200 8N2",
  name: "Heat meter",
  interval: 60,
  serial: SERIAL,
  keys,
  create: async (meter, context) =>
    (await import("./meter.ts")).createKamstrupMeter(meter, context),
  decode: async (_meter, bytes, { id }) => (await import("./meter.ts")).decodeKmpCapture(id, bytes),
});
