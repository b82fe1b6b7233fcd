/** Assertions for tests, on Node's built-in `assert` (jsr:@std/assert is unreachable here). */
import assert from "node:assert/strict";

/** Deep, strict equality. */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message as string);
}

/** A truthy condition. */
export function assertOk(condition: unknown, message?: string): asserts condition {
  assert.ok(condition, message as string);
}

/** A string matching a pattern. */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  assert.match(actual, pattern, message as string);
}

/** A function that throws. */
export function assertThrows(fn: () => unknown, message?: string): void {
  assert.throws(fn, message as string);
}

/** A promise that rejects. */
export async function assertRejects(fn: () => Promise<unknown>, message?: string): Promise<void> {
  await assert.rejects(fn, message as string);
}

/** The value of an ok Result; throws naming the rejection otherwise. */
export function unwrap<T>(
  result: { ok: true; value: T } | { ok: false; error: { reason: string; message: string } },
): T {
  if (!result.ok) throw new Error(`rejected (${result.error.reason}): ${result.error.message}`);
  return result.value;
}
