import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { planPurge } from "../../src/cli/purge.ts";
import { startBroker } from "../e2e/broker.ts";
import { capture, retainedSnapshot } from "../e2e/capture.ts";
import { runSmr, startSmr } from "../e2e/smr.ts";
import { freePort } from "../e2e/tools.ts";
import { MqttClient } from "../../src/mqtt/client.ts";

const BASE = "homie/dummy";
const DISCOVERY = "homeassistant/sensor/dummy";
const OPTIONS = {
  baseTopic: "homie",
  deviceId: "dummy",
  prefix: "homeassistant",
  env: "dummy",
  force: false,
};

function tree(state?: string): Map<string, string> {
  const topics = new Map([
    [`${BASE}/$homie`, "4.0.0"],
    [`${BASE}/$name`, "Dummy"],
    [`${BASE}/import/total`, "1.000"],
    [`${DISCOVERY}/import_total/config`, "{}"],
  ]);
  if (state) topics.set(`${BASE}/$state`, state);
  return topics;
}

Deno.test("purge plan: discovery configs first, $homie last", () => {
  assertEquals(planPurge(tree("disconnected"), OPTIONS), {
    ok: true,
    topics: [
      `${DISCOVERY}/import_total/config`,
      `${BASE}/$name`,
      `${BASE}/import/total`,
      `${BASE}/$state`,
    ],
    final: `${BASE}/$homie`,
    state: "disconnected",
  });
  assertEquals(planPurge(new Map(), OPTIONS), {
    ok: true,
    topics: [],
    final: undefined,
    state: undefined,
  });
});

Deno.test("purge plan: refuses while the device is ready, init or alert, unless forced", () => {
  for (const state of ["ready", "init", "alert"]) {
    const plan = planPurge(tree(state), OPTIONS);
    assertOk(!plan.ok, `${state} not refused`);
    assertMatch(plan.reason, new RegExp(`is ${state} .*systemctl stop smr@dummy.*--force`));
    assertOk(planPurge(tree(state), { ...OPTIONS, force: true }).ok, `${state} --force refused`);
  }
  for (const state of ["lost", "disconnected", undefined]) {
    assertOk(planPurge(tree(state), OPTIONS).ok, `${state} refused`);
  }
});

function purge(url: string, ...flags: string[]) {
  return runSmr({ args: ["purge", "--env", "dummy", ...flags], env: { SMR_MQTT__URL: url } });
}

async function deviceSnapshot(url: string): Promise<number> {
  const homie = await retainedSnapshot(url, `${BASE}/#`);
  const discovery = await retainedSnapshot(url, `${DISCOVERY}/#`);
  return homie.size + discovery.size;
}

Deno.test("purge: refuses while smr runs, then clears the Homie tree and discovery configs", async () => {
  const broker = await startBroker();
  const smr = startSmr({
    args: ["--env", "dummy"],
    env: {
      SMR_SINKS: '["homie", "homeassistant"]',
      SMR_MQTT__URL: broker.url,
      SMR_METER__INTERVAL: "0.3",
    },
  });
  try {
    const cap = await capture(broker.url, `${DISCOVERY}/#`);
    await cap.waitFor(`${DISCOVERY}/import_total/config`);
    await cap.close();
    const refused = await purge(broker.url);
    assertEquals(refused.code, 1);
    assertMatch(refused.stderr, /^smr: device dummy is ready .*--force/);
    assertEquals(await smr.stop(), 0);

    const before = await deviceSnapshot(broker.url);
    assertOk(before > 50, `only ${before} retained topics before the purge`);
    const watch = await capture(broker.url, `${BASE}/#`);
    const from = watch.messages.length;
    await watch.waitFor(`${BASE}/$homie`, "4.0.0", 5000, from);
    const done = await purge(broker.url);
    assertEquals(done.code, 0, done.stderr);
    assertMatch(done.stdout, new RegExp(`^purged ${before} retained topics of dummy `));
    await watch.waitFor(`${BASE}/$homie`, "", 5000, from);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cleared = watch.messages.slice(from).filter((m) => m.payload === "");
    assertEquals(cleared.at(-1)?.topic, `${BASE}/$homie`, "$homie is not cleared last");
    await watch.close();
    assertEquals((await retainedSnapshot(broker.url, `${BASE}/#`)).size, 0);
    assertEquals((await retainedSnapshot(broker.url, `${DISCOVERY}/#`)).size, 0);

    const again = await purge(broker.url);
    assertEquals(again.code, 0);
    assertMatch(again.stdout, /^nothing to purge/);
  } finally {
    await smr.stop("SIGKILL");
    await broker.stop();
  }
});

Deno.test("purge: --force clears a device whose $state says ready", async () => {
  const broker = await startBroker();
  try {
    const client = await MqttClient.connect({ url: broker.url, clientId: "stale-device" });
    for (const [topic, payload] of [...tree("ready")]) {
      await client.publish(topic, payload, { qos: 1, retain: true });
    }
    await client.disconnect();
    const refused = await purge(broker.url);
    assertEquals(refused.code, 1);
    assertEquals(await deviceSnapshot(broker.url), 5, "a refused purge removed something");
    const forced = await purge(broker.url, "--force");
    assertEquals(forced.code, 0, forced.stderr);
    assertMatch(forced.stdout, /^purged 5 retained topics/);
    assertMatch(forced.stderr, /was ready; a running smr publishes it again/);
    assertEquals(await deviceSnapshot(broker.url), 0);
  } finally {
    await broker.stop();
  }
});

Deno.test("purge: an unreachable broker is a failure naming it", async () => {
  const url = `mqtt://127.0.0.1:${freePort()}`;
  const { code, stderr } = await purge(url);
  assertEquals(code, 1);
  assertMatch(stderr, new RegExp(`^smr: cannot connect to ${url}`));
});
