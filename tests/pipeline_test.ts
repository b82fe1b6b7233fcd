import { assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { type Level, silentLogger } from "../src/log.ts";
import { DummyMeter } from "../src/meters/dummy/meter.ts";
import { ELECTRICITY } from "../src/meters/electricity.ts";
import { emptyStats, type Meter, type MeterEvent, type MeterStats } from "../src/meters/meter.ts";
import { Channel, runPipeline, type Sink } from "../src/pipeline.ts";
import type { Reading } from "../src/reading.ts";

function meterOf(count: number): Meter {
  const dummy = new DummyMeter({ id: "test", interval: 1 });
  return {
    id: "test",
    interval: 1,
    async *events() {
      yield { kind: "identity", info: dummy.info };
      for (let i = 0; i < count; i++) yield { kind: "reading", reading: dummy.next(1) };
    },
  };
}

/** Keeps every event a sink is sent: the readings, and the newest counters. */
class CollectingSink implements Sink {
  readings: Reading[] = [];
  events: MeterEvent[] = [];
  stats?: MeterStats;
  constructor(readonly name: string, private readonly delayMs = 0) {}
  async consume(events: AsyncIterable<MeterEvent>) {
    for await (const event of events) {
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      this.events.push(event);
      if (event.kind === "stats") this.stats = event.stats;
      if (event.kind === "reading") this.readings.push(event.reading);
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

Deno.test("channel: new state replaces its queued copy and goes behind what came before it, is never dropped, does not fill it", async () => {
  const channel = new Channel<string>(2, {
    stateOf: (item) =>
      item.startsWith("s") ? "stats" : item.startsWith("i") ? "identity" : undefined,
  });
  for (const item of ["i1", "s1", "r1", "s2", "r2", "s3", "r3", "r4", "i2"]) channel.push(item);
  channel.close();
  const seen = [];
  for await (const item of channel) seen.push(item);
  // i2 came after r3 and r4 were decoded, so they keep the identity they were decoded under.
  assertEquals(seen, ["s3", "r3", "r4", "i2"]);
  assertEquals(channel.dropped, 2);
});

Deno.test("channel: after the consumer took the state, new state queues behind the stream", async () => {
  const channel = new Channel<string>(4, {
    stateOf: (item) => item.startsWith("s") ? "stats" : undefined,
  });
  const seen: string[] = [];
  const consumer = (async () => {
    for await (const item of channel) seen.push(item);
  })();
  channel.push("s1");
  channel.push("r1");
  await new Promise((resolve) => setTimeout(resolve, 0));
  channel.push("s2");
  channel.push("r2");
  channel.push("s3");
  channel.close();
  await consumer;
  assertEquals(seen, ["s1", "r1", "r2", "s3"]);
});

Deno.test("pipeline: identity and counters reach every sink on the stream, also without a reading", async () => {
  const stats = (received: number, decryption: number, decoded = 0) => ({
    ...emptyStats(),
    received,
    decoded,
    rejected: { ...emptyStats().rejected, decryption },
  });
  const meter: Meter = {
    id: "test",
    interval: 10,
    async *events() {
      yield { kind: "identity", info: { manufacturer: "smr", model: "test" } };
      yield { kind: "stats", stats: stats(1, 1) };
      yield { kind: "stats", stats: stats(2, 2) };
      yield { kind: "identity", info: { manufacturer: "smr", model: "test", serial: "7" } };
      yield { kind: "stats", stats: stats(3, 2, 1) };
      yield {
        kind: "reading",
        reading: {
          meter: "test",
          time: "2026-11-25T06:15:50+01:00",
          values: [{ ...ELECTRICITY.importT1, value: "1.000" }],
        },
      };
    },
  };
  const sinks = [new CollectingSink("one"), new CollectingSink("two")];
  await runPipeline({ meter, sinks, signal: new AbortController().signal, log: silentLogger });
  for (const sink of sinks) {
    // A sink that lags sees only the newest counters and identity; this one may or may not.
    const kinds = sink.events.map((e) => e.kind);
    assertEquals(kinds[0], "identity");
    assertEquals(kinds.at(-1), "reading");
    assertEquals(kinds.at(-2), "stats");
    const identities = sink.events.flatMap((e) => e.kind === "identity" ? [e.info] : []);
    assertEquals(identities.at(-1), { manufacturer: "smr", model: "test", serial: "7" });
    assertEquals(sink.stats, stats(3, 2, 1));
  }
});

Deno.test("pipeline: a reading the guard holds back adds to the meter's counters sent after it", async () => {
  const counted = (received: number) => ({ ...emptyStats(), received, decoded: received });
  const reading = (t1: string) => ({
    kind: "reading" as const,
    reading: {
      meter: "test",
      time: "2026-11-25T06:15:50+01:00",
      values: [{ ...ELECTRICITY.importT1, value: t1 }],
    },
  });
  const meter: Meter = {
    id: "test",
    interval: 10,
    async *events() {
      yield { kind: "stats", stats: counted(1) };
      yield reading("14159.934");
      yield { kind: "stats", stats: counted(2) };
      yield reading("999999999999.999");
      yield { kind: "stats", stats: counted(3) };
      yield reading("14159.936");
    },
  };
  const sink = new CollectingSink("sink");
  let clock = 0;
  await runPipeline({
    meter,
    sinks: [sink],
    signal: new AbortController().signal,
    log: silentLogger,
    now: () => (clock += 10_000),
  });
  /** The counters each reading comes after: received / implausible. */
  const before: string[] = [];
  let last = "";
  for (const event of sink.events) {
    if (event.kind === "stats") {
      last = `${event.stats.received}/${event.stats.rejected.implausible}`;
    }
    if (event.kind === "reading") before.push(last);
  }
  assertEquals(before, ["1/0", "2/1", "3/1"], "held back once, counted from then on");
});

Deno.test("pipeline: a failing sink is detached, the others get every reading", async () => {
  const good = new CollectingSink("good");
  const failing: Sink = {
    name: "failing",
    async consume(events) {
      for await (const _ of events) throw new Error("boom");
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
    interval: 10,
    async *events() {
      yield { kind: "identity", info: { manufacturer: "smr", model: "test" } };
      for (const t1 of t1s) {
        yield {
          kind: "reading",
          reading: {
            meter: "test",
            time: "2026-11-25T06:15:50+01:00",
            values: [
              { ...ELECTRICITY.importT1, value: t1 },
              { ...ELECTRICITY.powerImport, value: "544" },
            ],
          },
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
  return { published, lines, stats: sink.stats ?? emptyStats(), readings: sink.readings };
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
    async *events() {
      for (const [t1, t2] of t1s) {
        const reading = {
          meter: "test",
          time: "2026-11-25T06:15:50+01:00",
          values: values(t1, t2),
        };
        yield { kind: "reading", reading };
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
  assertEquals(sink.stats?.rejected.implausible, 7);
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
