/** An assertion for the KMP encoders, which throw a RangeError for a caller's bad argument. */
import { assertOk } from "../../assert.ts";

/** Asserts that `fn` throws a RangeError. */
export function assertRangeError(fn: () => unknown, message?: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  assertOk(thrown instanceof RangeError, message ?? `expected a RangeError, got ${thrown}`);
}
