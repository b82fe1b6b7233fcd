/**
 * The `dlms` driver: DLMS/COSEM push meters on the customer interface of the
 * Austrian grid operators outside Steiermark (Kaifa MA309M/MA309, Sagemcom
 * T210-D, Landis+Gyr E450), wired M-Bus at 2400 8E1 by default, or HDLC. The
 * meter pushes an (encrypted) data-notification every few seconds; nothing
 * is sent to it.
 */
import { type Check, oneOf, rule } from "../../config/rules.ts";
import { defineDriver, type DriverConfig } from "../driver.ts";
import { parseDlmsKey } from "../glo_keys.ts";

/** A key as grid operators hand it out: 32 hex characters, or 16 printable ASCII characters. */
const cipherKey: Check<string> = (v) =>
  typeof v === "string" && parseDlmsKey(v, "key").ok
    ? { value: v.trim() }
    : { expected: "32 hex characters, or the 16 characters of a key given as text" };

const SERIAL = { baud: 2400, databits: 8, parity: "even", stopbits: 1 } as const;

const keys = {
  framing: rule(oneOf(["mbus", "hdlc"]), {
    default: "mbus",
    doc: "dlms: how the meter frames its pushes: mbus (wired M-Bus), hdlc",
  }),
  key: rule(cipherKey, {
    secret: true,
    doc:
      "encryption key (GUEK), 32 hex characters (or 16 characters of text), from the grid operator",
  }),
  auth_key: rule(cipherKey, {
    secret: true,
    doc: "authentication key (GAK); when set, the GCM tag of every push is checked",
  }),
};

/** The validated `meter` section of a DLMS push meter. */
export type DlmsConfig = DriverConfig<"dlms", typeof keys, typeof SERIAL>;

/** The DLMS/COSEM push meter type. */
export const dlmsDriver = defineDriver({
  type: "dlms",
  meters:
    "DLMS/COSEM push meters of Austrian grid operators (Netz NÖ, TINETZ, Vorarlberg, Salzburg, Burgenland, …): Kaifa MA309, Sagemcom T210-D, Landis+Gyr E450",
  link: "M-Bus, 2400 8E1 (or HDLC)",
  name: "Electricity meter",
  interval: 5,
  serial: SERIAL,
  keys,
  create: async (meter, context) => (await import("./meter.ts")).createDlmsMeter(meter, context),
  decode: async (meter, bytes, { id }) =>
    (await import("./meter.ts")).decodeDlmsCapture(id, meter, bytes),
  // A data-notification (0F …), an M-Bus frame (68 L L 68) or an HDLC frame (7E A…). A bare
  // ciphered APDU (DB 08 …) is left to t210's hint: a P1 frame of the T210-D-r looks so.
  detect: (bytes) =>
    bytes[0] === 0x0f ||
    bytes.some((b, i) => b === 0x68 && bytes[i + 3] === 0x68 && bytes[i + 1] === bytes[i + 2]) ||
    bytes.some((b, i) => b === 0x7e && (bytes[i + 1] & 0xf0) === 0xa0),
});
