/**
 * The SML transport protocol (version 1) in a byte stream that arrives in
 * arbitrary chunks, may start mid-frame and may carry noise:
 *
 * ```
 * 1B1B1B1B 01010101 | SML messages | 0-3 fill bytes | 1B1B1B1B 1A <fill count> <CRC> <CRC>
 * ```
 *
 * Escape sequences sit on 4-byte boundaries counted from the start sequence,
 * and the fill bytes pad the messages to a multiple of 4 (0 to 3 of them by
 * the standard; DZG meters send a whole block of 4, so any count up to the
 * data length is accepted). Four `1B` bytes on
 * a boundary inside the data are sent twice. The checksum covers every byte
 * from the first `1B` of the start through the fill count: CRC-16/X-25, sent
 * low byte first, or CRC-16/KERMIT, sent high byte first (Holley DTZ541).
 * Both are accepted; the one that matched last is tried first.
 *
 * Resynchronisation: every start sequence in the stream, at any offset, opens
 * a candidate frame, and the candidates are followed side by side. A frame
 * that passes its CRC is delivered, and any candidate that began before it
 * is dropped as a framing rejection (it was cut off and the line went on
 * with a new frame). A candidate that fails (CRC, an unknown escape
 * sequence, no end within the bound) is a rejection, and the candidates
 * after its start go on, so a frame hidden in the tail of a broken one is
 * still found, without waiting for the broken one to time out.
 *
 * Memory is bounded: a candidate longer than `maxBytes` fails, at most 8
 * candidates are open at once, and the buffer holds twice the bound.
 */
import { encodeHex } from "../../bytes.ts";
import { crc16Kermit, crc16X25 } from "../../crc.ts";
import { ok, reject, type Rejection, type Result } from "../../result.ts";

/** The transport checksum variant: CRC-16/X-25 or CRC-16/KERMIT. */
export type SmlCrc = "x25" | "kermit";

/** One transport frame that passed its checksum. */
export interface SmlFrame {
  /** The SML messages: escaped escapes undone, fill bytes removed. */
  payload: Uint8Array;
  /** The frame as sent, start sequence through CRC (a copy). */
  wire: Uint8Array;
  /** The checksum variant that matched. */
  crc: SmlCrc;
  /** Fill bytes that padded the messages. */
  fill: number;
}

/** Options of {@link SmlFramer}. */
export interface SmlFramerOptions {
  /** Largest frame on the wire, in bytes (8 KiB by default, at least 16). */
  maxBytes?: number;
  /** Checksum variants accepted: both (`auto`, the default) or one. */
  crc?: "auto" | SmlCrc;
}

/** Counters of an {@link SmlFramer}, for the status node. */
export interface SmlFramerStats {
  /** Frames delivered. */
  frames: number;
  /** Candidate frames rejected (CRC, framing). */
  rejected: number;
  /** Bytes that were not part of a delivered frame (noise, rejected frames). */
  skippedBytes: number;
}

/** Default bound of one frame on the wire, in bytes. */
export const DEFAULT_MAX_SML_FRAME_BYTES = 8192;

const ESC = 0x1b;
const END = 0x1a;
/** Most candidate frames followed at once. */
const MAX_OPEN = 8;

interface Candidate {
  /** Stream offset of the start sequence. */
  start: number;
  /** Stream offset of the next 4-byte block to read. */
  pos: number;
}

type Step =
  | { kind: "open" }
  | { kind: "end"; at: number }
  | { kind: "fail"; error: Rejection };

const OPEN: Step = { kind: "open" };

/** Splits an SML byte stream into checked transport frames; see the module comment. */
export class SmlFramer {
  /** Counters since construction. */
  readonly stats: SmlFramerStats = { frames: 0, rejected: 0, skippedBytes: 0 };
  readonly #max: number;
  readonly #mode: "auto" | SmlCrc;
  #crc: SmlCrc | undefined;
  #buf: Uint8Array;
  /** Stream offset of `#buf[0]`. */
  #base = 0;
  /** Stream offset of the first byte kept. */
  #start = 0;
  /** Stream offset one past the last byte pushed. */
  #end = 0;
  /** Stream offset of the first position not yet searched for a start sequence. */
  #scan = 0;
  /** Open candidates, in stream order. */
  #open: Candidate[] = [];

