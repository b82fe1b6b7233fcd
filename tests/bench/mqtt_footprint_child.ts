/**
 * One MQTT client for mqtt_footprint.ts, run as its own process: connects
 * (or not, for the floor), subscribes to `homeassistant/status`, prints
 * `ready`, and once stdin says `publish` publishes `--messages` retained
 * QoS 1 messages every second, as smr does for one reading.
 *
 * Run by mqtt_footprint.ts: deno run -A <V8 flags> mqtt_footprint_child.ts <variant> <url> <messages>
 */

const [variant, url, count] = Deno.args;
const messages = Number(count ?? 10);
const STATUS = "homeassistant/status";

/** Publishes one reading's messages. */
type Publish = (topic: string, payload: string) => void;

function bare(): Promise<Publish> {
  return Promise.resolve(() => {});
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
