/**
 * Streaming framer: turns an arbitrarily chunked P1 byte stream into
 * telegrams `/` … `!CRC` CR LF, each delivered whole as its own bytes.
 *
 * Rules, byte by byte:
 * - outside a telegram everything up to the next `/` is skipped (garbage,
 *   gateway lines, 0xFF padding) and only counted;
 * - inside a telegram a `/` starts a new telegram, and the partial telegram
 *   it interrupts is dropped; inside a value group `(…)` only a `/` followed
 *   by three letters does (a header such as `/ISk5`, cut into a value that
 *   lost its end), so DSMR 2.2 text messages like `(test-/-test)` survive;
 * - the footer is a `!` at the start of a line, followed by up to four hex
 *   digits (none for DSMR 2.2/3 and Q3D, three when a meter drops a leading
 *   zero) and an optional CR LF or bare LF;
 * - a telegram that grows past `maxBytes` without a footer is dropped and the
 *   framer resynchronises on the next `/`.
 *
 * Dropped partial telegrams are framing rejections when their header line was
 * complete; shorter fragments are just skipped bytes. The framer checks no
 * CRC: `decodeTelegram` does.
 *
 * Telegrams are assembled in place in a shared slab (4 × the bound, 32 KiB)
 * and handed out as views of it, so delivering one copies and allocates
 * nothing; a slab is freed once no delivered telegram refers to it.
 */
import { ok, reject, type Result } from "../../result.ts";

/** Options of a {@link TelegramFramer}. */
export interface FramerOptions {
  /** Largest telegram kept, in bytes (8 KiB by default). */
  maxBytes?: number;
}

/** Counters of a {@link TelegramFramer}, for the status node. */
export interface FramerStats {
  /** Complete telegrams delivered. */
  telegrams: number;
  /** Partial telegrams dropped (interrupted, too long, or cut by `flush`). */
  rejected: number;
  /** Bytes skipped outside telegrams, including short dropped fragments. */
  skippedBytes: number;
}

/** Default bound of a telegram in bytes. */
export const DEFAULT_MAX_TELEGRAM_BYTES = 8192;

const SLASH = 0x2f;
const BANG = 0x21;
const OPEN = 0x28;
const CLOSE = 0x29;
const CR = 0x0d;
const LF = 0x0a;

/** Bytes with a meaning inside a telegram: LF, CR, `!`, `(`, `)`, `/`. */
const SPECIAL = new Uint8Array(256);
for (const byte of [LF, CR, BANG, OPEN, CLOSE, SLASH]) SPECIAL[byte] = 1;

/** Framer states: looking for `/`, in the telegram, after `!`, after `!CRC` CR. */
const SEEKING = 0;
const IN_BODY = 1;
const IN_CRC = 2;
const AFTER_CR = 3;

function isLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

function isHex(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) ||
    (byte >= 0x61 && byte <= 0x66);
}

/** Room a telegram may need past the bound: `!`, four hex digits, CR, LF. */
const FOOTER_ROOM = 8;

/** Splits a P1 byte stream into telegrams; see the module comment for the rules. */
export class TelegramFramer {
  /** Counters since construction. */
  readonly stats: FramerStats = { telegrams: 0, rejected: 0, skippedBytes: 0 };
  readonly #max: number;
  readonly #slabSize: number;
  /** The slab the current telegram is assembled in, and where it starts. */
  #slab: Uint8Array;
  #base = 0;
  #length = 0;
  #state = SEEKING;
  #inGroup = false;
  #lineStart = false;
  #headerDone = false;
  #crcDigits = 0;
  #slashInGroup = -1;

  /** Creates a framer; `maxBytes` bounds the memory held for one telegram. */
  constructor(options: FramerOptions = {}) {
    this.#max = Math.max(16, options.maxBytes ?? DEFAULT_MAX_TELEGRAM_BYTES);
    this.#slabSize = 4 * (this.#max + FOOTER_ROOM);
    this.#slab = new Uint8Array(this.#slabSize);
  }

  /**
   * Feeds one chunk; returns the telegrams it completed and a framing
   * rejection for every partial telegram it had to drop, in stream order.
   */
  push(chunk: Uint8Array): Result<Uint8Array>[] {
    const out: Result<Uint8Array>[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const state = this.#state;
      if (state === SEEKING) {
        const start = chunk.indexOf(SLASH, i);
        if (start < 0) {
          this.stats.skippedBytes += n - i;
          return out;
        }
        this.stats.skippedBytes += start - i;
        this.#begin();
        i = start + 1;
        continue;
      }
      if (state === IN_BODY) {
        i = this.#body(chunk, i, out);
        continue;
      }
      const byte = chunk[i];
      const at = this.#base + this.#length;
      if (state === IN_CRC && isHex(byte) && this.#crcDigits < 4) {
        this.#slab[at] = byte;
        this.#length++;
        this.#crcDigits++;
        i++;
      } else if (state === IN_CRC && byte === CR) {
        this.#slab[at] = byte;
        this.#length++;
        this.#state = AFTER_CR;
        i++;
      } else if (byte === LF) {
        this.#slab[at] = byte;
        this.#length++;
        this.#emit(out);
        i++;
      } else {
        this.#emit(out);
      }
    }
    return out;
  }

