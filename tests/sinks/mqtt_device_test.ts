/**
 * The device on one MQTT connection as a pure function of its inputs: the
 * meter's events, the connection's events and the clock in, messages out.
 * No broker, no timers.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { type Logger, silentLogger } from "../../src/log.ts";
import { ELECTRICITY } from "../../src/meters/electricity.ts";
import { emptyStats, type MeterEvent, type MeterStats } from "../../src/meters/meter.ts";
import type { MeterInfo, Value } from "../../src/reading.ts";
import type { Message } from "../../src/sinks/mqtt_connection.ts";
import { MqttDevice } from "../../src/sinks/mqtt_device.ts";
import { deviceFilters } from "../../src/sinks/topics.ts";
import { matches } from "./topic_filter.ts";

const E = ELECTRICITY;
const TIME = "2026-11-25T06:15:50+01:00";

function device(homeAssistant = true, log: Logger = silentLogger): MqttDevice {
  return new MqttDevice({
    baseTopic: "homie",
    deviceId: "t210",
    name: "Electricity meter",
    interval: 10,
    statsInterval: 60,
    status: true,
    homeAssistant: homeAssistant ? { prefix: "homeassistant", version: "1.2.3" } : undefined,
    log,
  });
}

const identity = (info: MeterInfo): MeterEvent => ({ kind: "identity", info });
const SAGEMCOM = identity({ manufacturer: "Sagemcom", model: "T210-D-r" });

function stats(received: number, decoded: number, decryption = 0): MeterEvent {
  const zero = emptyStats();
  const counters: MeterStats = {
    ...zero,
    received,
    decoded,
    rejected: { ...zero.rejected, decryption },
    ...(decoded > 0 ? { lastReading: TIME } : {}),
  };
  return { kind: "stats", stats: counters };
}

function reading(...values: Value[]): MeterEvent {
  return { kind: "reading", reading: { meter: "t210", time: TIME, values } };
}

const total = (value: string): Value => ({ ...E.importTotal, value });
const power = (value: string): Value => ({ ...E.powerImport, value });

const isConfig = (m: Message) => m.topic.startsWith("homeassistant/");
const homie = (messages: Message[]) => messages.filter((m) => !isConfig(m));
const configs = (messages: Message[]) => messages.filter(isConfig);
const short = (messages: Message[]) =>
  messages.map((m) => `${m.topic.replace(/^homie\/t210\//, "")}=${m.payload}`);

/** Feeds a script of inputs; returns the messages of each step. */
function run(d: MqttDevice, steps: Array<[number, MeterEvent | "connected" | "tick"]>) {
  return steps.map(([now, input]) =>
    input === "connected" ? d.connected(now) : input === "tick" ? d.tick(now) : d.event(input, now)
  );
}

Deno.test("mqtt device: the same inputs give the same messages", () => {
  const script: Array<[number, MeterEvent | "connected" | "tick"]> = [
    [0, SAGEMCOM],
    [5, "connected"],
    [1000, stats(1, 0, 1)],
    [6000, "tick"],
    [9000, stats(2, 1, 1)],
    [9000, reading(total("1.000"), power("5"))],
    [19_000, stats(3, 2, 1)],
    [19_000, reading(total("1.001"), power("6"))],
    [40_000, "tick"],
  ];
  assertEquals(run(device(), script), run(device(), script));
});

Deno.test("mqtt device: a connect publishes the Homie tree, then the discovery of its properties", () => {
  const d = device();
  assertEquals(d.subscriptions, ["homeassistant/status"]);
  assertEquals(d.will, { topic: "homie/t210/$state", payload: "lost" });
  assertEquals(d.event(SAGEMCOM, 0), [], "nothing is known to announce yet");
  const messages = d.connected(0);
  const firstConfig = messages.findIndex(isConfig);
  assertOk(firstConfig > 0);
  assertOk(messages.slice(firstConfig).every(isConfig), "configs after the whole Homie tree");
  assertEquals(short(homie(messages))[0], "$state=init");
  const announced = configs(messages).map((m) => JSON.parse(m.payload));
  assertEquals(announced.length, 9, "the status counters");
  for (const config of announced) {
    assertOk(
      homie(messages).some((m) => m.topic === config.state_topic),
      `${config.state_topic} is not in the Homie tree`,
    );
    assertEquals(config.device.model, "T210-D-r");
  }
});

