/**
 * Wired M-Bus long frames (EN 13757-2) carrying DLMS push APDUs, and their
 * reassembly from a chunked, noisy byte stream.
 *
 * ```
 * 68 L L 68 | C A CI STSAP DTSAP | data … | CS 16
 * ```
 * L counts C through the last data byte; CS is their sum modulo 256. CI is
 * the DLMS transport field: bits 7..5 zero, bit 4 FIN (last segment), bits
 * 3..0 the segment number. An APDU longer than one frame comes in segments
 * 0, 1, … up to the one with FIN (`00`, `11`; a single frame is `10`); their
 * data, concatenated in order, is the APDU.
 *
 * The Sagemcom T210-D (Netz NÖ) sends a first segment whose L bytes say
 * `01 01` but which carries 257 bytes: L = 0x01 is read as 0x101, and such a
 * frame is taken only when its checksum and stop byte line up there.
 *
 * The framer resynchronises by scanning for the next `68 L L 68` with equal
 * L bytes after anything that is not a valid frame; a frame that is still
 * incomplete never holds back a later complete one. A valid frame whose
 * checksum fails is a "crc" rejection; a missing, repeated or out-of-order
 * segment drops the whole APDU with a "framing" rejection (except at the
 * start of the stream, where the first segments may simply have been missed).
 */
import { ok, reject, type Result } from "../../result.ts";
import { hexByte } from "../../bytes.ts";

/** One checked M-Bus long frame; `data` is a view into `bytes`. */
export interface MbusFrame {
  /** The whole frame, `68` to `16`. */
  bytes: Uint8Array;
  /** The length field as read (257 for the Sagemcom `01 01` first segment). */
  length: number;
  /** The C field (`0x53` SND_UD, `0x73`). */
  control: number;
  /** The A field (`0xFF` broadcast). */
  address: number;
  /** The CI field: FIN bit and segment number. */
  ci: number;
  /** Source and destination TSAP (`01`, `67`). */
  stsap: number;
  dtsap: number;
  /** The APDU bytes of this segment. */
  data: Uint8Array;
}

/** Counters of an {@link MbusFramer}. */
export interface MbusStats {
  /** Frames whose checksum and stop byte held. */
  frames: number;
  /** APDUs delivered. */
  apdus: number;
  /** Rejections returned (checksum, foreign frames, broken segment sequences). */
  rejected: number;
  /** Bytes skipped outside valid frames (noise, false starts). */
  skippedBytes: number;
}

/** Options of an {@link MbusFramer}. */
export interface MbusFramerOptions {
  /** Called with every valid frame (a copy the framer keeps no hold of), for diagnostics. */
  onFrame?: (frame: MbusFrame) => void;
}

const START = 0x68;
const STOP = 0x16;
/** C, A, CI, STSAP, DTSAP: the smallest L. */
const MIN_LENGTH = 5;
/** L = 0x01 of the Sagemcom first segment, read as 0x101. */
const QUIRK_LENGTH = 0x101;
/** The largest frame: the quirk's 257 bytes plus the 4-byte start and CS, 16. */
const MAX_FRAME = QUIRK_LENGTH + 6;

const FIN = 0x10;
const SEGMENT = 0x0f;

/** Verdicts of {@link judge}: not a frame here, need more bytes, checksum failed, a frame. */
const NONE = 0;
const MORE = 1;
const BAD_SUM = 2;
const FRAME = 3;

function lengthAt(buf: Uint8Array, at: number): number {
  const l = buf[at + 1];
  return l === 0x01 ? QUIRK_LENGTH : l;
}

/**
 * Judges the bytes at `buf[at]` (a `68`) up to `end`: NONE, MORE, BAD_SUM
 * (start, L and stop byte right, checksum wrong) or FRAME.
 */
function judge(buf: Uint8Array, at: number, end: number): number {
  if (at + 4 > end) {
    if (at + 1 < end && buf[at + 1] !== 0x01 && buf[at + 1] < MIN_LENGTH) return NONE;
    if (at + 2 < end && buf[at + 2] !== buf[at + 1]) return NONE;
    return MORE;
  }
  const l = buf[at + 1];
  if (buf[at + 3] !== START || buf[at + 2] !== l) return NONE;
  if (l !== 0x01 && l < MIN_LENGTH) return NONE;
  const length = lengthAt(buf, at);
  const total = length + 6;
  if (at + total > end) return MORE;
  if (buf[at + total - 1] !== STOP) return NONE;
  let sum = 0;
  const from = at + 4;
  const to = from + length;
  for (let i = from; i < to; i++) sum += buf[i];
  if ((sum & 0xff) !== buf[to]) return l === 0x01 ? NONE : BAD_SUM;
  return FRAME;
}

function frameAt(bytes: Uint8Array, at: number): MbusFrame {
  const length = lengthAt(bytes, at);
  return {
    bytes: bytes.subarray(at, at + length + 6),
    length,
    control: bytes[at + 4],
    address: bytes[at + 5],
    ci: bytes[at + 6],
    stsap: bytes[at + 7],
    dtsap: bytes[at + 8],
    data: bytes.subarray(at + 9, at + 4 + length),
  };
}

/**
 * Parses bytes holding exactly one M-Bus long frame. Rejects with reason
 * "framing" (not a frame, truncated, extra bytes) or "crc" (checksum).
 */
