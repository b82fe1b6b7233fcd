/**
 * HDLC frames (IEC 62056-46, frame format type 3) carrying DLMS push APDUs,
 * and their reassembly from a chunked, noisy byte stream.
 *
 * ```
 * 7E | A0 len | dest addr (1-4) | src addr (1-4) | control | HCS(2) | info … | FCS(2) | 7E
 * ```
 * The two format bytes hold the type (`A`), the segmentation bit (`0x08` of
 * the first: more segments follow, so `A8`) and an 11-bit length counting
 * the bytes between the flags. An address ends with the byte whose lowest
 * bit is 1. HCS covers the format through the control byte, FCS the format
 * through the info field; both are CRC-16/X-25 sent least significant byte
 * first. The info fields of a segmented frame and its continuations,
 * concatenated, are one APDU after the LLC header `E6 E7 00` (or `E6 E6 00`),
 * which only the first segment carries. One flag may close a frame and open
 * the next.
 *
 * Frames whose header check fails are skipped as noise; a frame whose
 * header holds but whose FCS fails is a "crc" rejection. A broken segment
 * sequence (an I-frame out of sequence, a new LLC header in the middle,
 * bytes skipped between two segments, where a damaged segment may have been)
 * drops the APDU with a "framing" rejection, and its remaining segments are
 * skipped. A continuation segment whose start was missed or damaged is
 * skipped as well: an APDU starts with the LLC header or, for a meter that
 * sends none, with a push APDU's tag (`0F`, `DB`, `E0`) right after the last
 * segment of the previous APDU, with no bytes skipped between them.
 */
import { crc16X25 } from "../../crc.ts";
import { ok, reject, type Result } from "../../result.ts";

/** One checked HDLC frame; `info` is a view into `bytes`. */
export interface HdlcFrame {
  /** The frame between the flags: format through FCS. */
  bytes: Uint8Array;
  /** Whether more segments follow (the `A8` format). */
  segmented: boolean;
  /** Destination and source address as sent (with their end bits). */
  destination: Uint8Array;
  source: Uint8Array;
  /** The control byte (`0x13` UI with the final bit, `0x03` UI). */
  control: number;
  /** The information field (empty for a frame without one). */
  info: Uint8Array;
}

/** Counters of an {@link HdlcFramer}. */
export interface HdlcStats {
  /** Frames whose checks held. */
  frames: number;
  /** APDUs delivered. */
  apdus: number;
  /** Rejections returned (FCS, broken segment sequences, oversize APDUs). */
  rejected: number;
  /** Bytes skipped outside valid frames. */
  skippedBytes: number;
}

/** Options of an {@link HdlcFramer}. */
export interface HdlcFramerOptions {
  /** Largest APDU assembled from segments (16 KiB by default). */
  maxApduBytes?: number;
  /** Called with every valid frame (a copy the framer keeps no hold of), for diagnostics. */
  onFrame?: (frame: HdlcFrame) => void;
}

const FLAG = 0x7e;
/** Format, one-byte addresses, control, FCS: the smallest frame length. */
const MIN_LENGTH = 7;
/** The largest frame with its two flags (an 11-bit length). */
const MAX_FRAME = 0x7ff + 2;
const MAX_ADDRESS = 4;
const DEFAULT_MAX_APDU = 16384;

const NONE = 0;
const MORE = 1;
const BAD_FCS = 2;
const FRAME = 3;

/** First bytes of the APDUs a push may start with when a meter sends no LLC header. */
const APDU_TAGS = new Set([0x0f, 0xdb, 0xe0]);

/** The LLC header of a push from the meter (`E6 E7 00`) or to it (`E6 E6 00`). */
function llcLength(info: Uint8Array): number {
  return info.length >= 3 && info[0] === 0xe6 && (info[1] === 0xe7 || info[1] === 0xe6) &&
      info[2] === 0x00
    ? 3
    : 0;
}

/** End of an address starting at `at` (the byte after it), or -1. */
function addressEnd(buf: Uint8Array, at: number, limit: number): number {
  for (let i = 0; i < MAX_ADDRESS && at + i < limit; i++) {
    if (buf[at + i] & 1) return at + i + 1;
  }
  return -1;
}

/** Where the header of the frame at `buf[at]` (a flag) ends: the offset of its HCS or FCS. */
function headerEnd(buf: Uint8Array, at: number, close: number): number {
  const source = addressEnd(buf, at + 3, close);
  if (source < 0) return -1;
  const control = addressEnd(buf, source, close);
  if (control < 0 || control >= close) return -1;
  return control + 1;
}

