import { assertEquals, assertOk } from "../../assert.ts";
import { silentLogger } from "../../../src/log.ts";
import type { Reading, Value } from "../../../src/reading.ts";
import { HomieDevice } from "../../../src/sinks/homie/device.ts";
import type { Message } from "../../../src/sinks/mqtt_connection.ts";
import { formatPayload } from "../../../src/sinks/homie/payload.ts";
import { ELECTRICITY } from "../../../src/meters/electricity.ts";
import { emptyStats, type MeterStats } from "../../../src/meters/meter.ts";
import type { Captured } from "../../e2e/capture.ts";
import { checkStartup } from "./conformance.ts";

function device(warnings: string[] = []) {
  return new HomieDevice({
    baseTopic: "homie",
    deviceId: "meter",
    name: "Meter",
    interval: 1,
    statsInterval: 60,
    log: { ...silentLogger, warn: (m) => warnings.push(m) },
  });
}

function reading(values: Value[]): Reading {
  return { meter: "meter", time: "2026-11-25T06:15:50+01:00", values };
}

const total = (value: string): Value => ({ ...ELECTRICITY.importTotal, value });
const power = (value: string): Value => ({ ...ELECTRICITY.powerImport, value });
const voltage = (value: string): Value => ({ ...ELECTRICITY.l1.voltage, value });

const topics = (messages: Message[]) => messages.map((m) => `${m.topic.slice(12)}=${m.payload}`);

Deno.test("homie device: payloads without binary tails, exponents or missing offsets", () => {
  assertEquals(formatPayload(total("014159.934")), "14159.934");
  assertEquals(formatPayload(total("-0.000")), "0.000");
  assertEquals(formatPayload(total("1e21")), undefined);
  assertEquals(formatPayload(total("NaN")), undefined);
  // Changed on purpose (consumers issue): the tariff is an enum of 1..4, so
  // only those exact values publish (the decoder strips the leading zeros).
  assertEquals(formatPayload({ ...ELECTRICITY.tariff, value: "2" }), "2");
  assertEquals(formatPayload({ ...ELECTRICITY.tariff, value: "0002" }), undefined);
  assertEquals(formatPayload({ ...ELECTRICITY.tariff, value: "2.5" }), undefined);
  assertEquals(formatPayload({ ...ELECTRICITY.tariff, value: "5" }), undefined);
  assertEquals(
    formatPayload({ ...ELECTRICITY.timestamp, value: "2022-10-06T06:15:50+02:00" }),
    "2022-10-06T06:15:50+02:00",
  );
  assertEquals(
    formatPayload({ ...ELECTRICITY.timestamp, value: "2022-10-06T06:15:50" }),
    undefined,
  );
});

Deno.test("homie device: first reading publishes the tree, then ready; counters on change only", () => {
  const d = device();
  const connect = topics(d.connected(0));
  assertEquals(connect[0], "$state=init");
  assertOk(!connect.some((t) => t.startsWith("$nodes")), "$nodes before the first reading");
  const first = topics(d.reading(reading([total("1.000"), power("5")]), 10));
  assertEquals(first[0], "$nodes=import,power");
  assertEquals(first.at(-1), "$state=ready");
  assertEquals(first.slice(-3, -1), ["import/total=1.000", "power/import=5"]);
  assertEquals(topics(d.reading(reading([total("1.000"), power("5")]), 20)), ["power/import=5"]);
  assertEquals(
    topics(d.reading(reading([total("1.001"), power("6")]), 30)),
    ["import/total=1.001", "power/import=6"],
  );
});

Deno.test("homie device: an enum has its options as $format; a plain unit publishes no $unit", () => {
  const d = device();
  d.connected(0);
  const tree = topics(d.reading(
    reading([
      { ...ELECTRICITY.tariff, value: "1" },
      {
        node: "temperature",
        property: "difference",
        name: "Temperature difference T1-T2 (K)",
        datatype: "float",
        kind: "gauge",
        plainUnit: "K",
        value: "40.34",
      },
    ]),
    1,
  ));
  assertOk(tree.includes("meter/tariff/$datatype=enum"), tree.join("\n"));
  assertOk(tree.includes("meter/tariff/$format=1,2,3,4"), tree.join("\n"));
  assertOk(tree.includes("temperature/difference/$name=Temperature difference T1-T2 (K)"));
  assertOk(!tree.some((t) => t.startsWith("temperature/difference/$unit")), tree.join("\n"));
  assertOk(tree.includes("temperature/difference=40.34"));
});

Deno.test("homie device: a counter that went down is published (the counter guard decided before)", () => {
  const warnings: string[] = [];
  const d = device(warnings);
  d.connected(0);
  d.reading(reading([total("100.000")]), 1);
  assertEquals(topics(d.reading(reading([total("0.003")]), 2)), ["import/total=0.003"]);
  assertEquals(topics(d.reading(reading([total("0.004")]), 3)), ["import/total=0.004"]);
  assertEquals(warnings, []);
});

