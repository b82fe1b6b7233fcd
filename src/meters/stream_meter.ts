/**
 * A meter that listens: bytes from a serial port go through a decoder, each
 * decoded frame becomes a reading. Used by the P1 meters (plain DSMR, T210).
 */
import type { Logger } from "../log.ts";
import type { MeterInfo, Reading, Value } from "../reading.ts";
import type { Result } from "../result.ts";
import type { SerialPort } from "../serial/port.ts";
import { isoLocal } from "../time.ts";
import { emptyStats, type Meter, type MeterLink } from "./meter.ts";
import { Tally } from "./tally.ts";

/** What a decoder makes of one frame: values, and the meter's identity if it tells. */
export interface Decoded {
  values: Value[];
  info?: Partial<MeterInfo>;
}

/** Turns a byte stream into decoded frames or rejections, in stream order. */
export interface StreamDecoder {
  push(chunk: Uint8Array): Result<Decoded>[] | Promise<Result<Decoded>[]>;
}

/** Options of {@link StreamMeter}. */
export interface StreamMeterOptions {
  id: string;
  info: MeterInfo;
  /** Seconds between frames the meter is expected to send. */
  interval: number;
  port: SerialPort;
  decoder: StreamDecoder;
  log: Logger;
  /** Clock; `Date.now` by default. */
  now?: () => number;
}

/** A meter reading frames from a serial stream. */
export class StreamMeter implements Meter {
  readonly id: string;
  readonly info: MeterInfo;
  readonly interval: number;
  readonly stats = emptyStats();
  #options: StreamMeterOptions;
  #tally: Tally;

  constructor(options: StreamMeterOptions) {
    this.id = options.id;
    this.info = options.info;
    this.interval = options.interval;
    this.#options = options;
    // A frame cut by noise is dropped and the framer resynchronises: counted, not an error.
    this.#tally = new Tally(this.stats, options.log, { quiet: ["framing"] });
  }

  /** The serial port the frames come from. */
  get link(): MeterLink {
    return this.#options.port;
  }

  async *readings(signal: AbortSignal): AsyncIterable<Reading> {
    const { port, decoder, now = Date.now } = this.#options;
    try {
      for await (const chunk of port.chunks(signal)) {
        for (const result of await decoder.push(chunk)) {
          if (!result.ok) {
            this.#tally.rejected(result.error);
            continue;
          }
          const time = isoLocal(new Date(now()));
          this.#tally.decoded(time);
          Object.assign(this.info, result.value.info);
          yield { meter: this.id, time, values: result.value.values };
        }
      }
    } finally {
      await port.close();
    }
  }
}
