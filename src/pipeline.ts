/**
 * The pipeline: one meter, many sinks. Each sink consumes its own bounded
 * channel, so a slow sink only loses its own oldest readings and a failing
 * sink is detached without stalling the meter or the other sinks. Counter
 * values go through the counter guard first (counter_guard.ts): what it
 * holds back reaches no sink and counts in the meter's `implausible`
 * rejections.
 */
import { CounterGuard, describeHeld, describeRestarts } from "./counter_guard.ts";
import type { Logger } from "./log.ts";
import { type LimitedLine, LogLimiter } from "./log_limiter.ts";
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
  /** Monotonic clock in milliseconds for the counter guard; `performance.now` unless told. */
  now?: () => number;
}

/**
 * Passes a reading's values through the counter guard: held values are left
 * out and the reading counts once as `implausible`; lines are logged through
 * the limiter, one per reading and verdict (rises and restarts at warn,
 * decreases at debug).
 */
function guardReading(
  reading: Reading,
  context: {
    guard: CounterGuard;
    limiter: LogLimiter;
    stats: MeterStats;
    log: Logger;
    now: number;
  },
): Reading {
  const { guard, limiter, stats, log, now } = context;
  const screened = guard.screen(reading.values, now);
  const lines: LimitedLine[] = limiter.due(now);
  if (screened.held.length > 0) stats.rejected.implausible++;
  for (const rise of [true, false]) {
    const held = screened.held.filter((h) => (h.verdict.kind === "rise") === rise);
    if (held.length === 0) continue;
    lines.push(...limiter.note({
      kind: `readings with ${rise ? "a counter rising too fast" : "a lower counter"}`,
      message: held.map((h) => describeHeld(h)).join("; "),
      level: rise ? "warn" : "debug",
      summaryLevel: rise ? "warn" : "debug",
    }, now));
  }
  if (screened.restarted.length > 0) {
    lines.push(...limiter.note({
      kind: "counter restarts",
      message: describeRestarts(screened.restarted),
      level: "warn",
    }, now));
  }
  for (const line of lines) log[line.level](line.message);
  if (screened.held.length === 0) return reading;
  return { ...reading, values: screened.values };
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
  const guard = new CounterGuard();
  const limiter = new LogLimiter();
  const now = options.now ?? (() => performance.now());
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
    for await (const read of meter.readings(signal)) {
      const reading = guardReading(read, { guard, limiter, stats: meter.stats, log, now: now() });
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
