/**
 * Counting what a meter receives, and logging rejections without a flood: a
 * wrong key on a meter that sends every 10 s must say so clearly once, a
 * noisy line that rejects thousands of frames must not fill the journal, and
 * the log says when frames decode again. The first rejection of a reason is
 * logged in full, later ones are summed up at most once a minute while they
 * last (see log_limiter.ts). Reasons told to be quiet, such as the framing
 * rejections of a stream reader that simply resynchronises on the next
 * frame, are logged at debug level only and counted as always.
 */
import { type LimitedLine, LogLimiter } from "../log_limiter.ts";
import type { Logger } from "../log.ts";
import type { Rejection, RejectReason } from "../result.ts";
import type { MeterStats } from "./meter.ts";

/** Options of {@link Tally}. */
export interface TallyOptions {
  /** Reasons logged at debug level only (still counted). */
  quiet?: readonly RejectReason[];
  /** Monotonic clock in milliseconds; `performance.now` unless told. */
  now?: () => number;
  /** Least milliseconds between two log lines of one reason; one minute unless told. */
  windowMs?: number;
}

/** Counts outcomes into {@link MeterStats} and logs rejections, limited. */
export class Tally {
  readonly stats: MeterStats;
  #log: Logger;
  #limiter: LogLimiter;
  #quiet: ReadonlySet<RejectReason>;
  #now: () => number;
  /** Rejections since the last decoded frame. */
  #streak = 0;
  /** Whether a rejection of the streak was logged in full above debug level. */
  #reported = false;

  constructor(stats: MeterStats, log: Logger, options: TallyOptions = {}) {
    this.stats = stats;
    this.#log = log;
    this.#limiter = new LogLimiter({ windowMs: options.windowMs });
    this.#quiet = new Set(options.quiet ?? []);
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * A decoded frame or reply; `time` (ISO 8601) when it made a reading, which
   * a reply that only tells the serial number does not.
   */
  decoded(time?: string): void {
    this.stats.received++;
    this.stats.decoded++;
    if (time !== undefined) this.stats.lastReading = time;
    this.#write(this.#limiter.due(this.#now()));
    if (this.#reported) this.#log.info(`decoding again after ${this.#streak} rejected`);
    this.#streak = 0;
    this.#reported = false;
  }

  /** A rejected frame or reply; a timeout is counted but was never received. */
  rejected(error: Rejection): void {
    if (error.reason !== "timeout") this.stats.received++;
    this.stats.rejected[error.reason]++;
    this.#streak++;
    const quiet = this.#quiet.has(error.reason);
    const lines = this.#limiter.note({
      kind: `${error.reason} rejections`,
      message: error.message,
      level: quiet ? "debug" : "error",
      summaryLevel: quiet ? "debug" : "warn",
    }, this.#now());
    if (!quiet && lines.some((line) => line.count === undefined)) this.#reported = true;
    this.#write(lines);
  }

  #write(lines: readonly LimitedLine[]): void {
    for (const line of lines) this.#log[line.level](line.message);
  }
}
