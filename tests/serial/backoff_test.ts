import { assertEquals } from "../assert.ts";
import { Backoff } from "../../src/serial/backoff.ts";

Deno.test("backoff doubles from 0.5 s up to 30 s by default", () => {
  const backoff = new Backoff();
  const delays = Array.from({ length: 9 }, () => backoff.next());
  assertEquals(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

Deno.test("backoff starts over after reset and honours its options", () => {
  const backoff = new Backoff({ initialMs: 10, maxMs: 50, factor: 3 });
  assertEquals([backoff.next(), backoff.next(), backoff.next()], [10, 30, 50]);
  backoff.reset();
  assertEquals(backoff.next(), 10);
});
