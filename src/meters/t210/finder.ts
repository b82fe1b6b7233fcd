/**
 * A streaming finder of general-glo-ciphering frames in serial reads that
 * arrive in arbitrary chunks, may start mid-frame and may carry noise.
 *
 * It is a pull state machine. The caller pushes bytes, takes candidates one
 * by one with `next()` and settles each: `accept` once it decrypted (and its
 * telegram's CRC held), `reject` otherwise. A rejected candidate's bytes stay:
 * the search goes on from its start + 1, never from its end, so a real frame
 * swallowed by a cut-off one is still found.
 *
 * ```ts
 * finder.push(chunk);
 * for (let frame = finder.next(); frame; frame = finder.next()) {
 *   const plain = decrypter.decrypt(frame);
 *   const telegram = plain.ok ? parseTelegram(plain.value) : plain; // CRC checked
 *   if (telegram.ok) finder.accept(frame);
 *   else finder.reject(frame);
 * }
 * ```
 * `T210Reader` (reader.ts) is this loop.
 *
 * A partial frame never blocks the next one: while the earliest header still
 * waits for bytes, a later header whose frame is already complete is offered
 * first (a bogus length in noise would otherwise hold back real frames). The
 * length is capped and the buffer is bounded.
 */
import { DEFAULT_MAX_BODY_LENGTH, type GloFrame, judgeHeader, splitFrame } from "./frame.ts";

/** A candidate frame and where it starts in the stream. */
export interface FoundFrame extends GloFrame {
  /** Stream offset of the frame's first byte (bytes pushed before it). */
  offset: number;
}

/** Options of {@link FrameFinder}. */
export interface FrameFinderOptions {
  /** Largest length field L accepted; {@link DEFAULT_MAX_BODY_LENGTH} by default. */
  maxBodyLength?: number;
  /**
   * Most bytes kept; the oldest are dropped beyond it. Four largest frames by
   * default, at least two.
   */
  maxBuffered?: number;
}

interface Header {
  offset: number;
  headerLength: number;
  frameLength: number;
}

/** Longest header: tag, title length, 8-byte title, length form with 4 bytes. */
const MAX_HEADER_LENGTH = 15;

/** Finds candidate `0xDB` frames in a chunked byte stream; see the module doc. */
export class FrameFinder {
  /** The largest frame accepted: the longest header and the largest L. */
  readonly maxFrameLength: number;
  readonly #maxBodyLength: number;
  readonly #maxBuffered: number;
  #buf = new Uint8Array(0);
  /** Stream offset of `#buf[0]`. */
  #base = 0;
  /** Stream offset of the first byte still kept. */
  #start = 0;
  /** Stream offset one past the last byte pushed. */
  #end = 0;
  /** Stream offset of the first position not yet judged. */
  #scan = 0;
  /** Plausible headers not yet settled, in stream order. */
  #headers: Header[] = [];
  #pending: FoundFrame | undefined;
  #discarded = 0;

  /** Creates an empty finder. */
  constructor(options: FrameFinderOptions = {}) {
    this.#maxBodyLength = options.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
    this.maxFrameLength = MAX_HEADER_LENGTH + this.#maxBodyLength;
    this.#maxBuffered = Math.max(
      options.maxBuffered ?? 4 * this.maxFrameLength,
      2 * this.maxFrameLength,
    );
  }

  /** Bytes dropped so far without being part of an accepted frame (noise, rejected frames). */
  get discarded(): number {
    return this.#discarded;
  }

  /** Bytes currently kept. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * Appends bytes read from the stream and looks for headers in them. Take
   * the candidates before pushing more: nothing is lost as long as each push
   * is at most {@link maxFrameLength} bytes.
   */
  push(chunk: Uint8Array): void {
    if (chunk.length > this.#maxBuffered) {
      const skipped = chunk.length - this.#maxBuffered;
      this.#discard(this.#end);
      this.#discarded += skipped;
      this.#end += skipped;
      this.#start = this.#scan = this.#base = this.#end;
      chunk = chunk.subarray(skipped);
    }
    this.#append(chunk);
    this.#findHeaders();
    if (this.#end - this.#start > this.#maxBuffered) {
      this.#discard(this.#end - this.#maxBuffered);
    }
    this.#trim();
  }

  /**
   * The next candidate, or undefined until more bytes arrive. The same
   * candidate comes back until it is accepted or rejected.
   */
  next(): FoundFrame | undefined {
    if (this.#pending) return this.#pending;
    const header = this.#headers.find((h) => h.offset + h.frameLength <= this.#end);
    if (!header) return undefined;
    const from = header.offset - this.#base;
    const bytes = this.#buf.slice(from, from + header.frameLength);
    this.#pending = { ...splitFrame(bytes, header.headerLength), offset: header.offset };
    return this.#pending;
  }

  /** Settles a candidate as a real frame: the search goes on after its end. */
  accept(frame: FoundFrame): void {
    if (frame !== this.#pending) return;
    this.#pending = undefined;
    const end = frame.offset + frame.bytes.length;
    this.#discarded += Math.max(0, frame.offset - this.#start);
    this.#start = Math.max(this.#start, end);
    this.#headers = this.#headers.filter((h) => h.offset >= end);
    this.#scan = Math.max(this.#scan, end);
    this.#findHeaders();
    this.#trim();
  }

  /** Settles a candidate as bogus (tag, decryption or CRC failed): the search goes on from its start + 1. */
  reject(frame: FoundFrame): void {
    if (frame !== this.#pending) return;
    this.#pending = undefined;
    this.#headers = this.#headers.filter((h) => h.offset !== frame.offset);
    this.#trim();
  }

  #append(chunk: Uint8Array): void {
    const used = this.#end - this.#base;
    if (used + chunk.length > this.#buf.length) {
      const from = this.#start - this.#base;
      const need = used - from + chunk.length;
      if (need <= this.#buf.length / 2) {
        this.#buf.copyWithin(0, from, used);
      } else {
        const grown = new Uint8Array(Math.max(need * 2, 1024));
        grown.set(this.#buf.subarray(from, used));
        this.#buf = grown;
      }
      this.#base = this.#start;
    }
    this.#buf.set(chunk, this.#end - this.#base);
    this.#end += chunk.length;
  }

  #findHeaders(): void {
    const base = this.#base;
    const end = this.#end - base;
    const buf = this.#buf.subarray(0, end);
    let at = this.#scan - base;
    while (at < end) {
      at = buf.indexOf(0xdb, at);
      if (at < 0) {
        at = end;
        break;
      }
      const verdict = judgeHeader(buf, at, end, this.#maxBodyLength);
      if (verdict.kind === "more") break;
      if (verdict.kind === "header") {
        this.#headers.push({
          offset: at + base,
          headerLength: verdict.headerLength,
          frameLength: verdict.frameLength,
        });
      }
      at++;
    }
    this.#scan = at + base;
  }

  /** Drops everything before stream offset `to`, headers starting there included. */
  #discard(to: number): void {
    if (to <= this.#start) return;
    this.#discarded += Math.min(to, this.#end) - this.#start;
    this.#start = to;
    this.#headers = this.#headers.filter((h) => h.offset >= to);
    if (this.#pending && this.#pending.offset < to) this.#pending = undefined;
    this.#scan = Math.max(this.#scan, to);
  }

  /** Drops the bytes before the first unsettled header or unjudged position. */
  #trim(): void {
    const keep = this.#headers.length > 0
      ? Math.min(this.#headers[0].offset, this.#scan)
      : this.#scan;
    if (keep > this.#start) {
      this.#discarded += keep - this.#start;
      this.#start = keep;
    }
  }
}
