/**
 * The DLMS general-glo-ciphering frame (`0xDB`) of the Sagemcom T210-D-r P1
 * port: its layout and the parsing of one header or one whole frame.
 *
 * ```
 * DB 08 <system title: 8> <length form> <L> 30 <frame counter: 4> <ciphertext> <tag: 12>
 * ```
 * L counts the security byte, the counter, the ciphertext and the tag, so the
 * whole frame is header + L bytes.
 */
import { ok, reject, type Result } from "../../result.ts";
import { encodeHex } from "../../bytes.ts";

/** The general-glo-ciphering tag. */
export const GLO_TAG = 0xdb;

/** The only system-title length a frame may carry. */
export const SYSTEM_TITLE_LENGTH = 8;

/** Security control: authenticated and encrypted, suite 0 (the only one accepted). */
export const SECURITY_AUTH_ENCRYPTED = 0x30;

/** Length of the truncated GCM tag. */
export const TAG_LENGTH = 12;

/** Bytes of L before the ciphertext: security byte and frame counter. */
const SECURITY_HEADER_LENGTH = 5;

/** Smallest L: security header, one byte of ciphertext, the tag. */
const MIN_BODY_LENGTH = SECURITY_HEADER_LENGTH + 1 + TAG_LENGTH;

/** Default largest L: a T210-D-r sends 498, the Luxembourg spec example 1502. */
export const DEFAULT_MAX_BODY_LENGTH = 4096;

/** Bytes held in a plain ArrayBuffer (not a SharedArrayBuffer). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** One general-glo-ciphering frame; the byte fields are views into `bytes`. */
export interface GloFrame {
  /** The whole frame as on the wire. */
  bytes: Bytes;
  /** The 8-byte system title (the first half of the nonce). */
  systemTitle: Bytes;
  /** The security control byte (always {@link SECURITY_AUTH_ENCRYPTED}). */
  securityControl: number;
  /** The frame (invocation) counter (the second half of the nonce). */
  frameCounter: number;
  /** The encrypted telegram, as long as the plaintext. */
  ciphertext: Bytes;
  /** The 12-byte GCM tag. */
  tag: Bytes;
}

/**
 * What the first bytes of a buffer say: not a frame header, not enough bytes
 * to tell yet, or a plausible header giving the whole frame's size.
 */
export type HeaderVerdict =
  | { kind: "none" }
  | { kind: "more" }
  | { kind: "header"; headerLength: number; frameLength: number };

const NONE: HeaderVerdict = { kind: "none" };
const MORE: HeaderVerdict = { kind: "more" };

/**
 * Judges the header starting at `buf[at]`: tag `DB 08`, a definite length
 * form (short, `0x81`..`0x84`), `minimum ≤ L ≤ maxBodyLength` and the
 * security byte `0x30`. Reads only `buf[at .. end)`.
 */
export function judgeHeader(
  buf: Uint8Array,
  at: number,
  end: number,
  maxBodyLength: number = DEFAULT_MAX_BODY_LENGTH,
): HeaderVerdict {
  if (at >= end) return MORE;
  if (buf[at] !== GLO_TAG) return NONE;
  if (at + 1 >= end) return MORE;
  if (buf[at + 1] !== SYSTEM_TITLE_LENGTH) return NONE;
  const form = at + 2 + SYSTEM_TITLE_LENGTH;
  if (form >= end) return MORE;
  const first = buf[form];
  let lengthBytes = 0;
  let body = first;
  if (first > 0x80) {
    lengthBytes = first - 0x80;
    if (lengthBytes > 4) return NONE;
    if (form + lengthBytes >= end) return MORE;
    body = 0;
    for (let i = 1; i <= lengthBytes; i++) body = body * 256 + buf[form + i];
  } else if (first === 0x80) {
    return NONE;
  }
  if (body < MIN_BODY_LENGTH || body > maxBodyLength) return NONE;
  const headerLength = form + 1 + lengthBytes - at;
  if (at + headerLength >= end) return MORE;
  if (buf[at + headerLength] !== SECURITY_AUTH_ENCRYPTED) return NONE;
  return { kind: "header", headerLength, frameLength: headerLength + body };
}

/** Splits a header already judged plausible; `bytes` is exactly one frame. */
export function splitFrame(bytes: Bytes, headerLength: number): GloFrame {
  const security = headerLength;
  const counter = security + 1;
  const text = counter + 4;
  const tag = bytes.length - TAG_LENGTH;
  return {
    bytes,
    systemTitle: bytes.subarray(2, 2 + SYSTEM_TITLE_LENGTH),
    securityControl: bytes[security],
    frameCounter: new DataView(bytes.buffer, bytes.byteOffset + counter, 4).getUint32(0),
    ciphertext: bytes.subarray(text, tag),
    tag: bytes.subarray(tag),
  };
}

/**
 * Parses bytes holding exactly one frame (a capture, `smr decode` input);
 * the frame views them. Rejects with reason "framing" and says what is wrong.
 */
export function parseGloFrame(
  bytes: Uint8Array,
  maxBodyLength: number = DEFAULT_MAX_BODY_LENGTH,
): Result<GloFrame> {
  const verdict = judgeHeader(bytes, 0, bytes.length, maxBodyLength);
  if (verdict.kind === "none") {
    return reject(
      "framing",
      "not a T210-D-r frame: expected DB 08, 8 bytes of system title, a length and security byte 30",
    );
  }
  if (verdict.kind === "more" || bytes.length < verdict.frameLength) {
    return reject("framing", `truncated frame: ${bytes.length} bytes`);
  }
  if (bytes.length > verdict.frameLength) {
    return reject(
      "framing",
      `frame length field says ${verdict.frameLength} bytes but ${bytes.length} were given`,
    );
  }
  const own: Bytes = bytes.buffer instanceof ArrayBuffer ? bytes as Bytes : bytes.slice();
  return ok(splitFrame(own, verdict.headerLength));
}

/** The system title as hex, for logs (`534147350000d28f`). */
export function systemTitleHex(frame: GloFrame): string {
  return encodeHex(frame.systemTitle);
}
