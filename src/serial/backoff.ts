/** Exponential backoff delays for reconnecting: doubling from a first delay up to a cap. */

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay in milliseconds; 500 by default. */
  initialMs?: number;
  /** Largest delay in milliseconds; 30 000 by default. */
  maxMs?: number;
  /** Growth per attempt; 2 by default. */
  factor?: number;
}

/** Delays of successive attempts: `initialMs`, then times `factor`, capped at `maxMs`. */
export class Backoff {
  /** First delay in milliseconds. */
  readonly initialMs: number;
  /** Largest delay in milliseconds. */
  readonly maxMs: number;
  readonly #factor: number;
  #next: number;

  /** Creates a backoff at its first delay. */
  constructor(options: BackoffOptions = {}) {
    this.initialMs = Math.max(0, options.initialMs ?? 500);
    this.maxMs = Math.max(this.initialMs, options.maxMs ?? 30_000);
    this.#factor = Math.max(1, options.factor ?? 2);
    this.#next = this.initialMs;
  }

  /** The delay before the next attempt; each call grows the following one. */
  next(): number {
    const delay = this.#next;
    this.#next = Math.min(this.maxMs, delay * this.#factor);
    return delay;
  }

  /** Starts over at the first delay (after a success). */
  reset(): void {
    this.#next = this.initialMs;
  }
}
