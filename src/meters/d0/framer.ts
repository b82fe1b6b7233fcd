/**
 * Streaming framer of IEC 62056-21 readouts: turns an arbitrarily chunked
 * byte stream from the IR head into readouts, each delivered whole as its
 * own bytes. Made for mode D meters that push on their own (EasyMeter Q3D,
 * Hager eHZ); a captured pull session frames the same way.
 *
 * Rules, byte by byte:
 * - outside a readout everything up to the next `/` is skipped and counted;
 * - a readout starts with `/` and three letters (so the echo `/?!` of a
 *   sign-on request is skipped too); its identification line ends at LF and
 *   is at most 128 bytes;
 * - in the data, a `/` outside a value group starts a new readout and drops
 *   the one it interrupts; inside a group only a `/` followed by three
 *   letters does (a readout cut in the middle of a value); a group ends at
 *   `)` or at the line end;
 * - without STX the readout ends at the first `!` outside a group, followed
 *   by an optional CR and LF; after an STX it ends at ETX and the BCC byte
 *   after it (a block cut after its `!` CR LF ends before the next byte that
 *   is not ETX);
 * - a readout that grows past `maxBytes` is dropped and the framer looks for
 *   the next `/`.
 *
 * Dropped readouts whose identification line was complete are framing
 * rejections; shorter fragments are just skipped bytes. The framer checks no
 * BCC: `decodeReadout` does.
 */
import { ok, reject, type Result } from "../../result.ts";

/** Options of a {@link ReadoutFramer}. */
export interface ReadoutFramerOptions {
  /** Largest readout kept, in bytes (8 KiB by default). */
  maxBytes?: number;
}

/** Counters of a {@link ReadoutFramer}, for the status node. */
export interface ReadoutFramerStats {
  /** Complete readouts delivered. */
  readouts: number;
  /** Partial readouts dropped (interrupted, too long, or cut by `flush`). */
  rejected: number;
  /** Bytes skipped outside readouts, including short dropped fragments. */
  skippedBytes: number;
}

/** Default bound of a readout in bytes. */
export const DEFAULT_MAX_READOUT_BYTES = 8192;

/** Longest identification line kept, `/` and line end included. */
const MAX_IDENTIFICATION = 128;

const STX = 0x02;
const ETX = 0x03;
const LF = 0x0a;
const CR = 0x0d;
const BANG = 0x21;
const OPEN = 0x28;
const CLOSE = 0x29;
const SLASH = 0x2f;

const SEEKING = 0;
const IDENTIFICATION = 1;
const DATA = 2;
const AFTER_BANG = 3;
const AFTER_ETX = 4;

/** Room a readout may need past the bound: CR, LF, ETX, BCC. */
const TAIL = 4;

function isLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/** Splits a D0 byte stream into readouts; see the module comment for the rules. */
export class ReadoutFramer {
  /** Counters since construction. */
  readonly stats: ReadoutFramerStats = { readouts: 0, rejected: 0, skippedBytes: 0 };
  readonly #max: number;
  readonly #buf: Uint8Array;
  #length = 0;
  #state = SEEKING;
  #inGroup = false;
  #block = false;
  #sawCr = false;
  #sawLf = false;
  /** Where a `/` inside a value group sits in the buffer, or -1. */
  #slash = -1;

  /** Creates a framer; `maxBytes` bounds the memory held for one readout. */
  constructor(options: ReadoutFramerOptions = {}) {
    const max = options.maxBytes ?? DEFAULT_MAX_READOUT_BYTES;
    if (!Number.isInteger(max) || max < MAX_IDENTIFICATION) {
      throw new RangeError(`maxBytes must be an integer of at least ${MAX_IDENTIFICATION}`);
    }
    this.#max = max;
    this.#buf = new Uint8Array(max + TAIL);
  }

