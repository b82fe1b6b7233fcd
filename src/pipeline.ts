/**
 * The pipeline: one meter, many sinks. Each sink consumes its own bounded
 * channel, so a slow sink only loses its own oldest readings and a failing
 * sink is detached without stalling the meter or the other sinks.
 */
import type { Logger } from "./log.ts";
import type { Meter, MeterStats } from "./meters/meter.ts";
import type { Reading } from "./reading.ts";

/** A sink consumes readings until the iterable ends, then shuts down cleanly. */
export interface Sink {
  readonly name: string;
  /** The sink's link to a server (an MQTT broker), for sinks that have one. */
  readonly connection?: SinkConnection;
  consume(readings: AsyncIterable<Reading>): Promise<void>;
}

/** Where a sink publishes and whether it can now: a broker URL without credentials. */
export interface SinkConnection {
  /** The server, e.g. `mqtt://192.168.1.10:1883` (no user information). */
  readonly target: string;
  /** Whether the sink is connected now. */
  readonly connected: boolean;
}

/**
 * An async queue of bounded size: pushing never blocks, and when the
 * consumer lags the oldest items are dropped and counted.
 */
export class Channel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #wake?: () => void;
  #closed = false;
  /** Items dropped because the consumer lagged. */
  dropped = 0;

  constructor(readonly capacity: number) {}

  /** Adds an item; drops the oldest when full; ignored after close. */
  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    if (this.#items.length > this.capacity) {
      this.#items.shift();
      this.dropped++;
    }
    this.#wake?.();
  }

  /** Ends the iteration once the queued items are consumed. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
      } else if (this.#closed) {
        return;
      } else {
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#wake = undefined;
      }
    }
  }
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  meter: Meter;
  sinks: readonly Sink[];
  signal: AbortSignal;
  log: Logger;
  /** Readings a sink may lag behind before its oldest are dropped. */
  capacity?: number;
  /** Seconds between summary log lines of the meter's counters; none when absent. */
  summaryInterval?: number;
}

/** One line on what the meter received: frames, decoded, rejected by reason, last reading. */
export function summaryLine(stats: MeterStats): string {
  const reasons = Object.entries(stats.rejected).filter(([, count]) => count > 0);
  const rejected = reasons.reduce((total, [, count]) => total + count, 0);
  const detail = reasons.length === 0
    ? ""
    : ` (${reasons.map(([reason, count]) => `${reason} ${count}`).join(", ")})`;
  return `summary: ${stats.received} frames received, ${stats.decoded} decoded, ` +
    `${rejected} rejected${detail}, ` +
    (stats.lastReading ? `last reading ${stats.lastReading}` : "no reading yet");
}

/**
 * Runs the meter into every sink until `signal` aborts, then lets every sink
 * finish. Rejects only when every sink has failed, so the service restarts.
 */
export async function runPipeline(options: PipelineOptions): Promise<void> {
  const { meter, sinks, signal, log } = options;
  const channels = sinks.map(() => new Channel<Reading>(options.capacity ?? 16));
  const failed = new Set<number>();
  const lagWarned = new Set<number>();
  const summary = options.summaryInterval
    ? setInterval(() => log.info(summaryLine(meter.stats)), options.summaryInterval * 1000)
    : undefined;
  const done = sinks.map((sink, i) =>
    sink.consume(channels[i]).catch((error) => {
      failed.add(i);
      channels[i].close();
      log.error(`sink ${sink.name} failed and was detached: ${(error as Error).message}`);
    })
  );
  try {
    for await (const reading of meter.readings(signal)) {
      channels.forEach((channel, i) => {
        channel.push(reading);
        if (channel.dropped > 0 && !lagWarned.has(i)) {
          lagWarned.add(i);
          log.warn(`sink ${sinks[i].name} is lagging; its oldest readings are dropped`);
        }
      });
      if (failed.size === sinks.length) break;
    }
  } finally {
    clearInterval(summary);
    channels.forEach((channel) => channel.close());
    await Promise.all(done);
  }
  if (failed.size === sinks.length && sinks.length > 0) {
    throw new Error("every sink failed");
  }
}
