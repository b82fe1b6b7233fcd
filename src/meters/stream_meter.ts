/**
 * A meter that listens: bytes from a serial port go through a decoder, each
 * decoded frame becomes a reading. Used by every meter that pushes (DSMR,
 * T210, DLMS, SML, D0 in push mode).
 * The identity a frame tells and the counters go out as events on the same
 * stream: the counters once per chunk that changed them, and before the
 * reading of the frame they count.
 */
import type { Logger } from "../log.ts";
import type { MeterInfo, Value } from "../reading.ts";
import type { Result } from "../result.ts";
import type { SerialPort } from "../serial/port.ts";
import { isoLocal } from "../time.ts";
import type { MeterContext, SerialMeterConfig } from "./driver.ts";
import { meterPort } from "./meter_port.ts";
import {
  emptyStats,
  type Meter,
  type MeterEvent,
  type MeterLink,
  type MeterStats,
  sameInfo,
  snapshotStats,
} from "./meter.ts";
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

/** What a listening meter needs of a serial port (a {@link SerialPort}, or a fake in tests). */
export type StreamPort = Pick<SerialPort, "chunks" | "close" | "path" | "connected" | "lastError">;

/** Options of {@link StreamMeter}. */
export interface StreamMeterOptions {
  id: string;
  /** Manufacturer and model; what frames tell (the serial number) is added. */
  info: MeterInfo;
  /** Seconds between frames the meter is expected to send. */
  interval: number;
  port: StreamPort;
  decoder: StreamDecoder;
  log: Logger;
  /** Clock; `Date.now` by default. */
  now?: () => number;
}

/** A meter reading frames from a serial stream. */
export class StreamMeter implements Meter {
  readonly id: string;
  readonly interval: number;
  #options: StreamMeterOptions;
  #stats: MeterStats = emptyStats();
  #tally: Tally;

  constructor(options: StreamMeterOptions) {
    this.id = options.id;
    this.interval = options.interval;
    this.#options = options;
    // A frame cut by noise is dropped and the framer resynchronises: counted, not an error.
    this.#tally = new Tally(this.#stats, options.log, { quiet: ["framing"] });
  }

  /** The serial port the frames come from. */
  get link(): MeterLink {
    return this.#options.port;
  }

  async *events(signal: AbortSignal): AsyncIterable<MeterEvent> {
    const { port, decoder, now = Date.now } = this.#options;
    let info: MeterInfo = { ...this.#options.info };
    yield { kind: "identity", info: { ...info } };
    try {
      for await (const chunk of port.chunks(signal)) {
        let counted = false;
        for (const result of await decoder.push(chunk)) {
          counted = true;
          if (!result.ok) {
            this.#tally.rejected(result.error);
            continue;
          }
          const time = isoLocal(new Date(now()));
          this.#tally.decoded(time);
          const told = { ...info, ...result.value.info };
          if (!sameInfo(told, info)) {
            info = told;
            yield { kind: "identity", info: { ...info } };
          }
          yield { kind: "stats", stats: snapshotStats(this.#stats) };
          counted = false;
          yield { kind: "reading", reading: { meter: this.id, time, values: result.value.values } };
        }
        if (counted) yield { kind: "stats", stats: snapshotStats(this.#stats) };
      }
    } finally {
      await port.close();
    }
  }
}

/** A meter listening on the serial line of its configuration, decoding with `decoder`. */
export function listeningMeter(
  meter: SerialMeterConfig & { interval: number },
  { id, log }: MeterContext,
  info: MeterInfo,
  decoder: StreamDecoder,
): StreamMeter {
  return new StreamMeter({
    id,
    info,
    interval: meter.interval,
    port: meterPort(meter, log),
    decoder,
    log,
  });
}
