/**
 * The pipeline: one meter, many sinks, data flowing one way. The meter's
 * events (its identity, its counters, its readings) go to every sink on the
 * sink's own bounded channel, so a slow sink only loses its own oldest
 * readings and a failing sink is detached without stalling the meter or the
 * other sinks. Counter values go through the counter guard first
 * (counter_guard.ts): what it holds back reaches no sink and counts in the
 * `implausible` rejections of the counters the sinks are sent.
 */
import { CounterGuard, describeHeld, describeRestarts } from "./counter_guard.ts";
import type { Logger } from "./log.ts";
import { type LimitedLine, LogLimiter } from "./log_limiter.ts";
import { emptyStats, type Meter, type MeterEvent, type MeterStats } from "./meters/meter.ts";
import type { Reading } from "./reading.ts";

/**
 * A sink consumes the meter's events (see `MeterEvent`) until the iterable
 * ends, then shuts down cleanly. Everything it knows of the meter comes
 * from these events.
 */
export interface Sink {
  readonly name: string;
  /** The sink's link to a server (an MQTT broker), for sinks that have one. */
  readonly connection?: SinkConnection;
  consume(events: AsyncIterable<MeterEvent>): Promise<void>;
}

/** Where a sink publishes and whether it can now: a broker URL without credentials. */
export interface SinkConnection {
  /** The server, e.g. `mqtt://192.168.1.10:1883` (no user information). */
  readonly target: string;
  /** Whether the sink is connected now. */
  readonly connected: boolean;
}

/** Options of {@link Channel}. */
export interface ChannelOptions<T> {
  /**
   * Names the state an item carries (the meter's counters), or undefined
   * for an item of the stream (a reading). A newer item of the same state
   * takes the place of one still queued, so state never piles up, is never
   * dropped and does not count toward the capacity.
   */
  stateOf?: (item: T) => string | undefined;
}

/**
 * An async queue of bounded size: pushing never blocks, and when the
 * consumer lags the oldest items of the stream are dropped and counted.
 */
export class Channel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #stateOf?: (item: T) => string | undefined;
  /** Queued items of the stream (not state). */
  #streamed = 0;
  #wake?: () => void;
  #closed = false;
  /** Items dropped because the consumer lagged. */
  dropped = 0;

  constructor(readonly capacity: number, options: ChannelOptions<T> = {}) {
    this.#stateOf = options.stateOf;
  }

  /**
   * Adds an item, replacing the queued item of the same state; drops the
   * oldest item of the stream when full; ignored after close.
   */
  push(item: T): void {
    if (this.#closed) return;
    const state = this.#stateOf?.(item);
    const queued = state === undefined
      ? -1
      : this.#items.findIndex((other) => this.#stateOf!(other) === state);
    if (queued >= 0) {
      // The newer state goes after what was queued under the older one.
      this.#items.splice(queued, 1);
      this.#items.push(item);
    } else {
      this.#items.push(item);
      if (state === undefined) this.#streamed++;
    }
    if (this.#streamed > this.capacity) {
      const oldest = this.#items.findIndex((other) => this.#stateOf?.(other) === undefined);
      this.#items.splice(oldest, 1);
      this.#streamed--;
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
        const item = this.#items.shift()!;
        if (this.#stateOf?.(item) === undefined) this.#streamed--;
        yield item;
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
  /** Told the meter's counters each time the sinks are, for status lines. */
  onStats?: (stats: MeterStats) => void;
  /** Monotonic clock in milliseconds for the counter guard; `performance.now` unless told. */
  now?: () => number;
}

/**
 * Passes a reading's values through the counter guard: held values are left
 * out (`held` is true then: the reading counts once as `implausible`); lines
 * are logged through the limiter, one per reading and verdict (rises and
 * restarts at warn, decreases at debug).
 */
function guardReading(
  reading: Reading,
  context: {
    guard: CounterGuard;
    limiter: LogLimiter;
    log: Logger;
    now: number;
  },
): { reading: Reading; held: boolean } {
  const { guard, limiter, log, now } = context;
  const screened = guard.screen(reading.values, now);
  const lines: LimitedLine[] = limiter.due(now);
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
  if (screened.held.length === 0) return { reading, held: false };
  return { reading: { ...reading, values: screened.values }, held: true };
}

/** The meter's counters with the readings the counter guard held back added. */
function withImplausible(stats: MeterStats, held: number): MeterStats {
  if (held === 0) return stats;
  const rejected = { ...stats.rejected, implausible: stats.rejected.implausible + held };
  return { ...stats, rejected };
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
 * Runs the meter's events into every sink until `signal` aborts, then lets
 * every sink finish. Rejects only when every sink has failed, so the
 * service restarts.
 */
export async function runPipeline(options: PipelineOptions): Promise<void> {
  const { meter, sinks, signal, log } = options;
  const channels = sinks.map(() =>
    new Channel<MeterEvent>(options.capacity ?? 16, {
      stateOf: (event) => event.kind === "reading" ? undefined : event.kind,
    })
  );
  const failed = new Set<number>();
  const lagWarned = new Set<number>();
  const guard = new CounterGuard();
  const limiter = new LogLimiter();
  const now = options.now ?? (() => performance.now());
  /** The meter's newest counters, and the readings the guard held back since the start. */
  let stats = emptyStats();
  let held = 0;
  const summary = options.summaryInterval
    ? setInterval(
      () => log.info(summaryLine(withImplausible(stats, held))),
      options.summaryInterval * 1000,
    )
    : undefined;
  const done = sinks.map((sink, i) =>
    sink.consume(channels[i]).catch((error) => {
      failed.add(i);
      channels[i].close();
      log.error(`sink ${sink.name} failed and was detached: ${(error as Error).message}`);
    })
  );
  const send = (event: MeterEvent) => {
    if (event.kind === "stats") options.onStats?.(event.stats);
    channels.forEach((channel, i) => {
      channel.push(event);
      if (channel.dropped > 0 && !lagWarned.has(i)) {
        lagWarned.add(i);
        log.warn(`sink ${sinks[i].name} is lagging; its oldest readings are dropped`);
      }
    });
  };
  try {
    for await (const event of meter.events(signal)) {
      if (event.kind === "identity") {
        send(event);
      } else if (event.kind === "stats") {
        stats = event.stats;
        send({ kind: "stats", stats: withImplausible(stats, held) });
      } else {
        const guarded = guardReading(event.reading, { guard, limiter, log, now: now() });
        if (guarded.held) {
          held++;
          send({ kind: "stats", stats: withImplausible(stats, held) });
        }
        send({ kind: "reading", reading: guarded.reading });
      }
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