export function parseMbusFrame(bytes: Uint8Array): Result<MbusFrame> {
  if (bytes.length < 4 || bytes[0] !== START) {
    return reject("framing", "not an M-Bus long frame: it must start 68 L L 68");
  }
  const verdict = judge(bytes, 0, bytes.length);
  if (verdict === MORE) return reject("framing", `truncated M-Bus frame: ${bytes.length} bytes`);
  if (verdict === NONE) {
    return reject("framing", "not an M-Bus long frame: start, length or stop byte wrong");
  }
  if (verdict === BAD_SUM) return reject("crc", "M-Bus frame checksum mismatch");
  const frame = frameAt(bytes, 0);
  if (frame.bytes.length !== bytes.length) {
    return reject(
      "framing",
      `M-Bus frame is ${frame.bytes.length} bytes but ${bytes.length} were given`,
    );
  }
  return ok(frame);
}

/**
 * Splits a chunked M-Bus byte stream into frames and reassembles their
 * segments into APDUs; see the module doc for the rules.
 */
export class MbusFramer {
  /** Counters since construction. */
  readonly stats: MbusStats = { frames: 0, apdus: 0, rejected: 0, skippedBytes: 0 };
  readonly #onFrame: ((frame: MbusFrame) => void) | undefined;
  #buf = new Uint8Array(4 * MAX_FRAME);
  /** Bytes held: `#buf[0 .. #end)`. */
  #end = 0;
  /** Segments of the APDU being assembled, and the number the next must have. */
  #segments: Uint8Array[] = [];
  #expected = 0;
  /** Whether a first segment has been seen (before it, orphans are not errors). */
  #synced = false;

  /** Creates a framer with an empty buffer. */
  constructor(options: MbusFramerOptions = {}) {
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
      const at = buf.indexOf(START, pos);
      if (at < 0 || at >= end) {
        this.stats.skippedBytes += end - pos;
        pos = end;
        break;
      }
      this.stats.skippedBytes += at - pos;
      pos = at;
      const verdict = judge(buf, at, end);
      if (verdict === NONE) {
        this.stats.skippedBytes++;
        pos = at + 1;
      } else if (verdict === BAD_SUM) {
        this.stats.skippedBytes++;
        this.#rejected(out, reject("crc", "M-Bus frame checksum mismatch; frame skipped"));
        pos = at + 1;
      } else if (verdict === FRAME) {
        const frame = frameAt(buf, at);
        pos = at + frame.bytes.length;
        this.#frame(frame, out);
      } else {
        const later = this.#laterFrame(at + 1, end);
        if (later < 0) break;
        this.stats.skippedBytes += later - at;
        pos = later;
      }
    }
    if (pos > 0) buf.copyWithin(0, pos, end);
    this.#end = end - pos;
  }

  /** The start of a complete valid frame after an incomplete one, or -1. */
  #laterFrame(from: number, end: number): number {
    const buf = this.#buf;
    for (let at = buf.indexOf(START, from); at >= 0 && at < end; at = buf.indexOf(START, at + 1)) {
      if (judge(buf, at, end) === FRAME) return at;
    }
    return -1;
  }

  #frame(frame: MbusFrame, out: Result<Uint8Array>[]): void {
    this.stats.frames++;
    if (this.#onFrame) this.#onFrame(frameAt(frame.bytes.slice(), 0));
    const ci = frame.ci;
    if ((ci & 0xe0) !== 0) {
      this.#rejected(
        out,
        reject(
          "framing",
          `M-Bus frame with CI 0x${hexByte(ci)} is not DLMS transport`,
        ),
      );
      return;
    }
    const segment = ci & SEGMENT;
    if (segment === 0) {
      if (this.#segments.length > 0) {
        this.#drop(out, `segment ${this.#expected} is missing`);
      }
      this.#synced = true;
    } else if (segment !== this.#expected || this.#segments.length === 0) {
      if (this.#segments.length > 0) {
        const what = segment < this.#expected ? "repeated" : `missing before segment ${segment}`;
        this.#drop(out, `segment ${segment < this.#expected ? segment : this.#expected} ${what}`);
      } else if (this.#synced) {
        this.#rejected(
          out,
          reject("framing", `M-Bus segment ${segment} without segment 0; APDU dropped`),
        );
      } else {
        this.stats.skippedBytes += frame.bytes.length;
      }
      return;
    }
    this.#segments.push(frame.data.slice());
    this.#expected = segment + 1;
    if ((ci & FIN) === 0) return;
    const parts = this.#segments;
    this.#segments = [];
    this.#expected = 0;
    this.stats.apdus++;
    if (parts.length === 1) {
      out.push(ok(parts[0]));
      return;
    }
    let size = 0;
    for (const part of parts) size += part.length;
    const apdu = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
      apdu.set(part, at);
      at += part.length;
    }
    out.push(ok(apdu));
  }

  #drop(out: Result<Uint8Array>[], why: string): void {
    this.#segments = [];
    this.#expected = 0;
    this.#rejected(out, reject("framing", `M-Bus ${why}; APDU dropped`));
  }

  #rejected(out: Result<Uint8Array>[], rejection: Result<Uint8Array>): void {
    this.stats.rejected++;
    out.push(rejection);
  }
}
