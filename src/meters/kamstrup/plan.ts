/**
 * Poll planning for KMP meters, without I/O: which GetRegister requests a
 * poll makes, and which registers a meter has shown it lacks. A battery
 * meter is read in as few requests as possible, and a register it does not
 * know is not asked for again.
 */
import { MAX_REGISTERS_PER_REQUEST } from "./register_codec.ts";

/**
 * Splits register ids into GetRegister requests of at most `perRequest` ids
 * (8, the protocol's limit), in the given order with repeats removed:
 * 10 ids make two requests, 8 and 2.
 */
export function planRequests(
  ids: readonly number[],
  perRequest: number = MAX_REGISTERS_PER_REQUEST,
): number[][] {
  const size = Math.max(1, Math.min(perRequest, MAX_REGISTERS_PER_REQUEST));
  const unique = [...new Set(ids)];
  const requests: number[][] = [];
  for (let i = 0; i < unique.length; i += size) requests.push(unique.slice(i, i + size));
  return requests;
}

/** The ids of `requested` that a valid reply left out, in request order. */
export function unanswered(
  requested: readonly number[],
  answered: readonly { id: number }[],
): number[] {
  const seen = new Set(answered.map((register) => register.id));
  return requested.filter((id) => !seen.has(id));
}

/** What {@link dropUnanswered} decided. */
export interface Dropping {
  /** The registers to read from now on. */
  keep: number[];
  /** The registers no longer read. */
  dropped: number[];
  /**
   * True when the meter answered none of the registers still wanted: they
   * are all kept (dropping them would leave nothing to read), and the
   * configuration needs a look.
   */
  none: boolean;
}

/**
 * Drops the registers a valid reply left out from the wanted list. When
 * that would leave nothing, nothing is dropped and `none` says so.
 */
export function dropUnanswered(
  wanted: readonly number[],
  missing: readonly number[],
): Dropping {
  const gone = new Set(missing);
  const keep = wanted.filter((id) => !gone.has(id));
  if (keep.length === 0 && wanted.length > 0) return { keep: [...wanted], dropped: [], none: true };
  return { keep, dropped: wanted.filter((id) => gone.has(id)), none: false };
}
