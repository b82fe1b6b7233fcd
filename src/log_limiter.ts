/**
 * Log lines for repeated events without a flood: the first event of a kind
 * is written in full, later ones within a window are only counted, and a
 * summary of what was counted is written at most once per window while the
 * events last. A noisy serial line that rejects thousands of frames a minute
 * thus writes about one line per kind and minute.
 *
 * Pure: time comes in as milliseconds from the caller (a monotonic clock is
 * best), and lines go out as values for the caller to write.
 */
import type { Level } from "./log.ts";

/** Milliseconds between two lines of one kind unless told otherwise. */
export const LOG_WINDOW_MS = 60_000;

/** One event to log. */
export interface LogEvent {
  /** What events are counted together, as a plural noun: `crc rejections`. */
  kind: string;
  /** The event in full, written when it is the first of its kind in a window. */
  message: string;
  /** Level of the full line; `error` unless told. */
  level?: Level;
  /** Level of the summaries of this kind; `warn` unless told. */
  summaryLevel?: Level;
}

/** A line to write. */
export interface LimitedLine {
  level: Level;
  message: string;
  kind: string;
  /** For a summary: how many events it stands for; absent for an event in full. */
  count?: number;
}

/** Options of {@link LogLimiter}. */
export interface LogLimiterOptions {
  /** Least milliseconds between two lines of one kind; {@link LOG_WINDOW_MS} unless told. */
  windowMs?: number;
}

interface KindState {
  /** When the last line of this kind was written. */
  lineAt: number;
  /** Events counted since then. */
  pending: number;
  /** The message of the newest counted event. */
  last: string;
  summaryLevel: Level;
}

/** Decides which events become log lines; see the module documentation. */
export class LogLimiter {
  readonly #windowMs: number;
  readonly #kinds = new Map<string, KindState>();

  /** Throws a RangeError for a window that is not a positive number. */
  constructor(options: LogLimiterOptions = {}) {
    const windowMs = options.windowMs ?? LOG_WINDOW_MS;
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, not ${windowMs}`);
    this.#windowMs = windowMs;
  }

  /**
   * Notes an event at `now`: returns the summaries that came due, then the
   * event itself when it is the first of its kind in a window (else it is
   * counted for the next summary).
   */
  note(event: LogEvent, now: number): LimitedLine[] {
    const lines = this.due(now);
    const state = this.#kinds.get(event.kind);
    if (state) {
      state.pending++;
      state.last = event.message;
      return lines;
    }
    this.#kinds.set(event.kind, {
      lineAt: now,
      pending: 0,
      last: event.message,
      summaryLevel: event.summaryLevel ?? "warn",
    });
    lines.push({ level: event.level ?? "error", message: event.message, kind: event.kind });
    return lines;
  }

  /**
   * Summaries of the counted events whose window has passed at `now`, one
   * per kind: `1523 more crc rejections in the last 60 s (last: …)`. A kind
   * whose window passed with nothing counted is forgotten, so its next event
   * is written in full again. A clock that went back counts as a passed window.
   */
  due(now: number): LimitedLine[] {
    const lines: LimitedLine[] = [];
    for (const [kind, state] of this.#kinds) {
      const elapsed = now - state.lineAt;
      if (elapsed >= 0 && elapsed < this.#windowMs) continue;
      if (state.pending === 0) {
        this.#kinds.delete(kind);
        continue;
      }
      const seconds = Math.max(0, Math.round(elapsed / 1000));
      lines.push({
        level: state.summaryLevel,
        message: `${state.pending} more ${kind} in the last ${seconds} s (last: ${state.last})`,
        kind,
        count: state.pending,
      });
      state.lineAt = now;
      state.pending = 0;
    }
    return lines;
  }

  /** Events counted but not yet summarised, by kind. */
  get pending(): Map<string, number> {
    return new Map([...this.#kinds].map(([kind, state]) => [kind, state.pending]));
  }
}
