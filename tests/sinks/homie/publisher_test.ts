import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { startBroker } from "../../e2e/broker.ts";
import { capture, retainedSnapshot } from "../../e2e/capture.ts";
import { startSmr } from "../../e2e/smr.ts";
import { freePort, scaled } from "../../e2e/tools.ts";
import { checkStartup } from "./conformance.ts";

const BASE = "homie/dummy";

function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMR_SINKS: '["homie"]',
    SMR_MQTT__URL: url,
    SMR_METER__INTERVAL: "0.5",
    ...extra,
  };
}

Deno.test("homie: startup follows the checklist and SIGTERM ends with disconnected", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({ args: ["--env", "dummy"], env: env(broker.url) });
  try {
    await cap.waitFor(`${BASE}/$state`, "ready");
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    assertEquals(tree.get("$nodes"), "meter,import,export,power,l1,l2,l3,status");
    assertEquals(tree.get("import/total/$unit"), "kWh");
    assertEquals(tree.get("meter/timestamp/$datatype"), "datetime");
    const before = cap.messages.length;
    const started = Date.now();
    const code = await smr.stop("SIGTERM");
    assertEquals(code, 0);
    assertOk(Date.now() - started < scaled(2000), `shutdown took ${scaled(2000)} ms or more`);
    const last = await cap.waitFor(`${BASE}/$state`, "disconnected", 2000, before);
    assertEquals(last.qos, 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assertEquals(cap.last(`${BASE}/$state`), "disconnected", "lost after a clean shutdown");
    const retained = await retainedSnapshot(broker.url, `${BASE}/$state`);
    assertEquals(retained.get(`${BASE}/$state`), "disconnected", "not retained");
  } finally {
    await smr.stop("SIGKILL");
    await cap.close();
    await broker.stop();
  }
});

Deno.test("homie: SIGKILL leaves the Will lost, retained at QoS 1", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({ args: ["--env", "dummy"], env: env(broker.url) });
  try {
    await cap.waitFor(`${BASE}/$state`, "ready");
    const before = cap.messages.length;
    await smr.stop("SIGKILL");
    const lost = await cap.waitFor(`${BASE}/$state`, "lost", 5000, before);
    assertEquals(lost.qos, 1);
    const retained = await retainedSnapshot(broker.url, `${BASE}/$state`);
    assertEquals(retained.get(`${BASE}/$state`), "lost");
  } finally {
    await cap.close();
    await broker.stop();
  }
});

Deno.test("homie: alert after 3 silent intervals, ready again when readings resume", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({
    args: ["--env", "dummy"],
    env: env(broker.url, {
      SMR_METER__INTERVAL: "0.3",
      SMR_METER__SILENCE_AFTER: "3",
      SMR_METER__SILENCE_FOR: "8",
    }),
  });
  try {
    const ready = await cap.waitFor(`${BASE}/$state`, "ready");
    const from = cap.messages.indexOf(ready);
    const alert = await cap.waitFor(`${BASE}/$state`, "alert", 10_000, from);
    await cap.waitFor(`${BASE}/$state`, "ready", 10_000, cap.messages.indexOf(alert));
    await smr.waitForLog("no reading for 3 intervals");
  } finally {
    await smr.stop();
    await cap.close();
    await broker.stop();
  }
});

Deno.test("homie: a broker down at start and restarted later is survived with a full republish", async () => {
  const port = freePort();
  const smr = startSmr({ args: ["--env", "dummy"], env: env(`mqtt://127.0.0.1:${port}`) });
  let broker;
  try {
    await smr.waitForLog("retrying");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    broker = await startBroker({ port });
    let cap = await capture(broker.url, "homie/#");
    await cap.waitFor(`${BASE}/$state`, "ready", 20_000);
    checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    await cap.close();

    await broker.stop();
    await smr.waitForLog("lost; retrying");
    await broker.start();
    cap = await capture(broker.url, "homie/#");
    await cap.waitFor(`${BASE}/$state`, "ready", 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // Readings go on (one every 0.5 s) while the snapshot is taken: the
    // retained counter is the newest seen before it, or one that came after.
    const counter = `${BASE}/import/total`;
    const from = cap.messages.map((m) => m.topic).lastIndexOf(counter);
    const retained = await retainedSnapshot(broker.url, `${BASE}/#`);
    checkStartup(cap.messages, BASE, retained);
    assertEquals(retained.get(`${BASE}/$state`), "ready");
    for (const node of retained.get(`${BASE}/$nodes`)!.split(",")) {
      for (const property of retained.get(`${BASE}/${node}/$properties`)!.split(",")) {
        assertOk(retained.has(`${BASE}/${node}/${property}`), `${node}/${property} not retained`);
      }
    }
    const newest = cap.messages.slice(Math.max(0, from)).filter((m) => m.topic === counter);
    assertOk(
      newest.some((m) => m.payload === retained.get(counter)),
      `the retained counter ${retained.get(counter)} is not the newest reading ` +
        `(${newest.map((m) => m.payload).join(", ")})`,
    );
    await cap.close();
    assertEquals(await smr.stop(), 0);
  } finally {
    await smr.stop("SIGKILL");
    await broker?.stop();
  }
});

Deno.test("homie: the status node counts frames in integers; min_interval spaces gauge publishes", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({
    args: ["--env", "dummy"],
    env: env(broker.url, { SMR_METER__INTERVAL: "0.3", SMR_HOMIE__MIN_INTERVAL: "1" }),
  });
  try {
    const ready = await cap.waitFor(`${BASE}/$state`, "ready");
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    assertOk(tree.get("$nodes")!.endsWith(",status"), `status is not the last node`);
    for (const property of tree.get("status/$properties")!.split(",")) {
      const datatype = property === "last-reading" ? "datetime" : "integer";
      assertEquals(tree.get(`status/${property}/$datatype`), datatype);
    }
    assertMatch(tree.get("status/received")!, /^[1-9][0-9]*$/);
    assertEquals(tree.get("status/rejected-crc"), "0");
    const from = cap.messages.indexOf(ready);
    const windowMs = scaled(5500);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const window = cap.messages.slice(from + 1);
    const powers = window.filter((m) => m.topic === `${BASE}/power/import`);
    const most = Math.floor(windowMs / 1000) + 1;
    assertOk(powers.length >= 3 && powers.length <= most, `${powers.length} gauge publishes`);
    // At least 1 s apart as a rule (the median: a busy or emulated subscriber may take two in one go).
    const gaps = powers.slice(1).map((m, i) => m.at - powers[i].at).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)];
    assertOk(median >= 900, `gauge publishes a median ${median} ms apart`);
    const received = window.filter((m) => m.topic === `${BASE}/status/received`);
    assertOk(received.length >= 1, "status/received not refreshed within the window");
    assertOk(Number(received.at(-1)!.payload) > Number(tree.get("status/received")));
  } finally {
    await smr.stop();
    await cap.close();
    await broker.stop();
  }
});
