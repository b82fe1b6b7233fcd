import { assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { type Level, silentLogger } from "../src/log.ts";
import { DummyMeter } from "../src/meters/dummy/meter.ts";
import { ELECTRICITY } from "../src/meters/electricity.ts";
import { emptyStats, type Meter } from "../src/meters/meter.ts";
import { Channel, runPipeline, type Sink } from "../src/pipeline.ts";
import type { Reading } from "../src/reading.ts";

function meterOf(count: number): Meter {
  const dummy = new DummyMeter({ id: "test", interval: 1 });
  return {
    id: "test",
    info: dummy.info,
    stats: dummy.stats,
    interval: 1,
    async *readings() {
      for (let i = 0; i < count; i++) yield dummy.next(1);
    },
  };
}

class CollectingSink implements Sink {
  readings: Reading[] = [];
  constructor(readonly name: string, private readonly delayMs = 0) {}
  async consume(readings: AsyncIterable<Reading>) {
    for await (const reading of readings) {
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      this.readings.push(reading);
    }
  }
}

Deno.test("channel: bounded, drops the oldest, ends after close", async () => {
  const channel = new Channel<number>(3);
  for (let i = 0; i < 5; i++) channel.push(i);
  channel.close();
  channel.push(99);
  const seen = [];
  for await (const item of channel) seen.push(item);
  assertEquals(seen, [2, 3, 4]);
  assertEquals(channel.dropped, 2);
});

Deno.test("pipeline: a failing sink is detached, the others get every reading", async () => {
  const good = new CollectingSink("good");
  const failing: Sink = {
    name: "failing",
    async consume(readings) {
      for await (const _ of readings) throw new Error("boom");
    },
  };
  const errors: string[] = [];
  await runPipeline({
    meter: meterOf(20),
    sinks: [failing, good],
    signal: new AbortController().signal,
    log: { ...silentLogger, error: (m) => errors.push(m) },
    capacity: 100,
  });
  assertEquals(good.readings.length, 20);
  assertEquals(errors, ["sink failing failed and was detached: boom"]);
});

Deno.test("pipeline: a slow sink loses only its own oldest readings", async () => {
  const fast = new CollectingSink("fast");
  const slow = new CollectingSink("slow", 5);
  const meter = meterOf(50);
  await runPipeline({
    meter,
    sinks: [fast, slow],
    signal: new AbortController().signal,
    log: silentLogger,
    capacity: 4,
  });
  assertEquals(fast.readings.length, 50);
  assertEquals(slow.readings.at(-1), fast.readings.at(-1));
});

Deno.test("pipeline: when every sink fails the pipeline rejects", async () => {
  const failing: Sink = {
    name: "failing",
    consume: () => Promise.reject(new Error("no")),
  };
  await assertRejects(() =>
    runPipeline({
      meter: meterOf(3),
      sinks: [failing],
      signal: new AbortController().signal,
      log: silentLogger,
    })
  );
});

/** A meter delivering import/t1 and power in turn, one reading per entry. */
function countingMeter(t1s: string[]): Meter {
  return {
    id: "test",
    info: { manufacturer: "smr", model: "test" },
    stats: emptyStats(),
    interval: 10,
    async *readings() {
      for (const t1 of t1s) {
        yield {
          meter: "test",
          time: "2026-11-25T06:15:50+01:00",
          values: [
            { ...ELECTRICITY.importT1, value: t1 },
            { ...ELECTRICITY.powerImport, value: "544" },
          ],
        };
      }
    },
  };
}

async function guarded(t1s: string[]) {
  const sink = new CollectingSink("sink");
  const meter = countingMeter(t1s);
  const lines: string[] = [];
  const at = (level: Level) => (m: string) => void lines.push(`${level} ${m}`);
  let clock = 0;
  await runPipeline({
    meter,
    sinks: [sink],
    signal: new AbortController().signal,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
    now: () => (clock += 10_000),
  });
  const published = sink.readings.map((r) =>
    r.values.filter((v) => v.property === "t1").map((v) => v.value).join("") || "-"
  );
  return { published, lines, stats: meter.stats, readings: sink.readings };
}

Deno.test("pipeline: an absurd counter is held back and counted once, the next value goes on", async () => {
  const { published, lines, stats, readings } = await guarded([
    "14159.934",
    "999999999999.999",
    "14159.936",
  ]);
  assertEquals(published, ["14159.934", "-", "14159.936"]);
  assertEquals(readings[1].values.map((v) => v.value), ["544"], "the gauge still goes");
  assertEquals(stats.rejected.implausible, 1);
  assertEquals(lines.length, 1);
  assertMatch(lines[0], /^warn import\/t1: 999999999999\.999 kWh held back: a rise from/);
});

Deno.test("pipeline: the counters a reading holds back make one line, and the rest a summary a minute later", async () => {
  const sink = new CollectingSink("sink");
  const values = (t1: string, t2: string) => [
    { ...ELECTRICITY.importT1, value: t1 },
    { ...ELECTRICITY.importT2, value: t2 },
  ];
  const t1s: [string, string][] = [["1.000", "2.000"], ["999999.000", "888888.000"]];
  for (let i = 0; i < 6; i++) t1s.push(["1.000", "2.000"], ["999999.000", "2.000"]);
  const meter: Meter = {
    ...countingMeter([]),
    async *readings() {
      for (const [t1, t2] of t1s) {
        yield { meter: "test", time: "2026-11-25T06:15:50+01:00", values: values(t1, t2) };
      }
    },
  };
  const lines: string[] = [];
  let clock = 0;
  await runPipeline({
    meter,
    sinks: [sink],
    signal: new AbortController().signal,
    log: { ...silentLogger, warn: (m) => lines.push(m) },
    now: () => (clock += 10_000),
  });
  // Readings every 10 s, a spike every 20 s from 20 s on: a line at 20 s, summaries at 80 and 140 s.
  assertEquals(lines.length, 3, lines.join("\n"));
  assertMatch(
    lines[0],
    /^import\/t1: 999999\.000 kWh held back: .*; import\/t2: 888888\.000 kWh held back/,
  );
  assertMatch(
    lines[1],
    /^2 more readings with a counter rising too fast in the last 60 s \(last: import\/t1: 999999/,
  );
  assertMatch(lines[2], /^3 more readings with a counter rising too fast in the last 60 s/);
  assertEquals(meter.stats.rejected.implausible, 7);
});

Deno.test("pipeline: a meter exchange is published on the third reading with one log line", async () => {
  const { published, lines, stats } = await guarded([
    "1234.567",
    "0.001",
    "0.002",
    "0.003",
    "0.004",
  ]);
  assertEquals(published, ["1234.567", "-", "-", "0.003", "0.004"]);
  assertEquals(stats.rejected.implausible, 2);
  assertEquals(lines.filter((l) => !l.startsWith("debug")), [
    "warn counters restarted, believed after 3 readings in a row (a meter exchange or reset): " +
    "import/t1 1234.567 → 0.003 kWh",
  ]);
});

Deno.test("pipeline: a single dip is not published", async () => {
  const { published, lines, stats } = await guarded(["500.000", "400.000", "500.001"]);
  assertEquals(published, ["500.000", "-", "500.001"]);
  assertEquals(stats.rejected.implausible, 1);
  assertEquals(lines.filter((l) => !l.startsWith("debug")), []);
});
