import { assertEquals, assertOk, assertThrows } from "./assert.ts";
import { type LimitedLine, LOG_WINDOW_MS, LogLimiter } from "../src/log_limiter.ts";

const crc = (message = "crc mismatch") => ({ kind: "crc rejections", message });
const framing = (message = "cut") => ({
  kind: "framing rejections",
  message,
  level: "debug" as const,
  summaryLevel: "debug" as const,
});
const text = (lines: LimitedLine[]) => lines.map((l) => `${l.level} ${l.message}`);

Deno.test("log limiter: the first event of a kind in full, the rest counted", () => {
  const limiter = new LogLimiter();
  assertEquals(LOG_WINDOW_MS, 60_000);
  assertEquals(text(limiter.note(crc("first"), 0)), ["error first"]);
  for (let t = 1; t < 1000; t++) assertEquals(limiter.note(crc(`n${t}`), t), []);
  assertEquals(limiter.pending.get("crc rejections"), 999);
  assertEquals(limiter.due(59_999), []);
  assertEquals(text(limiter.due(60_000)), [
    "warn 999 more crc rejections in the last 60 s (last: n999)",
  ]);
  assertEquals(limiter.due(60_001), [], "a summary at most once per window");
});

Deno.test("log limiter: while events last, one summary per window; after a quiet window, in full again", () => {
  const limiter = new LogLimiter();
  const lines: string[] = [];
  // Ten events a second for three minutes.
  for (let t = 0; t < 180_000; t += 100) lines.push(...text(limiter.note(crc(`at ${t}`), t)));
  assertEquals(lines, [
    "error at 0",
    "warn 599 more crc rejections in the last 60 s (last: at 59900)",
    "warn 600 more crc rejections in the last 60 s (last: at 119900)",
  ]);
  assertEquals(text(limiter.due(185_000)), [
    "warn 600 more crc rejections in the last 65 s (last: at 179900)",
  ]);
  assertEquals(limiter.due(245_000), [], "nothing counted: the kind is forgotten");
  assertEquals(text(limiter.note(crc("again"), 246_000)), ["error again"]);
});

Deno.test("log limiter: kinds are limited apart, each at its own levels", () => {
  const limiter = new LogLimiter();
  const lines: string[] = [];
  for (let i = 0; i < 17_000; i++) {
    lines.push(...text(limiter.note(i % 2 ? crc(`c${i}`) : framing(`f${i}`), i)));
  }
  assertEquals(lines, ["debug f0", "error c1"]);
  assertEquals(text(limiter.due(70_000)), [
    "debug 8499 more framing rejections in the last 70 s (last: f16998)",
    "warn 8499 more crc rejections in the last 70 s (last: c16999)",
  ]);
});

Deno.test("log limiter: rare events are each written in full", () => {
  const limiter = new LogLimiter({ windowMs: 1000 });
  const lines = [0, 1500, 3000, 4600].flatMap((t) => text(limiter.note(crc(`at ${t}`), t)));
  assertEquals(lines, ["error at 0", "error at 1500", "error at 3000", "error at 4600"]);
});

Deno.test("log limiter: a clock that went back counts as a passed window", () => {
  const limiter = new LogLimiter();
  limiter.note(crc("a"), 100_000);
  limiter.note(crc("b"), 100_001);
  const lines = limiter.due(5_000);
  assertEquals(text(lines), ["warn 1 more crc rejections in the last 0 s (last: b)"]);
  assertOk(lines[0].count === 1);
  assertThrows(() => new LogLimiter({ windowMs: 0 }));
});
