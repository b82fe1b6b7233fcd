/**
 * One MQTT client for mqtt_footprint.ts, run as its own process: connects
 * (or not, for the floor), subscribes to `homeassistant/status`, prints
 * `ready`, and once stdin says `publish` publishes `--messages` retained
 * QoS 1 messages every second, as smr does for one reading.
 *
 * Run by mqtt_footprint.ts: deno run -A <V8 flags> mqtt_footprint_child.ts <variant> <url> <messages>
 */

import type { MqttClient as MqttJsClient } from "mqtt";

const [variant, url, count] = Deno.args;
const messages = Number(count ?? 10);
const STATUS = "homeassistant/status";

/** Publishes one reading's messages. */
type Publish = (topic: string, payload: string) => void;

function bare(): Promise<Publish> {
  return Promise.resolve(() => {});
}

/** mqtt.js as smr uses it: `mqtt.connect` over `node:net`, MQTT 5, the default stores. */
async function mqttDefault(): Promise<Publish> {
  const { default: mqtt } = await import("mqtt");
  const client = mqtt.connect(url, {
    clientId: "footprint-mqtt",
    protocolVersion: 5,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 0,
  });
  await new Promise((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  await client.subscribeAsync(STATUS, { qos: 1 });
  return (topic, payload) => client.publish(topic, payload, { qos: 1, retain: true });
}

/**
 * mqtt.js used narrowly: only its client module, MQTT 3.1.1, a duplex
 * stream over `Deno.connect` instead of `node:net`, a store that keeps
 * nothing, a keepalive of an hour.
 */
async function mqttNarrow(): Promise<Publish> {
  // Only the client module: not the URL parsing, WebSocket and SOCKS code of `mqtt.connect`.
  // deno-lint-ignore no-import-prefix
  const module = await import("npm:mqtt@5.16.0/lib/client");
  // A CommonJS module: its `exports.default` is the class.
  const exported = module.default as unknown as { default?: typeof MqttJsClient };
  const MqttClient = exported.default ?? (exported as unknown as typeof MqttJsClient);
  const { Duplex, Readable } = await import("node:stream");
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  conn.setNoDelay(true);
  const reader = conn.readable.getReader();
  const writer = conn.writable.getWriter();
  const stream = new Duplex({
    read() {
      reader.read().then(
        ({ done, value }) => void this.push(done ? null : value),
        (error) => this.destroy(error),
      );
    },
    write(chunk, _encoding, callback) {
      writer.write(chunk).then(() => callback(), callback);
    },
    destroy(error, callback) {
      try {
        conn.close();
      } catch {
        // already closed
      }
      callback(error);
    },
  });
  const keepNothing = {
    put(_packet: unknown, cb: () => void) {
      cb();
      return keepNothing;
    },
    del(_packet: unknown, cb: () => void) {
      cb();
      return keepNothing;
    },
    get(_packet: unknown, cb: (error?: Error) => void) {
      cb(new Error("not stored"));
      return keepNothing;
    },
    createStream: () => Readable.from([]),
    close: (cb: () => void) => cb(),
  };
  // deno-lint-ignore no-explicit-any
  const client = new MqttClient(() => stream as any, {
    clientId: "footprint-narrow",
    protocolVersion: 4,
    clean: true,
    keepalive: 3600,
    reconnectPeriod: 0,
    // deno-lint-ignore no-explicit-any
    outgoingStore: keepNothing as any,
    // deno-lint-ignore no-explicit-any
    incomingStore: keepNothing as any,
  });
  await new Promise((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  await client.subscribeAsync(STATUS, { qos: 1 });
  return (topic, payload) => client.publish(topic, payload, { qos: 1, retain: true });
}

/** smr's own client (src/mqtt/client.ts). */
async function own(): Promise<Publish> {
  const { MqttClient } = await import("../../src/mqtt/client.ts");
  const client = await MqttClient.connect({ url, clientId: "footprint-own", keepalive: 30 });
  await client.subscribe(STATUS, 1);
  return (topic, payload) => void client.publish(topic, payload, { qos: 1, retain: true });
}

const variants: Record<string, () => Promise<Publish>> = {
  bare,
  mqtt: mqttDefault,
  narrow: mqttNarrow,
  own,
};
const start = variants[variant];
if (!start) throw new Error(`unknown variant ${variant}: one of ${Object.keys(variants)}`);
const publish = await start();
console.log("ready");

let n = 0;
let timer: ReturnType<typeof setInterval>;
const tick = () => {
  n++;
  for (let i = 0; i < messages; i++) publish(`footprint/${variant}/p${i}`, `${n}.${i}`);
};
// A timer keeps the floor alive too; it publishes only after `publish`.
timer = setInterval(() => {}, 1000);
for await (const chunk of Deno.stdin.readable) {
  if (new TextDecoder().decode(chunk).includes("publish")) {
    clearInterval(timer);
    timer = setInterval(tick, 1000);
  }
}
