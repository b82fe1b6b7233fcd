/** The DLMS push meter built from its configuration, and the decoding of a capture. */
import { decodeHex } from "../../bytes.ts";
import { ConfigError } from "../../config/error.ts";
import { ok, type Result } from "../../result.ts";
import {
  captureReading,
  type DecodeReport,
  decodeStreamCapture,
  type FlushableDecoder,
  type MeterContext,
} from "../driver.ts";
import { configuredKey, parseDlmsKey } from "../glo_keys.ts";
import { manufacturerName } from "../manufacturers.ts";
import type { Meter } from "../meter.ts";
import { type Decoded, listeningMeter } from "../stream_meter.ts";
import { GLO_CIPHERING } from "./ciphered.ts";
import type { DlmsConfig } from "./driver.ts";
import { DATA_NOTIFICATION } from "./notification.ts";
import { type DlmsDecoded, type DlmsFraming, DlmsReader } from "./reader.ts";

/** The settings a DLMS reader is built from. */
interface DlmsSettings {
  framing: DlmsFraming;
  key?: string;
  auth_key?: string;
}

/** A reader of a meter's pushes, built from its settings. */
function dlmsReader(id: string, meter: DlmsSettings): DlmsReader {
  const key = meter.key === undefined
    ? undefined
    : configuredKey(meter.key, "meter.key", parseDlmsKey);
  const authKey = meter.auth_key === undefined
    ? undefined
    : configuredKey(meter.auth_key, "meter.auth_key", parseDlmsKey);
  if (authKey !== undefined && key === undefined) {
    throw new ConfigError("meter.auth_key needs meter.key (the encryption key) as well");
  }
  return new DlmsReader({ framing: meter.framing, key, authKey, meterId: id });
}

/** A decoded push as values and identity; the manufacturer comes from the system title. */
function decoded(result: Result<DlmsDecoded>): Result<Decoded> {
  if (!result.ok) return result;
  const info: Decoded["info"] = { ...result.value.info };
  const { systemTitle } = result.value;
  const flag = systemTitle && String.fromCharCode(...decodeHex(systemTitle).subarray(0, 3));
  const name = flag && manufacturerName(flag);
  if (name) info.manufacturer = name;
  return ok({ values: result.value.values, info });
}

function readerStream(reader: DlmsReader): FlushableDecoder {
  return { push: (chunk) => reader.push(chunk).map(decoded), flush: () => [] };
}

/** The push stream of a meter as readings; the manufacturer comes from the system title. */
function dlmsStream(id: string, meter: DlmsSettings): FlushableDecoder {
  return readerStream(dlmsReader(id, meter));
}

/** Whether a capture is one bare APDU: a data-notification, or a ciphered one. */
function bareApdu(bytes: Uint8Array): boolean {
  return bytes[0] === DATA_NOTIFICATION || (bytes[0] === GLO_CIPHERING && bytes[1] === 0x08);
}

/**
 * Decodes a capture for `smr decode`: the wire bytes of the configured
 * framing, frame by frame; or, when no frame is found in it, one bare APDU
 * (a data-notification `0F …`, or a ciphered `DB 08 …`) as a decrypted
 * capture or another reader's log shows it. A data-notification is decoded
 * without the keys: it has no ciphering for them to check.
 */
export function decodeDlmsCapture(
  id: string,
  meter: DlmsSettings,
  bytes: Uint8Array,
): DecodeReport {
  const reader = dlmsReader(id, meter);
  const none = meter.framing === "mbus"
    ? 'no M-Bus frame found (a frame starts with 68 L L 68): if the capture is HDLC (7E A0 …), set meter.framing = "hdlc"'
    : 'no HDLC frame found (a frame starts with 7E A0 or 7E A8): if the capture is M-Bus (68 L L 68), set meter.framing = "mbus"';
  const report = decodeStreamCapture(id, readerStream(reader), bytes, none);
  if (report.problems.length !== 1 || report.problems[0] !== none) return report;
  const { frames } = reader.stats;
  if (frames > 0) {
    const unit = frames === 1 ? "frame" : "frames";
    report.problems[0] = `${frames} valid ${unit}, but no complete push: the capture ends ` +
      "before the last segment or block of a push; capture a longer stretch";
    return report;
  }
  if (!bareApdu(bytes)) return report;
  // A plaintext capture was decrypted already (or never ciphered): keys have nothing to check.
  const apduReader = bytes[0] === DATA_NOTIFICATION
    ? new DlmsReader({ framing: meter.framing, meterId: id })
    : reader;
  const result = decoded(apduReader.decodeApdu(bytes));
  if (!result.ok) {
    return { readings: [], problems: [`APDU: ${result.error.reason}: ${result.error.message}`] };
  }
  return { readings: [captureReading(id, result.value.values)], problems: [] };
}

/** A DLMS push meter listening on its M-Bus or HDLC line. */
export function createDlmsMeter(meter: DlmsConfig, context: MeterContext): Meter {
  return listeningMeter(
    meter,
    context,
    { manufacturer: "DLMS", model: "DLMS/COSEM push meter" },
    dlmsStream(context.id, meter),
  );
}