  /** Creates a framer; `maxBytes` bounds the bytes held for one frame. */
  constructor(options: SmlFramerOptions = {}) {
    const max = options.maxBytes ?? DEFAULT_MAX_SML_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 16) {
      throw new RangeError(`maxBytes ${max} is not an integer of at least 16`);
    }
    const mode = options.crc ?? "auto";
    if (mode !== "auto" && mode !== "x25" && mode !== "kermit") {
      throw new RangeError(`crc "${mode}" is not auto, x25 or kermit`);
    }
    this.#max = max;
    this.#mode = mode;
    this.#crc = mode === "auto" ? undefined : mode;
    this.#buf = new Uint8Array(2 * max + 16);
  }

  /** The checksum variant of the last frame delivered (undefined before the first). */
  get crc(): SmlCrc | undefined {
    return this.stats.frames > 0 ? this.#crc : undefined;
  }

  /** Bytes kept between pushes: at most `maxBytes` (an open frame and its tail). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Feeds one chunk; returns the frames and rejections it completed, in stream order. */
  push(chunk: Uint8Array): Result<SmlFrame>[] {
    const out: Result<SmlFrame>[] = [];
    for (let at = 0; at < chunk.length;) {
      const piece = chunk.subarray(at, at + this.#max);
      at += piece.length;
      this.#append(piece);
      this.#run(out);
    }
    return out;
  }

  /** Ends the stream: every frame still open is a framing rejection. */
  flush(): Result<SmlFrame>[] {
    const out: Result<SmlFrame>[] = [];
    for (const candidate of this.#open) {
      const length = this.#end - candidate.start;
      this.#reject(out, {
        reason: "framing",
        message: `SML stream ended inside a frame after ${length} bytes`,
      });
    }
    this.#open = [];
    this.#scan = this.#end;
    this.#trim();
    return out;
  }

  #append(piece: Uint8Array): void {
    if (this.#end - this.#base + piece.length > this.#buf.length) {
      this.#buf.copyWithin(0, this.#start - this.#base, this.#end - this.#base);
      this.#base = this.#start;
    }
    this.#buf.set(piece, this.#end - this.#base);
    this.#end += piece.length;
  }

  #run(out: Result<SmlFrame>[]): void {
    this.#findStarts(out);
    for (let c = 0; c < this.#open.length;) {
      const candidate = this.#open[c];
      const step = this.#advance(candidate);
      if (step.kind === "open") {
        c++;
        continue;
      }
      this.#open.splice(c, 1);
      const result = step.kind === "end" ? this.#finish(candidate, step.at) : step;
      if (result.kind === "fail") {
        this.#reject(out, result.error);
        continue;
      }
      // Earlier candidates were cut off by this frame; later ones inside it were data.
      const end = result.at + 8;
      for (const earlier of this.#open.slice(0, c)) {
        this.#reject(out, {
          reason: "framing",
          message: `SML frame cut off after ${candidate.start - earlier.start} bytes by the next`,
        });
      }
      this.#open = this.#open.slice(c).filter((later) => later.start >= end);
      this.stats.skippedBytes += Math.max(0, candidate.start - this.#start);
      this.#start = end;
      this.#scan = Math.max(this.#scan, end);
      this.stats.frames++;
      out.push(ok(result.frame));
      c = 0;
    }
    this.#trim();
  }

  /** Opens a candidate at each start sequence not yet seen. */
  #findStarts(out: Result<SmlFrame>[]): void {
    const buf = this.#buf;
    const base = this.#base;
    const last = this.#end - base - 8;
    let i = this.#scan - base;
    while (i <= last) {
      const k = buf.indexOf(ESC, i);
      if (k < 0 || k > last) {
        i = last + 1;
        break;
      }
      if (
        buf[k + 1] === ESC && buf[k + 2] === ESC && buf[k + 3] === ESC &&
        buf[k + 4] === 1 && buf[k + 5] === 1 && buf[k + 6] === 1 && buf[k + 7] === 1
      ) {
        if (this.#open.length >= MAX_OPEN) {
          this.#open.shift();
          this.#reject(out, {
            reason: "framing",
            message: `more than ${MAX_OPEN} SML start sequences without an end`,
          });
        }
        this.#open.push({ start: k + base, pos: k + base + 8 });
        i = k + 8;
      } else {
        i = k + 1;
      }
    }
    this.#scan = Math.max(this.#scan, i + base);
  }

  /** Reads the candidate's 4-byte blocks up to its end sequence, a failure, or the input's end. */
  #advance(candidate: Candidate): Step {
    const buf = this.#buf;
    const base = this.#base;
    const end = this.#end - base;
    const limit = candidate.start - base + this.#max;
    let p = candidate.pos - base;
    let step: Step = OPEN;
    for (;;) {
      if (p + 8 > limit) {
        step = fail("framing", `SML frame longer than ${this.#max} bytes without an end sequence`);
        break;
      }
      if (p + 4 > end) break;
      if (buf[p] !== ESC || buf[p + 1] !== ESC || buf[p + 2] !== ESC || buf[p + 3] !== ESC) {
        p += 4;
        continue;
      }
      if (p + 8 > end) break;
      const a = buf[p + 4];
      if (a === END) {
        step = { kind: "end", at: p + base };
        break;
      }
      if (a === ESC && buf[p + 5] === ESC && buf[p + 6] === ESC && buf[p + 7] === ESC) {
        p += 8;
        continue;
      }
      const sequence = encodeHex(buf.subarray(p + 4, p + 8));
      step = sequence === "01010101"
        ? fail("framing", "SML frame cut off by a new start sequence")
        : fail("framing", `unknown SML escape sequence 1b1b1b1b ${sequence}`);
      break;
    }
    candidate.pos = p + base;
    return step;
  }

  /** Checks the CRC and the fill count of a frame whose end sequence is at `at`, and unescapes it. */
  #finish(
    candidate: Candidate,
    at: number,
  ): { kind: "frame"; frame: SmlFrame; at: number } | { kind: "fail"; error: Rejection } {
    const buf = this.#buf;
    const f = candidate.start - this.#base;
    const q = at - this.#base;
    const fill = buf[q + 5];
    const crc = this.#check(f, q + 6, buf[q + 6], buf[q + 7]);
    if (typeof crc !== "string") return crc;
    // Copy the runs between escaped escapes, each with its first half of the pair.
    const data = new Uint8Array(q - f - 8);
    let n = 0;
    let run = f + 8;
    for (let r = run; r < q; r += 4) {
      if (!isEscape(buf, r)) continue;
      data.set(buf.subarray(run, r + 4), n);
      n += r + 4 - run;
      run = r + 8;
      r += 4;
    }
    data.set(buf.subarray(run, q), n);
    n += q - run;
    if (fill > n) return fail("framing", `SML fill count ${fill} is more than the ${n} data bytes`);
    this.#crc = crc;
    const frame = { payload: data.subarray(0, n - fill), wire: buf.slice(f, q + 8), crc, fill };
    return { kind: "frame", frame, at };
  }

  /** The variant whose CRC over `buf[from, to)` equals the two bytes sent, the last one first. */
  #check(
    from: number,
    to: number,
    b1: number,
    b2: number,
  ): SmlCrc | { kind: "fail"; error: Rejection } {
    const buf = this.#buf;
    const order: SmlCrc[] = this.#mode !== "auto"
      ? [this.#mode]
      : this.#crc === "kermit"
      ? ["kermit", "x25"]
      : ["x25", "kermit"];
    for (const variant of order) {
      const matches = variant === "x25"
        ? crc16X25(buf, from, to) === (b1 | (b2 << 8))
        : crc16Kermit(buf, from, to) === ((b1 << 8) | b2);
      if (matches) return variant;
    }
    const x25 = crc16X25(buf, from, to);
    const kermit = crc16Kermit(buf, from, to);
    return fail(
      "crc",
      `SML transport CRC bytes ${hex2(b1, b2)}: X-25 gives ${hex2(x25 & 0xff, x25 >> 8)}, ` +
        `KERMIT ${hex2(kermit >> 8, kermit & 0xff)}`,
    );
  }

  #reject(out: Result<SmlFrame>[], error: Rejection): void {
    this.stats.rejected++;
    out.push(reject(error.reason, error.message));
  }

  /** Drops the bytes before the first open candidate and the search position. */
  #trim(): void {
    const keep = Math.min(this.#scan, this.#open[0]?.start ?? Infinity);
    if (keep > this.#start) {
      this.stats.skippedBytes += keep - this.#start;
      this.#start = keep;
    }
  }
}