function judge(buf: Uint8Array, at: number, end: number): number {
  if (at + 3 > end) {
    if (at + 1 < end && (buf[at + 1] & 0xf0) !== 0xa0) return NONE;
    return MORE;
  }
  const format = buf[at + 1];
  if ((format & 0xf0) !== 0xa0) return NONE;
  const length = ((format & 0x07) << 8) | buf[at + 2];
  if (length < MIN_LENGTH) return NONE;
  const close = at + 1 + length;
  if (close >= end) return MORE;
  if (buf[close] !== FLAG) return NONE;
  const header = headerEnd(buf, at, close - 2);
  if (header < 0) return NONE;
  const fcsAt = close - 2;
  if (header < fcsAt) {
    if (header + 2 > fcsAt) return NONE;
    if (crc16X25(buf, at + 1, header) !== (buf[header] | (buf[header + 1] << 8))) return NONE;
  }
  if (crc16X25(buf, at + 1, fcsAt) !== (buf[fcsAt] | (buf[fcsAt + 1] << 8))) return BAD_FCS;
  return FRAME;
}

/** The frame at `buf[at]` (a flag), already judged valid. */
function frameAt(buf: Uint8Array, at: number): HdlcFrame {
  const format = buf[at + 1];
  const length = ((format & 0x07) << 8) | buf[at + 2];
  const close = at + 1 + length;
  const source = addressEnd(buf, at + 3, close);
  const control = addressEnd(buf, source, close);
  const header = control + 1;
  const fcsAt = close - 2;
  return {
    bytes: buf.subarray(at + 1, close),
    segmented: (format & 0x08) !== 0,
    destination: buf.subarray(at + 3, source),
    source: buf.subarray(source, control),
    control: buf[control],
    info: header < fcsAt ? buf.subarray(header + 2, fcsAt) : buf.subarray(fcsAt, fcsAt),
  };
}

/**
 * Parses bytes holding exactly one HDLC frame with both flags. Rejects with
 * reason "framing" (not a frame, truncated, extra bytes, header check) or
 * "crc" (FCS).
 */
export function parseHdlcFrame(bytes: Uint8Array): Result<HdlcFrame> {
  if (bytes.length < 3 || bytes[0] !== FLAG) {
    return reject("framing", "not an HDLC frame: it must start 7E A0");
  }
  const verdict = judge(bytes, 0, bytes.length);
  if (verdict === MORE) return reject("framing", `truncated HDLC frame: ${bytes.length} bytes`);
  if (verdict === NONE) {
    return reject("framing", "not an HDLC frame: format, length, flag or header check wrong");
  }
  if (verdict === BAD_FCS) return reject("crc", "HDLC frame check sequence mismatch");
  const frame = frameAt(bytes, 0);
  if (frame.bytes.length + 2 !== bytes.length) {
    return reject(
      "framing",
      `HDLC frame is ${frame.bytes.length + 2} bytes but ${bytes.length} were given`,
    );
  }
  return ok(frame);
}

/**
 * Splits a chunked HDLC byte stream into frames and reassembles segmented
 * information fields into APDUs (LLC header removed); see the module doc.
 */
export class HdlcFramer {
  /** Counters since construction. */
  readonly stats: HdlcStats = { frames: 0, apdus: 0, rejected: 0, skippedBytes: 0 };
  readonly #maxApdu: number;
  readonly #onFrame: ((frame: HdlcFrame) => void) | undefined;
  #buf = new Uint8Array(2 * MAX_FRAME);
  #end = 0;
  #parts: Uint8Array[] = [];
  #size = 0;
  /** The send sequence number the next I-frame segment must carry, or -1. */
  #nextSend = -1;
  /** Whether the remaining segments of a dropped APDU are being skipped. */
  #skipping = false;
  /** Bytes other than flags skipped since the last valid frame. */
  #gap = 0;
  /** Whether the last valid frame was the last segment of whatever it belonged to. */
  #afterFinal = false;