Deno.test("mqtt device: rejections climb on the status node without a reading, at most every 5 s", () => {
  const d = device();
  d.connected(0);
  assertEquals(d.event(stats(1, 0, 1), 1000), [], "counters alone publish nothing at once");
  assertEquals(d.tick(4999), []);
  assertEquals(short(d.tick(5000)), ["status/received=1", "status/rejected-decryption=1"]);
  d.event(stats(2, 0, 2), 6000);
  assertEquals(short(d.tick(9999)), []);
  assertEquals(short(d.tick(10_000)), ["status/received=2", "status/rejected-decryption=2"]);
  assertEquals(d.tick(15_000), [], "unchanged counters are not published again");
});

Deno.test("mqtt device: a reading brings its values and the configs of new properties, once", () => {
  const d = device();
  d.event(SAGEMCOM, 0);
  d.connected(0);
  d.event(stats(1, 1), 1000);
  const first = d.event(reading(total("1.000"), power("5")), 1000);
  assertEquals(short(homie(first)).at(-1), "$state=ready");
  assertEquals(configs(first).map((m) => m.topic), [
    "homeassistant/sensor/t210/import_total/config",
    "homeassistant/sensor/t210/power_import/config",
    "homeassistant/sensor/t210/status_last-reading/config",
  ]);
  d.event(stats(2, 2), 11_000);
  const second = d.event(reading(total("1.001"), power("6")), 11_000);
  assertEquals(configs(second), [], "known properties are not announced again");
  assertEquals(short(second), [
    "import/total=1.001",
    "power/import=6",
    "status/received=2",
    "status/decoded=2",
  ]);
});

Deno.test("mqtt device: a new identity republishes every config and no Homie topic", () => {
  const d = device();
  d.event(SAGEMCOM, 0);
  d.connected(0);
  d.event(reading(total("1.000")), 1000);
  assertEquals(d.event(SAGEMCOM, 1500), [], "the same identity again");
  const again = d.event(
    identity({ manufacturer: "Sagemcom", model: "T210-D-r", serial: "9" }),
    2000,
  );
  assertOk(again.length > 0 && again.every(isConfig));
  for (const m of again) assertEquals(JSON.parse(m.payload).device.serial_number, "9");
});

Deno.test("mqtt device: Home Assistant's live online announcement republishes every config", () => {
  const lines: string[] = [];
  const d = device(true, { ...silentLogger, info: (m) => lines.push(m) });
  d.event(SAGEMCOM, 0);
  d.connected(0);
  const online = { topic: "homeassistant/status", payload: "online", retained: false };
  const all = d.received(online);
  assertEquals(all.length, 9);
  assertOk(all.every(isConfig));
  assertEquals(lines, ["Home Assistant is online: republishing 9 discovery configs"]);
  assertEquals(d.received({ ...online, retained: true }), [], "a retained copy is no birth");
  assertEquals(d.received({ ...online, payload: "offline" }), []);
  assertEquals(d.received({ ...online, topic: "elsewhere/status" }), []);
});

Deno.test("mqtt device: without Home Assistant only the Homie tree, no subscription", () => {
  const d = device(false);
  assertEquals(d.subscriptions, []);
  assertEquals(d.event(SAGEMCOM, 0), []);
  const messages = [
    ...d.connected(0),
    ...d.event(reading(total("1.000")), 1000),
    ...d.received({ topic: "homeassistant/status", payload: "online", retained: false }),
  ];
  assertOk(messages.length > 0);
  assertEquals(configs(messages), []);
});

Deno.test("mqtt device: what it publishes lies under the filters smr purge clears", () => {
  const layout = { baseTopic: "homie", deviceId: "t210", prefix: "homeassistant" };
  const d = device();
  d.event(SAGEMCOM, 0);
  const messages = [...d.connected(0), ...d.event(reading(total("1.000"), power("5")), 1000)];
  const filters = deviceFilters(layout);
  for (const m of [...messages, d.will, d.disconnected()]) {
    assertOk(filters.some((f) => matches(f, m.topic)), `${m.topic} escapes ${filters}`);
  }
});
