import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { startBroker } from "../../e2e/broker.ts";
import { capture, retainedSnapshot } from "../../e2e/capture.ts";
import { runSmr, startSmr } from "../../e2e/smr.ts";
import { waitFor } from "../../e2e/tools.ts";
import { MqttClient } from "../../../src/mqtt/client.ts";

const BASE = "homie/dummy";
const DISCOVERY = "homeassistant/sensor/dummy";

function env(url: string): Record<string, string> {
  return {
    SMR_SINKS: '["homie", "homeassistant"]',
    SMR_MQTT__URL: url,
    SMR_METER__INTERVAL: "0.3",
  };
}

Deno.test("homeassistant: retained discovery configs point at the retained Homie values", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, "homeassistant/#");
  const smr = startSmr({ args: ["--env", "dummy"], env: env(broker.url) });
  try {
    await cap.waitFor(`${DISCOVERY}/l3_current/config`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const homie = await retainedSnapshot(broker.url, `${BASE}/#`);
    assertEquals(homie.get(`${BASE}/$state`), "ready");
    const configs = await retainedSnapshot(broker.url, `${DISCOVERY}/#`);
    for (const m of cap.messages.filter((m) => m.topic.startsWith(`${DISCOVERY}/`))) {
      const kept = configs.has(m.topic);
      assertEquals([m.topic, kept, m.qos], [m.topic, true, 1], `${m.topic} not r=1 q=1`);
    }
    const values = [...homie.keys()].filter((t) => !t.split("/").some((l) => l.startsWith("$")));
    assertEquals(configs.size, values.length, "one config per Homie property");
    const byState = new Map<string, Record<string, unknown>>();
    for (const [topic, payload] of configs) {
      assertMatch(topic, /^homeassistant\/sensor\/dummy\/[a-zA-Z0-9_-]+\/config$/);
      const config = JSON.parse(payload);
      const stateTopic = config.state_topic as string;
      assertOk(homie.has(stateTopic), `${stateTopic} is not a retained Homie value`);
      const path = stateTopic.slice(BASE.length + 1);
      assertEquals(topic, `${DISCOVERY}/${path.replace("/", "_")}/config`);
      assertEquals(config.unique_id, `smr_dummy_${path.replace("/", "_")}`);
      assertEquals(config.unit_of_measurement, homie.get(`${stateTopic}/$unit`), `${path} unit`);
      assertEquals(config.name, homie.get(`${stateTopic}/$name`));
      assertEquals(config.availability, [{
        topic: `${BASE}/$state`,
        value_template: path.startsWith("status/")
          ? "{{ 'online' if value in ['init', 'ready', 'alert'] else 'offline' }}"
          : "{{ 'online' if value == 'ready' else 'offline' }}",
      }]);
      assertEquals(config.device.identifiers, ["smr_dummy"]);
      assertEquals(config.device.serial_number, "0000000001");
      assertEquals(config.origin.name, "smr");
      assertMatch(config.origin.sw_version, /^\d+\.\d+\.\d+$/);
      byState.set(path, config);
    }
    const classes = (path: string) => [
      byState.get(path)?.device_class,
      byState.get(path)?.state_class,
    ];
    assertEquals(classes("import/total"), ["energy", "total_increasing"]);
    assertEquals(classes("power/import"), ["power", "measurement"]);
    assertEquals(classes("l1/voltage"), ["voltage", "measurement"]);
    assertEquals(classes("l1/current"), ["current", "measurement"]);
    assertEquals(classes("meter/timestamp"), ["timestamp", undefined]);
    assertEquals(classes("status/last-reading"), ["timestamp", undefined]);
    assertEquals(byState.get("status/received")?.entity_category, "diagnostic");
  } finally {
    await smr.stop();
    await cap.close();
    await broker.stop();
  }
});

Deno.test("homeassistant: an online announcement on homeassistant/status republishes the configs", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, "homeassistant/sensor/#");
  const smr = startSmr({ args: ["--env", "dummy"], env: env(broker.url) });
  const ha = await MqttClient.connect({ url: broker.url, clientId: "home-assistant-test" });
  try {
    await cap.waitFor(`${DISCOVERY}/import_total/config`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = cap.messages.length;
    await ha.publish("homeassistant/status", "offline", { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assertEquals(cap.messages.length, before, "offline republished something");
    await ha.publish("homeassistant/status", "online", { qos: 1 });
    await cap.waitFor(`${DISCOVERY}/import_total/config`, undefined, 5000, before);
    await waitFor(
      () => cap.messages.length - before >= 20,
      "every config again after online",
      5000,
    );
    await smr.waitForLog("Home Assistant is online: republishing");
  } finally {
    await ha.disconnect();
    await smr.stop();
    await cap.close();
    await broker.stop();
  }
});

Deno.test("homeassistant: without the homie sink it is a configuration error", async () => {
  const { code, stderr } = await runSmr({
    args: ["--env", "dummy"],
    env: { SMR_SINKS: '["homeassistant"]' },
  });
  assertEquals(code, 78);
  assertMatch(stderr, /"homeassistant" needs "homie"/);
});