Deno.test("homie device: a new property goes through init ... ready with the whole structure", () => {
  const d = device();
  d.connected(0);
  d.reading(reading([total("1.000")]), 1);
  const grown = topics(d.reading(reading([total("1.000"), voltage("230.1")]), 2));
  assertEquals(grown[0], "$state=init");
  assertEquals(grown[1], "$nodes=import,l1");
  assertOk(grown.includes("l1/$properties=voltage"));
  assertOk(grown.includes("l1/voltage/$unit=V"));
  assertEquals(grown.slice(-3), ["import/total=1.000", "l1/voltage=230.1", "$state=ready"]);
});

Deno.test("homie device: alert after 3 silent intervals, ready on the next reading; uptime is an integer", () => {
  const d = device();
  d.connected(0);
  d.reading(reading([total("1.000")]), 0);
  assertEquals(topics(d.tick(2999)), []);
  assertEquals(topics(d.tick(3000)), ["$state=alert"]);
  assertEquals(topics(d.tick(3500)), []);
  assertEquals(topics(d.reading(reading([total("1.000")]), 4000)), ["$state=ready"]);
  assertEquals(topics(d.tick(60_500)), ["$state=alert", "$stats/uptime=60"]);
});

Deno.test("homie device: a reconnect republishes everything with current values", () => {
  const d = device();
  d.connected(0);
  d.reading(reading([total("1.000"), power("5")]), 1);
  d.reading(reading([total("2.000"), power("7")]), 2);
  const again = topics(d.connected(3));
  assertEquals(again[0], "$state=init");
  assertOk(again.includes("import/total=2.000"));
  assertOk(again.includes("power/import=7"));
  assertEquals(again.at(-1), "$state=ready");
  assertEquals(d.disconnected().payload, "disconnected");
});

function statusDevice(interval = 1) {
  return new HomieDevice({
    baseTopic: "homie",
    deviceId: "meter",
    name: "Meter",
    interval,
    statsInterval: 60,
    status: true,
    log: silentLogger,
  });
}

/** Counters as a meter sends them: zero but for what is given. */
function counters(
  counts: Partial<Omit<MeterStats, "rejected">> & { rejected?: Partial<MeterStats["rejected"]> },
): MeterStats {
  const zero = emptyStats();
  return { ...zero, ...counts, rejected: { ...zero.rejected, ...counts.rejected } };
}

const asCaptured = (messages: Message[]): Captured[] =>
  messages.map((m) => ({ ...m, retain: true, qos: 1, at: 0 }));

Deno.test("homie device: the status node is there before any reading, which keeps init and then alert", () => {
  const d = statusDevice();
  const connect = topics(d.connected(0));
  assertEquals(connect.find((t) => t.startsWith("$nodes=")), "$nodes=status");
  assertOk(connect.includes("status/received/$datatype=integer"));
  assertOk(connect.includes("status/rejected-decryption=0"));
  assertOk(!connect.some((t) => t.startsWith("status/last-reading")), "last-reading too early");
  assertOk(!connect.includes("$state=ready"), "ready without a reading");
  assertEquals(d.state, "init");
  d.counters(counters({ received: 4, rejected: { decryption: 4 } }));
  assertEquals(topics(d.tick(2999)), []);
  assertEquals(topics(d.tick(3000)), ["$state=alert"]);
  assertEquals(topics(d.tick(5000)), ["status/received=4", "status/rejected-decryption=4"]);
  assertEquals(d.state, "alert");
});

Deno.test("homie device: the first reading brings last-reading into the same init ... ready cycle", () => {
  const d = statusDevice();
  const messages = d.connected(0);
  d.counters(counters({ received: 1, decoded: 1, lastReading: "2026-11-25T06:15:50+01:00" }));
  const first = d.reading(reading([total("1.000"), power("5")]), 100);
  messages.push(...first);
  const names = topics(first);
  assertEquals(names.filter((t) => t.startsWith("$state")), ["$state=ready"]);
  assertEquals(names.find((t) => t.startsWith("$nodes=")), "$nodes=import,power,status");
  assertOk(names.includes(
    "status/$properties=" + [
      "received",
      "decoded",
      "rejected-crc",
      "rejected-tag",
      "rejected-decryption",
      "rejected-framing",
      "rejected-decode",
      "rejected-timeout",
      "rejected-implausible",
      "last-reading",
    ].join(","),
  ));
  assertOk(names.includes("status/last-reading=2026-11-25T06:15:50+01:00"));
  assertOk(names.includes("status/decoded=1"));
  const tree = checkStartup(asCaptured(messages), "homie/meter");
  assertEquals(tree.get("status/last-reading/$datatype"), "datetime");
});