  /**
   * Feeds one chunk; returns the readouts it completed and a framing
   * rejection for every partial readout it had to drop, in stream order.
   */
  push(chunk: Uint8Array): Result<Uint8Array>[] {
    const out: Result<Uint8Array>[] = [];
    const n = chunk.length;
    const buf = this.#buf;
    for (let i = 0; i < n; i++) {
      const byte = chunk[i];
      switch (this.#state) {
        case SEEKING: {
          const start = chunk.indexOf(SLASH, i);
          if (start < 0) {
            this.stats.skippedBytes += n - i;
            return out;
          }
          this.stats.skippedBytes += start - i;
          this.#begin();
          i = start;
          break;
        }
        case IDENTIFICATION:
          if (byte === SLASH) {
            this.stats.skippedBytes += this.#length;
            this.#begin();
          } else if (this.#length < 4 ? !isLetter(byte) : this.#length >= MAX_IDENTIFICATION) {
            this.stats.skippedBytes += this.#length + 1;
            this.#length = 0;
            this.#state = SEEKING;
          } else {
            buf[this.#length++] = byte;
            if (byte === LF) this.#state = DATA;
          }
          break;
        case DATA:
          if (this.#length >= this.#max) {
            this.#drop(out, `readout longer than ${this.#max} bytes without end`);
            i--;
          } else if (byte === SLASH && !this.#inGroup) {
            this.#drop(
              out,
              `readout interrupted by a new identification after ${this.#length} bytes`,
            );
            this.#begin();
          } else {
            this.#data(byte, out);
          }
          break;
        case AFTER_BANG:
          if (byte === CR && !this.#sawCr && !this.#sawLf) {
            buf[this.#length++] = byte;
            this.#sawCr = true;
          } else if (byte === LF && !this.#sawLf) {
            buf[this.#length++] = byte;
            this.#sawLf = true;
            if (!this.#block) this.#emit(out);
          } else if (byte === ETX && this.#block) {
            buf[this.#length++] = byte;
            this.#state = AFTER_ETX;
          } else {
            this.#emit(out);
            i--;
          }
          break;
        default: // AFTER_ETX: the BCC
          buf[this.#length++] = byte;
          this.#emit(out);
      }
    }
    return out;
  }

  /**
   * Ends the stream: delivers a readout whose `!` arrived without its line
   * end, and drops (and reports) any partial readout.
   */
  flush(): Result<Uint8Array>[] {
    const out: Result<Uint8Array>[] = [];
    if (this.#state === AFTER_BANG) this.#emit(out);
    else if (this.#state === DATA || this.#state === AFTER_ETX) {
      this.#drop(out, `stream ended inside a readout after ${this.#length} bytes`);
    } else if (this.#state === IDENTIFICATION) {
      this.stats.skippedBytes += this.#length;
      this.#length = 0;
      this.#state = SEEKING;
    }
    return out;
  }

  /** One data byte: stored, and the group, block and end markers followed. */
  #data(byte: number, out: Result<Uint8Array>[]): void {
    const buf = this.#buf;
    buf[this.#length++] = byte;
    if (this.#slash >= 0 && this.#length - this.#slash === 4) {
      const s = this.#slash;
      this.#slash = -1;
      if (isLetter(buf[s + 1]) && isLetter(buf[s + 2]) && isLetter(buf[s + 3])) {
        this.#drop(out, `readout interrupted by a new identification after ${s} bytes`);
        buf.copyWithin(0, s, s + 4);
        this.#length = 4;
        this.#state = IDENTIFICATION;
        this.#inGroup = false;
        this.#block = false;
        return;
      }
    }
    switch (byte) {
      case OPEN:
        this.#inGroup = true;
        break;
      case CLOSE:
      case CR:
      case LF:
        this.#inGroup = false;
        this.#slash = -1;
        break;
      case SLASH:
        if (this.#slash < 0) this.#slash = this.#length - 1;
        break;
      case STX:
        this.#block = true;
        break;
      case ETX:
        if (this.#block) this.#state = AFTER_ETX;
        break;
      case BANG:
        if (!this.#inGroup) {
          this.#state = AFTER_BANG;
          this.#sawCr = false;
          this.#sawLf = false;
        }
    }
  }

  /** Starts a readout with its `/`. */
  #begin(): void {
    this.#buf[0] = SLASH;
    this.#length = 1;
    this.#state = IDENTIFICATION;
    this.#inGroup = false;
    this.#block = false;
    this.#slash = -1;
  }

  /** Delivers the readout as a copy; the framer looks for the next one. */
  #emit(out: Result<Uint8Array>[]): void {
    out.push(ok(this.#buf.slice(0, this.#length)));
    this.stats.readouts++;
    this.#length = 0;
    this.#state = SEEKING;
  }

  /** Drops the readout (its identification line was complete) as a framing rejection. */
  #drop(out: Result<Uint8Array>[], message: string): void {
    this.stats.rejected++;
    out.push(reject("framing", message));
    this.#length = 0;
    this.#state = SEEKING;
  }
}
