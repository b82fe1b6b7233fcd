/**
 * Counting what a meter receives, and logging rejections once per streak: a
 * wrong key on a meter that sends every 10 s must say so clearly once, not
 * fill the journal, and say when frames decode again.
 */
import type { Logger } from "../log.ts";
import type { Rejection } from "../result.ts";
import type { MeterStats } from "./meter.ts";

/** How many repeats of a rejection streak pass between reminders. */
const REMINDER_EVERY = 100;

/** Counts outcomes into {@link MeterStats} and logs rejection streaks. */
export class Tally {
  #streak = 0;
  #reason?: string;

  constructor(readonly stats: MeterStats, private readonly log: Logger) {}

  /**
   * A decoded frame or reply; `time` (ISO 8601) when it made a reading, which
   * a reply that only tells the serial number does not.
   */
  decoded(time?: string): void {
    this.stats.received++;
    this.stats.decoded++;
    if (time !== undefined) this.stats.lastReading = time;
    if (this.#streak > 0) {
      this.log.info(`decoding again after ${this.#streak} rejected`);
    }
    this.#streak = 0;
    this.#reason = undefined;
  }

  /** A rejected frame or reply; a timeout is counted but was never received. */
  rejected(error: Rejection): void {
    if (error.reason !== "timeout") this.stats.received++;
    this.stats.rejected[error.reason]++;
    if (this.#streak === 0 || error.reason !== this.#reason) {
      this.log.error(error.message);
    } else if (this.#streak % REMINDER_EVERY === 0) {
      this.log.warn(`still failing: ${this.#streak} rejected in a row; last: ${error.message}`);
    } else {
      this.log.debug(error.message);
    }
    this.#streak++;
    this.#reason = error.reason;
  }
}
