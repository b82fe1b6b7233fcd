/**
 * The push side of IEC 62056-21 (mode D: EasyMeter Q3D, Hager eHZ) as a
 * stream decoder for `StreamMeter`: the framer splits the byte stream into
 * readouts, each is checked and parsed, and its data sets become values and
 * the meter's identity.
 */
import { ok, type Result } from "../../result.ts";
import type { Decoded, StreamDecoder } from "../stream_meter.ts";
import { ReadoutFramer, type ReadoutFramerStats } from "./framer.ts";
import { type BccMode, decodeReadout } from "./readout.ts";
import { readoutDecoded } from "./values.ts";

/** Options of a {@link D0StreamDecoder}. */
export interface D0StreamDecoderOptions {
  /** Largest readout kept, in bytes (8 KiB by default). */
  maxBytes?: number;
  /** BCC of readouts that come as data blocks; `optional` by default (mode D has none). */
  bcc?: BccMode;
}

/** Decodes a pushed D0 byte stream, chunk by chunk, into values and identity. */
export class D0StreamDecoder implements StreamDecoder {
  readonly #framer: ReadoutFramer;
  readonly #bcc: BccMode;

  /** Creates a decoder; throws a RangeError for an invalid `maxBytes`. */
  constructor(options: D0StreamDecoderOptions = {}) {
    this.#framer = new ReadoutFramer({ maxBytes: options.maxBytes });
    this.#bcc = options.bcc ?? "optional";
  }

  /** Framer counters: readouts, dropped partial readouts, skipped bytes. */
  get stats(): ReadoutFramerStats {
    return this.#framer.stats;
  }

  /** Feeds one chunk; returns a result per readout it completed or dropped, in stream order. */
  push(chunk: Uint8Array): Result<Decoded>[] {
    return this.#framer.push(chunk).map((framed) => this.#decode(framed));
  }

  /** Ends the stream: a readout still missing its line end, or a rejection for a cut one. */
  flush(): Result<Decoded>[] {
    return this.#framer.flush().map((framed) => this.#decode(framed));
  }

  #decode(framed: Result<Uint8Array>): Result<Decoded> {
    if (!framed.ok) return framed;
    const readout = decodeReadout(framed.value, { bcc: this.#bcc });
    return readout.ok ? ok(readoutDecoded(readout.value)) : readout;
  }
}
