/**
 * Results of the protocol cores: a value, or a rejection a person can act on.
 * Cores return these instead of throwing, so bad input never escapes as an
 * exception and every rejection is counted by its reason.
 */

/**
 * Why input was rejected; the counters of the status node use these. The
 * protocol cores never give `implausible`: the counter guard does, for a
 * decoded reading with a counter value it held back (counter_guard.ts).
 */
export type RejectReason =
  | "framing"
  | "crc"
  | "tag"
  | "decryption"
  | "decode"
  | "timeout"
  | "implausible";

/** A rejected input: the reason and a message naming what to check. */
export interface Rejection {
  reason: RejectReason;
  message: string;
}

/** A value or a rejection. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: Rejection };

/** Wraps a value. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Wraps a rejection. */
export function reject<T = never>(reason: RejectReason, message: string): Result<T> {
  return { ok: false, error: { reason, message } };
}