  /** Creates a framer with an empty buffer. */
  constructor(options: HdlcFramerOptions = {}) {
    this.#maxApdu = options.maxApduBytes ?? DEFAULT_MAX_APDU;
    if (!(this.#maxApdu >= 1)) throw new RangeError("maxApduBytes must be at least 1");
    this.#onFrame = options.onFrame;
  }

  /**
   * Feeds one chunk; returns the APDUs it completed and the rejections it
   * caused, in stream order.
   */
  push(chunk: Uint8Array): Result<Uint8Array>[] {
    const out: Result<Uint8Array>[] = [];
    for (let at = 0; at < chunk.length; at += MAX_FRAME) {
      this.#append(chunk.subarray(at, at + MAX_FRAME));
      this.#scan(out);
    }
    return out;
  }

  #append(part: Uint8Array): void {
    if (this.#end + part.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length, 2 * (this.#end + part.length)));
      grown.set(this.#buf.subarray(0, this.#end));
      this.#buf = grown;
    }
    this.#buf.set(part, this.#end);
    this.#end += part.length;
  }

  #scan(out: Result<Uint8Array>[]): void {
    const buf = this.#buf;
    const end = this.#end;
    let pos = 0;
    while (pos < end) {
      const at = buf.indexOf(FLAG, pos);
      if (at < 0 || at >= end) {
        this.#skip(end - pos);
        pos = end;
        break;
      }
      this.#skip(at - pos);
      pos = at;
      const verdict = judge(buf, at, end);
      if (verdict === NONE) {
        this.stats.skippedBytes++;
        pos = at + 1;
      } else if (verdict === BAD_FCS) {
        this.#skip(1);
        this.#rejected(out, "crc", "HDLC frame check sequence mismatch; frame skipped");
        pos = at + 1;
      } else if (verdict === FRAME) {
        const frame = frameAt(buf, at);
        // The closing flag may open the next frame.
        pos = at + 1 + frame.bytes.length;
        if (this.#onFrame) this.#onFrame(frameAt(buf.slice(at, pos + 1), 0));
        this.#frame(frame, out);
      } else {
        const later = this.#laterFrame(at + 1, end);
        if (later < 0) break;
        this.#skip(later - at);
        pos = later;
      }
    }
    if (pos > 0) buf.copyWithin(0, pos, end);
    this.#end = end - pos;
  }

  /** Counts skipped bytes that are not flags: a segment may have been lost in them. */
  #skip(count: number): void {
    this.stats.skippedBytes += count;
    this.#gap += count;
  }

  #laterFrame(from: number, end: number): number {
    const buf = this.#buf;
    for (let at = buf.indexOf(FLAG, from); at >= 0 && at < end; at = buf.indexOf(FLAG, at + 1)) {
      if (judge(buf, at, end) === FRAME) return at;
    }
    return -1;
  }

  #frame(frame: HdlcFrame, out: Result<Uint8Array>[]): void {
    this.stats.frames++;
    const gap = this.#gap;
    this.#gap = 0;
    // Surely between two APDUs: right after a last segment, nothing lost since.
    const boundary = gap === 0 && this.#afterFinal;
    this.#afterFinal = !frame.segmented;
    const info = frame.info;
    if (info.length === 0) return;
    const control = frame.control;
    const iFrame = (control & 1) === 0;
    const llc = llcLength(info);
    if (this.#skipping) {
      if (llc === 0) {
        this.#skipping = frame.segmented;
        this.stats.skippedBytes += frame.bytes.length;
        return;
      }
      this.#skipping = false;
    }
    if (this.#parts.length > 0 && gap > 0 && llc === 0) {
      this.#drop(
        out,
        `a segment was lost (${gap} bytes skipped between segments)`,
        frame.segmented,
      );
      return;
    }
    if (this.#parts.length > 0) {
      if (llc > 0) {
        this.#drop(out, "an APDU's last segment is missing", false);
      } else if (iFrame && ((control >> 1) & 7) !== this.#nextSend) {
        this.#drop(out, "an I-frame segment is out of sequence", frame.segmented);
        return;
      }
    } else if (llc === 0 && !(boundary && APDU_TAGS.has(info[0]))) {
      // Perhaps a continuation whose first segment was missed or damaged.
      this.#skipping = frame.segmented;
      this.stats.skippedBytes += frame.bytes.length;
      return;
    }
    const part = info.subarray(this.#parts.length === 0 ? llc : 0);
    if (this.#size + part.length > this.#maxApdu) {
      this.#drop(out, `the APDU grows past ${this.#maxApdu} bytes`, frame.segmented);
      return;
    }
    this.#parts.push(part.slice());
    this.#size += part.length;
    this.#nextSend = iFrame ? (((control >> 1) & 7) + 1) & 7 : -1;
    if (frame.segmented) return;
    const parts = this.#parts;
    const apdu = parts.length === 1 ? parts[0] : new Uint8Array(this.#size);
    if (parts.length > 1) {
      let at = 0;
      for (const piece of parts) {
        apdu.set(piece, at);
        at += piece.length;
      }
    }
    this.#parts = [];
    this.#size = 0;
    this.#nextSend = -1;
    this.stats.apdus++;
    out.push(ok(apdu));
  }

  /** Drops the APDU; `skipRest` skips its remaining segments (the dropped frame had more). */
  #drop(out: Result<Uint8Array>[], why: string, skipRest: boolean): void {
    this.#skipping = skipRest;
    this.#parts = [];
    this.#size = 0;
    this.#nextSend = -1;
    this.#rejected(out, "framing", `HDLC ${why}; APDU dropped`);
  }

  #rejected(out: Result<Uint8Array>[], reason: "crc" | "framing", message: string): void {
    this.stats.rejected++;
    out.push(reject(reason, message));
  }
}
