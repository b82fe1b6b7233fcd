/**
 * The listening meter's events: identity first, the counters once per chunk
 * that changed them (also without a reading), a new identity before the
 * reading of the frame that told it, the counters before the reading they
 * count. A scripted port and decoder; no serial line.
 */
import { assertEquals } from "../assert.ts";
import { silentLogger } from "../../src/log.ts";
import { ELECTRICITY } from "../../src/meters/electricity.ts";
import type { MeterEvent } from "../../src/meters/meter.ts";
import { type Decoded, StreamMeter, type StreamPort } from "../../src/meters/stream_meter.ts";
import { ok, reject, type Result } from "../../src/result.ts";
import { collect } from "./events.ts";

const WALL = Date.UTC(2026, 10, 25, 5, 15, 50);

/** A port that delivers one chunk per script entry and then ends. */
function port(chunks: number): StreamPort & { closed: boolean } {
  return {
    path: "/dev/fake",
    connected: true,
    lastError: undefined,
    closed: false,
    async *chunks() {
      for (let i = 0; i < chunks; i++) yield new Uint8Array([i]);
    },
    close() {
      this.closed = true;
      return Promise.resolve();
    },
  };
}

const frame = (total: string, serial?: string): Result<Decoded> =>
  ok({
    values: [{ ...ELECTRICITY.importTotal, value: total }],
    info: serial === undefined ? undefined : { serial },
  });

/** A short form of an event, to compare sequences. */
function show(event: MeterEvent): string {
  switch (event.kind) {
    case "identity":
      return `identity ${event.info.model} ${event.info.serial ?? "-"}`;
    case "stats": {
      const { received, decoded, rejected, lastReading } = event.stats;
      return `stats ${received}/${decoded} crc ${rejected.crc} decryption ${rejected.decryption}` +
        (lastReading ? " last" : "");
    }
    case "reading":
      return `reading ${event.reading.values[0].value}`;
  }
}

Deno.test("stream meter: identity first, counters per chunk, before the reading they count", async () => {
  const script: Result<Decoded>[][] = [
    [reject("decryption", "wrong key?")],
    [reject("decryption", "wrong key?"), reject("crc", "bad CRC")],
    [],
    [frame("1.000")],
    [frame("1.001", "123456"), reject("crc", "bad CRC")],
    [frame("1.002", "123456")],
  ];
  let chunk = 0;
  const fake = port(script.length);
  const meter = new StreamMeter({
    id: "p1",
    info: { manufacturer: "Sagemcom", model: "T210-D-r" },
    interval: 10,
    port: fake,
    decoder: { push: () => script[chunk++] },
    log: silentLogger,
    now: () => WALL,
  });
  const events = await collect(meter.events(new AbortController().signal));
  assertEquals(events.map(show), [
    "identity T210-D-r -",
    "stats 1/0 crc 0 decryption 1",
    "stats 3/0 crc 1 decryption 2",
    "stats 4/1 crc 1 decryption 2 last",
    "reading 1.000",
    "identity T210-D-r 123456",
    "stats 5/2 crc 1 decryption 2 last",
    "reading 1.001",
    "stats 6/2 crc 2 decryption 2 last",
    "stats 7/3 crc 2 decryption 2 last",
    "reading 1.002",
  ]);
  assertEquals(fake.closed, true, "the port is closed when the events end");
});

Deno.test("stream meter: the events it yielded are not changed by later counting", async () => {
  const script: Result<Decoded>[][] = [[reject("crc", "bad")], [reject("crc", "bad")]];
  let chunk = 0;
  const meter = new StreamMeter({
    id: "p1",
    info: { manufacturer: "DSMR", model: "P1 meter" },
    interval: 10,
    port: port(script.length),
    decoder: { push: () => script[chunk++] },
    log: silentLogger,
  });
  const events = await collect(meter.events(new AbortController().signal));
  const counts = events.flatMap((e) => e.kind === "stats" ? [e.stats.rejected.crc] : []);
  assertEquals(counts, [1, 2]);
});