function fail(reason: Rejection["reason"], message: string): { kind: "fail"; error: Rejection } {
  return { kind: "fail", error: { reason, message } };
}

function hex2(first: number, second: number): string {
  return encodeHex(Uint8Array.of(first, second));
}

/**
 * Wraps SML messages in a transport frame: fill bytes to a multiple of 4,
 * escapes doubled, end sequence and checksum (X-25 low byte first, KERMIT
 * high byte first). The inverse of {@link SmlFramer}, for simulators and tests.
 */
export function encodeSmlFrame(payload: Uint8Array, crc: SmlCrc = "x25"): Uint8Array {
  const fill = (4 - (payload.length % 4)) % 4;
  const data = new Uint8Array(payload.length + fill);
  data.set(payload);
  let escapes = 0;
  for (let i = 0; i < data.length; i += 4) if (isEscape(data, i)) escapes++;
  const out = new Uint8Array(8 + data.length + 4 * escapes + 8);
  out.set([ESC, ESC, ESC, ESC, 1, 1, 1, 1]);
  let at = 8;
  for (let i = 0; i < data.length; i += 4) {
    out.set(data.subarray(i, i + 4), at);
    at += 4;
    if (isEscape(data, i)) {
      out.set(data.subarray(i, i + 4), at);
      at += 4;
    }
  }
  out.set([ESC, ESC, ESC, ESC, END, fill], at);
  const sum = crc === "x25" ? crc16X25(out, 0, at + 6) : crc16Kermit(out, 0, at + 6);
  out.set(crc === "x25" ? [sum & 0xff, sum >> 8] : [sum >> 8, sum & 0xff], at + 6);
  return out;
}

function isEscape(bytes: Uint8Array, i: number): boolean {
  return bytes[i] === ESC && bytes[i + 1] === ESC && bytes[i + 2] === ESC && bytes[i + 3] === ESC;
}