  /**
   * Ends the stream: delivers a telegram whose footer arrived without its
   * line end, and drops (and reports) any partial telegram.
   */
  flush(): Result<Uint8Array>[] {
    const out: Result<Uint8Array>[] = [];
    if (this.#state === IN_CRC || this.#state === AFTER_CR) this.#emit(out);
    else if (this.#state === IN_BODY) {
      this.#drop(out, `stream ended inside a telegram after ${this.#length} bytes`);
      this.#state = SEEKING;
    }
    return out;
  }

  /** Starts a telegram with its `/`, in a fresh slab when this one is nearly full. */
  #begin(): void {
    if (this.#base + this.#max + FOOTER_ROOM > this.#slabSize) {
      this.#slab = new Uint8Array(this.#slabSize);
      this.#base = 0;
    }
    this.#slab[this.#base] = SLASH;
    this.#length = 1;
    this.#state = IN_BODY;
    this.#inGroup = false;
    this.#lineStart = false;
    this.#headerDone = false;
    this.#slashInGroup = -1;
  }

  /**
   * Copies telegram bytes from `chunk[i…]` until the footer `!`, a new
   * header, the bound or the end of the chunk; returns the next index. The
   * hot loop of the framer, so its state lives in locals and plain bytes take
   * a single table lookup.
   */
  #body(chunk: Uint8Array, i: number, out: Result<Uint8Array>[]): number {
    const slab = this.#slab;
    const base = this.#base;
    const end = base + this.#max;
    const n = chunk.length;
    let at = base + this.#length;
    let inGroup = this.#inGroup;
    let lineStart = this.#lineStart;
    let slash = this.#slashInGroup;
    for (; i < n; i++) {
      const byte = chunk[i];
      if (at >= end) {
        this.#length = at - base;
        this.#drop(out, `telegram longer than ${this.#max} bytes without footer`);
        this.#state = SEEKING;
        return i;
      }
      if (SPECIAL[byte] === 0) {
        slab[at++] = byte;
        lineStart = false;
        if (slash >= 0 && at - slash === 4) {
          const moved = this.#headerInGroup(slash, at, out);
          if (moved !== at) inGroup = false;
          at = moved;
          slash = -1;
        }
        continue;
      }
      if (byte === SLASH && !inGroup) {
        this.#length = at - base;
        this.#drop(out, `telegram interrupted by a new header after ${at - base} bytes`);
        this.#begin();
        return i + 1;
      }
      slab[at++] = byte;
      if (slash >= 0 && at - slash === 4) slash = -1;
      if (byte === LF) {
        inGroup = false;
        lineStart = true;
        this.#headerDone = true;
        continue;
      }
      if (byte === BANG && lineStart) {
        this.#length = at - base;
        this.#state = IN_CRC;
        this.#crcDigits = 0;
        return i + 1;
      }
      if (byte === OPEN) inGroup = true;
      else if (byte === CLOSE) inGroup = false;
      else if (byte === SLASH && slash < 0) slash = at - 1;
      if (byte !== CR) lineStart = false;
    }
    this.#length = at - base;
    this.#inGroup = inGroup;
    this.#lineStart = lineStart;
    this.#slashInGroup = slash;
    return i;
  }

  /**
   * Three bytes after a `/` inside a value group: when they are letters that
   * `/` began a new telegram, so the bytes before it are dropped and the new
   * one moves to the start. Returns the new write position (unchanged if not).
   */
  #headerInGroup(slash: number, at: number, out: Result<Uint8Array>[]): number {
    const slab = this.#slab;
    if (!isLetter(slab[slash + 1]) || !isLetter(slab[slash + 2]) || !isLetter(slab[slash + 3])) {
      return at;
    }
    const base = this.#base;
    this.#length = slash - base;
    this.#drop(out, `telegram interrupted by a new header after ${slash - base} bytes`);
    slab.copyWithin(base, slash, at);
    this.#headerDone = false;
    return at - (slash - base);
  }

  /** Delivers the telegram as a view of the slab; the next one starts after it. */
  #emit(out: Result<Uint8Array>[]): void {
    const start = this.#base;
    const end = start + this.#length;
    out.push(ok(this.#slab.subarray(start, end)));
    this.stats.telegrams++;
    this.#base = end;
    this.#length = 0;
    this.#state = SEEKING;
  }

  #drop(out: Result<Uint8Array>[], message: string): void {
    if (this.#headerDone) {
      this.stats.rejected++;
      out.push(reject("framing", message));
    } else {
      this.stats.skippedBytes += this.#length;
    }
    this.#length = 0;
  }
}
