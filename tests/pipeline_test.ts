import { assertEquals, assertRejects } from "./assert.ts";
import { silentLogger } from "../src/log.ts";
import { DummyMeter } from "../src/meters/dummy/meter.ts";
import type { Meter } from "../src/meters/meter.ts";
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
