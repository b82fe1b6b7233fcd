/**
 * The `dlms` driver: DLMS/COSEM push meters on the customer interface of the
 * Austrian grid operators outside Steiermark (Kaifa MA309M/MA309, Sagemcom
 * T210-D, Landis+Gyr E450), wired M-Bus at 2400 8E1 by default, or HDLC. The
 * meter pushes an (encrypted) data-notification every few seconds; nothing
 * is sent to it.
 */
import { decodeHex } from "../../bytes.ts";
import { ConfigError } from "../../config/error.ts";
import { type Check, oneOf, rule } from "../../config/rules.ts";
import { ok, type Result } from "../../result.ts";
import { SerialPort } from "../../serial/port.ts";
import {
  decodeStreamCapture,
  defineDriver,
  type FlushableDecoder,
  serialSettings,
} from "../driver.ts";
import { parseDlmsKey } from "../glo_keys.ts";
import { manufacturerName } from "../manufacturers.ts";
import { type Decoded, StreamMeter } from "../stream_meter.ts";
import { type DlmsDecoded, type DlmsFraming, DlmsReader } from "./reader.ts";

/** A key as grid operators hand it out: 32 hex characters, or 16 printable ASCII characters. */
const cipherKey: Check<string> = (v) =>
  typeof v === "string" && parseDlmsKey(v, "key").ok
    ? { value: v.trim() }
    : { expected: "32 hex characters, or the 16 characters of a key given as text" };

function keyBytes(text: string | undefined, name: string): Uint8Array | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDlmsKey(text, name);
  if (!parsed.ok) throw new ConfigError(parsed.error.message);
  return parsed.value;
}

/** The settings a DLMS reader is built from. */
interface DlmsSettings {
  framing: DlmsFraming;
  key?: string;
  auth_key?: string;
}

/** The push stream of a meter as readings; the manufacturer comes from the system title. */
export function dlmsStream(id: string, meter: DlmsSettings): FlushableDecoder {
  const key = keyBytes(meter.key, "meter.key");
  const authKey = keyBytes(meter.auth_key, "meter.auth_key");
  if (authKey !== undefined && key === undefined) {
    throw new ConfigError("meter.auth_key needs meter.key (the encryption key) as well");
  }
  const reader = new DlmsReader({ framing: meter.framing, key, authKey, meterId: id });
  const decoded = (result: Result<DlmsDecoded>): Result<Decoded> => {
    if (!result.ok) return result;
    const info: Decoded["info"] = { ...result.value.info };
    const { systemTitle } = result.value;
    const flag = systemTitle && String.fromCharCode(...decodeHex(systemTitle).subarray(0, 3));
    const name = flag && manufacturerName(flag);
    if (name) info.manufacturer = name;
    return ok({ values: result.value.values, info });
  };
  return { push: (chunk) => reader.push(chunk).map(decoded), flush: () => [] };
}

/** The DLMS/COSEM push meter type. */
export const dlmsDriver = defineDriver({
  type: "dlms",
  meters:
    "DLMS/COSEM push meters of Austrian grid operators (Netz NÖ, TINETZ, Vorarlberg, Salzburg, Burgenland, …): Kaifa MA309, Sagemcom T210-D, Landis+Gyr E450",
  link: "M-Bus, 2400 8E1 (or HDLC)",
  name: "Electricity meter",
  interval: 5,
  serial: { baud: 2400, databits: 8, parity: "even", stopbits: 1 },
  keys: {
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
  },
  create: (meter, { id, log }) =>
    new StreamMeter({
      id,
      info: { manufacturer: "DLMS", model: "DLMS/COSEM push meter" },
      interval: meter.interval,
      port: new SerialPort({ path: meter.device, settings: serialSettings(meter), logger: log }),
      decoder: dlmsStream(id, meter),
      log,
    }),
  decode: (meter, bytes, { id }) =>
    decodeStreamCapture(
      id,
      dlmsStream(id, meter),
      bytes,
      meter.framing === "mbus"
        ? 'no M-Bus frame found (a frame starts with 68 L L 68): if the capture is HDLC (7E A0 …), set meter.framing = "hdlc"'
        : 'no HDLC frame found (a frame starts with 7E A0 or 7E A8): if the capture is M-Bus (68 L L 68), set meter.framing = "mbus"',
    ),
  detect: (bytes) =>
    bytes.some((b, i) => b === 0x68 && bytes[i + 3] === 0x68 && bytes[i + 1] === bytes[i + 2]) ||
    bytes.some((b, i) => b === 0x7e && (bytes[i + 1] & 0xf0) === 0xa0),
});
