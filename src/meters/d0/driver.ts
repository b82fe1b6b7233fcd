/**
 * The `d0` driver: IEC 62056-21 readouts through the optical IR head, in one
 * of two modes (`meter.mode`):
 * - `push` (mode D: EasyMeter Q3D, Hager eHZ): the meter sends a readout
 *   every second or two, 9600 7E1 (some 2400 7E1: `meter.baud`); nothing
 *   is sent to it;
 * - `pull` (modes A, B and C: Landis+Gyr ZMD, heat meters): every
 *   `meter.interval` seconds smr signs on at 300 baud 7E1, as the standard
 *   wants, and reads the data block at the rate the meter offers (or at 300
 *   with `meter.baud_switch = false`). The sign-on asks for 300 baud itself,
 *   so the line's default speed (`meter.baud`, the push rate) does not apply
 *   to a pull; data bits, parity and stop bits do.
 */
import { type Check, oneOf, rule } from "../../config/rules.ts";
import { defineDriver, type DriverConfig } from "../driver.ts";
import { isIdentificationStart } from "./identification.ts";

/** A device address as the sign-on carries it: 1 to 32 digits, letters or spaces. */
const deviceAddress: Check<string> = (v) =>
  typeof v === "string" && /^[0-9A-Za-z ]{1,32}$/.test(v)
    ? { value: v }
    : { expected: "1 to 32 digits, letters or spaces (the meter's device address)" };

/** `true` or `false`. */
const onOff: Check<boolean> = (v) =>
  typeof v === "boolean" ? { value: v } : { expected: "true or false" };

/** A pull capture's sign-on echo, `/?` and an optional address, `!` CR LF, before the answer. */
const SIGN_ON_ECHO = /^\/\?[0-9A-Za-z ]{0,32}!\r\n/;

/**
 * Whether captured bytes start like a D0 readout: an identification line
 * `/XXXZ`, after the echo of a sign-on in a capture of a pull session.
 */
export function looksLikeD0(bytes: Uint8Array): boolean {
  const head = String.fromCharCode(...bytes.subarray(0, 40));
  const start = SIGN_ON_ECHO.exec(head)?.[0].length ?? 0;
  return isIdentificationStart(head, start) && /^[0-9A-I]$/.test(head[start + 4] ?? "");
}

const SERIAL = { baud: 9600, databits: 7, parity: "even", stopbits: 1 } as const;

const keys = {
  mode: rule(oneOf(["push", "pull"]), {
    default: "push",
    doc: "D0: push (mode D, the meter sends by itself) or pull (modes A, B, C: smr asks)",
  }),
  address: rule(deviceAddress, {
    doc: "D0 pull: device address in the sign-on /?address!, for meters that want one",
  }),
  baud_switch: rule(onOff, {
    default: true,
    doc: "D0 pull: read the data at the rate the meter offers; false stays at 300 baud",
  }),
  bcc: rule(oneOf(["optional", "required", "ignore"]), {
    default: "optional",
    doc: "D0 push and decode: block check character optional (checked when sent), " +
      "required, ignore; a pull always checks it",
  }),
};

/** The validated `meter` section of a D0 meter. */
export type D0Config = DriverConfig<"d0", typeof keys, typeof SERIAL>;

/** The IEC 62056-21 meter type. */
export const d0Driver = defineDriver({
  type: "d0",
  meters: "IEC 62056-21 (D0) meters: electricity meters pushing readouts (EasyMeter Q3D, " +
    "Hager eHZ), meters read on request (modes A, B, C: Landis+Gyr ZMD, heat meters)",
  link: "optical IR head, push 9600 7E1, pull 300 7E1 and the meter's rate",
  name: "Electricity meter",
  interval: (meter) => meter.mode === "pull" ? 60 : 10,
  serial: SERIAL,
  keys,
  create: async (meter, context) => (await import("./meter.ts")).createD0Meter(meter, context),
  decode: async (meter, bytes, { id }) =>
    (await import("./meter.ts")).decodeD0Capture(id, meter, bytes),
  detect: looksLikeD0,
});
