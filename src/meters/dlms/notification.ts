/**
 * The DLMS data-notification APDU (`0x0F`) a push meter sends, plain or as
 * the plaintext of a general-glo-ciphering APDU:
 *
 * ```
 * 0F <long-invoke-id-and-priority: 4> <date-time: 00 | 0C + 12 bytes> <notification body: one Data>
 * ```
 * The date-time is an octet-string given by its length alone (empty when the
 * meter sends none). The body is one A-XDR Data value, usually a structure.
 */
import { ok, reject, type Result } from "../../result.ts";
import { hexByte } from "../../bytes.ts";
import { axdrLength, type CosemData, readData } from "./axdr.ts";

/** The data-notification tag. */
export const DATA_NOTIFICATION = 0x0f;

/** One decoded data-notification. */
export interface DataNotification {
  /** The long-invoke-id-and-priority (4 bytes, unsigned). */
  invokeId: number;
  /** The date-time octet-string, when the meter sent one (12 bytes for a COSEM date-time). */
  dateTime?: Uint8Array;
  /** The notification body. */
  body: CosemData;
}

/**
 * Parses a data-notification; the whole input must be the APDU. Rejects
 * (reason "decode") a wrong tag, a truncated header, a malformed body and
 * bytes left over after it.
 */
export function parseNotification(apdu: Uint8Array): Result<DataNotification> {
  if (apdu.length === 0 || apdu[0] !== DATA_NOTIFICATION) {
    return reject(
      "decode",
      `not a data-notification: the APDU starts 0x${hexByte(apdu[0] ?? 0)}, not 0x0F`,
    );
  }
  if (apdu.length < 6) return reject("decode", "data-notification truncated in its header");
  const invokeId = ((apdu[1] << 24) | (apdu[2] << 16) | (apdu[3] << 8) | apdu[4]) >>> 0;
  const length = axdrLength(apdu, 5);
  if (length === undefined || length.end + length.length > apdu.length) {
    return reject("decode", "data-notification truncated in its date-time");
  }
  const dateTime = length.length > 0
    ? apdu.subarray(length.end, length.end + length.length)
    : undefined;
  const body = readData(apdu, length.end + length.length);
  if (!body.ok) return body;
  if (body.value.end !== apdu.length) {
    return reject(
      "decode",
      `data-notification has ${apdu.length - body.value.end} bytes after its body`,
    );
  }
  return ok({ invokeId, dateTime, body: body.value.data });
}