Deno.test("homie device: status values refresh at most every 5 s and only when changed", () => {
  const d = statusDevice(10);
  d.connected(0);
  d.counters(counters({ received: 1, decoded: 1, lastReading: "2026-11-25T06:15:50+01:00" }));
  d.reading(reading([total("1.000")]), 100);
  const second = { received: 2, decoded: 2, lastReading: "2026-11-25T06:15:51+01:00" };
  d.counters(counters(second));
  assertEquals(topics(d.reading(reading([total("1.000")]), 1100)), []);
  assertEquals(topics(d.tick(2000)), []);
  assertEquals(topics(d.tick(5100)), [
    "status/received=2",
    "status/decoded=2",
    "status/last-reading=2026-11-25T06:15:51+01:00",
  ]);
  assertEquals(topics(d.tick(10_100)), []);
  d.counters(counters({ ...second, rejected: { crc: 1 } }));
  assertEquals(topics(d.reading(reading([total("1.001")]), 15_200)), [
    "import/total=1.001",
    "status/rejected-crc=1",
  ]);
});

Deno.test("homie device: min_interval holds gauges back, not counters; the latest goes out later", () => {
  const throttled = new HomieDevice({
    baseTopic: "homie",
    deviceId: "meter",
    name: "Meter",
    interval: 1,
    statsInterval: 60,
    minInterval: 1,
    log: silentLogger,
  });
  throttled.connected(0);
  const at = (now: number, t: string, p: string) =>
    topics(throttled.reading(reading([total(t), power(p)]), now));
  assertEquals(at(0, "1.000", "5").slice(-3), [
    "import/total=1.000",
    "power/import=5",
    "$state=ready",
  ]);
  assertEquals(at(300, "1.000", "6"), []);
  assertEquals(at(600, "1.001", "7"), ["import/total=1.001"]);
  assertEquals(topics(throttled.tick(900)), []);
  assertEquals(topics(throttled.tick(1000)), ["power/import=7"]);
  assertEquals(at(1200, "1.001", "8"), []);
  assertEquals(at(2000, "1.001", "9"), ["power/import=9"]);
  assertEquals(topics(throttled.tick(3500)), [], "nothing new to flush");
  assertEquals(at(3600, "1.001", "9"), ["power/import=9"]);
  at(3700, "1.001", "10");
  const again = topics(throttled.connected(3800));
  assertOk(again.includes("power/import=10"), "a reconnect publishes the held-back value");
});

Deno.test("homie device: the clock is needed for alert at its deadline, for the rest a reading interval late", () => {
  const d = statusDevice(2);
  d.connected(0);
  // Nothing read yet: alert 3 intervals after the start; uptime 60 s on, plus 2 s.
  assertEquals(d.wakeAt(), 6000);
  d.counters(counters({ received: 1, decoded: 1, lastReading: "2026-11-25T06:15:50+01:00" }));
  d.reading(reading([total("1.000")]), 1000);
  assertEquals(d.wakeAt(), 7000, "alert moves with each reading");
  d.counters(counters({ received: 2, decoded: 1, rejected: { crc: 1 } }));
  assertEquals(d.wakeAt(), 7000, "new counters: the status 5 s after its last refresh, plus 2 s");
  d.reading(reading([total("1.000")]), 5000);
  assertEquals(d.wakeAt(), 1000 + 5000 + 2000, "the status, due at 6 s, waits 2 s for a reading");
  assertEquals(topics(d.tick(8000)), ["status/received=2", "status/rejected-crc=1"]);
  assertEquals(d.wakeAt(), 5000 + 6000, "shown: the status needs no clock until new counters");
  for (let at = 9000; at <= 61_000; at += 2000) {
    d.reading(reading([total("1.000")]), at);
    d.tick(at);
  }
  assertEquals(d.wakeAt(), 61_000 + 6000, "uptime went out with a reading");
  d.tick(67_000);
  assertEquals(d.state, "alert");
  assertEquals(d.wakeAt(), 61_000 + 60_000 + 2000, "alert: only uptime is left");

  const throttled = new HomieDevice({
    baseTopic: "homie",
    deviceId: "meter",
    name: "Meter",
    interval: 1,
    statsInterval: 60,
    minInterval: 10,
    log: silentLogger,
  });
  throttled.connected(0);
  throttled.reading(reading([power("5")]), 0);
  throttled.reading(reading([power("6")]), 500);
  assertEquals(throttled.wakeAt(), 3500, "alert before the held-back gauge");
  throttled.reading(reading([power("6")]), 9000);
  assertEquals(throttled.wakeAt(), 10_000 + 1000, "the held-back gauge, a reading interval late");
});
