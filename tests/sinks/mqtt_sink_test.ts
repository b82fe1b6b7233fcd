/**
 * One MQTT connection per device, seen from the broker: with the homie and
 * homeassistant sinks both on, Mosquitto sees a single client of smr, which
 * publishes the Homie tree and the discovery configs and subscribes to Home
 * Assistant's status topic.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { capture } from "../e2e/capture.ts";
import { startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import { MqttClient } from "../../src/mqtt/client.ts";

const BASE = "homie/dummy";
const DISCOVERY = "homeassistant/sensor/dummy";

/** The client ids of the connections the broker accepted, in order (repeats for reconnects). */
function connectedClients(log: string): string[] {
  return [...log.matchAll(/New client connected from \S+ as (\S+) \(/g)].map((m) => m[1]);
}

/** Who published to topics under `prefix`, by client id. */
function publishers(log: string, prefix: string): Set<string> {
  const found = log.matchAll(/Received PUBLISH from (\S+) \(d\d, q\d, r\d, m\d+, '([^']*)'/g);
  return new Set([...found].filter((m) => m[2].startsWith(prefix)).map((m) => m[1]));
}

Deno.test("mqtt sink: homie and homeassistant share one connection, client id smr-<device_id>", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, "#");
  const smr = startSmr({
    args: ["--env", "dummy"],
    env: {
      SMR_SINKS: '["homie", "homeassistant"]',
      SMR_MQTT__URL: broker.url,
      SMR_METER__INTERVAL: "0.3",
    },
  });
  const ha = await MqttClient.connect({ url: broker.url, clientId: "home-assistant-test" });
  try {
    await cap.waitFor(`${BASE}/$state`, "ready", 30_000);
    await cap.waitFor(`${DISCOVERY}/l3_current/config`, undefined, 30_000);
    await waitFor(
      () => /Received SUBSCRIBE from smr-dummy/.test(broker.log()),
      "smr's subscription to homeassistant/status",
      30_000,
    );
    const before = cap.messages.length;
    await ha.publish("homeassistant/status", "online", { qos: 1 });
    await cap.waitFor(`${DISCOVERY}/import_total/config`, undefined, 30_000, before);
    await smr.waitForLog("Home Assistant is online: republishing", 30_000);

    const log = broker.log();
    const ours = connectedClients(log).filter((id) => id.startsWith("smr"));
    assertEquals(ours, ["smr-dummy"], "one connection, never a second client of smr");
    assertEquals([...publishers(log, `${BASE}/`)], ["smr-dummy"]);
    assertEquals([...publishers(log, `${DISCOVERY}/`)], ["smr-dummy"]);
    assertOk(
      /Received SUBSCRIBE from smr-dummy\s*\n[^\n]*homeassistant\/status \(QoS 1\)/.test(log),
      "the status topic is subscribed on the device's connection",
    );
    const stopping = cap.messages.length;
    assertEquals(await smr.stop(), 0);
    await cap.waitFor(`${BASE}/$state`, "disconnected", 10_000, stopping);
  } finally {
    await smr.stop("SIGKILL");
    await ha.disconnect();
    await cap.close();
    await broker.stop();
  }
});
