import { assertEquals } from "../assert.ts";
import type { Level, Logger } from "../../src/log.ts";
import { emptyStats } from "../../src/meters/meter.ts";
import { Tally } from "../../src/meters/tally.ts";

function setup(quiet: ("framing" | "crc")[] = []) {
  const lines: string[] = [];
  const at = (level: Level) => (message: string) => void lines.push(`${level} ${message}`);
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  const clock = { now: 0 };
  const stats = emptyStats();
  const tally = new Tally(stats, log, { quiet, now: () => clock.now });
  const above = () => lines.filter((l) => !l.startsWith("debug"));
  return { tally, stats, lines, above, clock };
}

Deno.test("tally: a line alternating framing and crc rejections logs a handful of lines, not thousands", () => {
  const { tally, stats, above, clock } = setup(["framing"]);
  // 17,000 rejections in 10 s, alternating.
  for (let i = 0; i < 17_000; i++) {
    clock.now = i * 10_000 / 17_000;
    tally.rejected(
      i % 2
        ? { reason: "crc", message: `CRC mismatch ${i}` }
        : { reason: "framing", message: `telegram interrupted ${i}` },
    );
  }
  assertEquals(stats.rejected.crc, 8500);
  assertEquals(stats.rejected.framing, 8500);
  assertEquals(stats.received, 17_000);
  assertEquals(above(), ["error CRC mismatch 1"]);
  clock.now = 65_000;
  tally.decoded("2026-11-25T06:15:50+01:00");
  assertEquals(above(), [
    "error CRC mismatch 1",
    "warn 8499 more crc rejections in the last 65 s (last: CRC mismatch 16999)",
    "info decoding again after 17000 rejected",
  ]);
  assertEquals(stats.decoded, 1);
  assertEquals(stats.lastReading, "2026-11-25T06:15:50+01:00");
});

Deno.test("tally: quiet reasons go to debug only, and do not announce decoding again", () => {
  const { tally, lines } = setup(["framing"]);
  tally.rejected({ reason: "framing", message: "telegram interrupted by a new header" });
  tally.decoded();
  assertEquals(lines, ["debug telegram interrupted by a new header"]);
});

Deno.test("tally: a noisy line that still decodes between rejections says so once a minute at most", () => {
  const { tally, above, clock } = setup();
  for (let s = 0; s < 150; s++) {
    clock.now = s * 1000;
    tally.rejected({ reason: "crc", message: `bad ${s}` });
    clock.now = s * 1000 + 500;
    tally.decoded();
  }
  assertEquals(above(), [
    "error bad 0",
    "info decoding again after 1 rejected",
    "warn 59 more crc rejections in the last 60 s (last: bad 59)",
    "warn 60 more crc rejections in the last 60 s (last: bad 119)",
  ]);
});

Deno.test("tally: timeouts are counted but never received; a new reason is logged in full", () => {
  const { tally, stats, above } = setup();
  tally.rejected({ reason: "timeout", message: "no reply" });
  tally.rejected({ reason: "timeout", message: "no reply" });
  tally.rejected({ reason: "crc", message: "bad reply" });
  assertEquals(stats.received, 1);
  assertEquals(stats.rejected.timeout, 2);
  tally.decoded();
  assertEquals(above(), [
    "error no reply",
    "error bad reply",
    "info decoding again after 3 rejected",
  ]);
});
