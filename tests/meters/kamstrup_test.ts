/**
 * The Kamstrup poller end to end: smr as a child process polls a simulated
 * MULTICAL 403 on the other end of a socat pty, values are read back from a
 * real Mosquitto.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { type Broker, startBroker } from "../e2e/broker.ts";
import { type Capture, capture, retainedSnapshot } from "../e2e/capture.ts";
import {
  type KamstrupSimulator,
  type KamstrupSimulatorOptions,
  startKamstrupSimulator,
} from "../e2e/kamstrup_simulator.ts";
import { type Pty, startPty } from "../e2e/pty.ts";
import { type SmrProcess, startSmr } from "../e2e/smr.ts";
import { scaled, waitFor } from "../e2e/tools.ts";
import { checkStartup } from "../sinks/homie/conformance.ts";

const BASE = "homie/mc403-heat";

/** What a test gets: a broker with a capture, the pty, the simulated meter and smr. */
interface Rig {
  broker: Broker;
  cap: Capture;
  pty: Pty;
  sim: KamstrupSimulator;
  smr: SmrProcess;
}

/**
 * The reply timeout smr gets: 0.3 s, stretched where the tests run slower than native (the
 * simulated meter answers from the test process).
 */
const REPLY_TIMEOUT_MS = scaled(300);

/** Runs `body` against smr `--env kamstrup_403` polling every second with REPLY_TIMEOUT_MS. */
async function withRig(
  options: { meter?: KamstrupSimulatorOptions; env?: Record<string, string> },
  body: (rig: Rig) => Promise<void>,
): Promise<void> {
  const broker = await startBroker();
  const pty = await startPty();
  const sim = startKamstrupSimulator(pty, options.meter);
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({
    args: ["--env", "kamstrup_403"],
    env: {
      SMR_METER__DEVICE: pty.device,
      SMR_MQTT__URL: broker.url,
      SMR_METER__INTERVAL: "1",
      SMR_METER__TIMEOUT: String(REPLY_TIMEOUT_MS / 1000),
      ...options.env,
    },
  });
  try {
    await body({ broker, cap, pty, sim, smr });
  } finally {
    await smr.stop();
    await cap.close();
    await sim.stop();
    await pty.close();
    await broker.stop();
  }
}

function logLines(smr: SmrProcess, text: string): string[] {
  return smr.stderr().split("\n").filter((line) => line.includes(text));
}

Deno.test("kamstrup: registers arrive as exact Homie values in the meter's units; echo on and off; a bad CRC is retried", async () => {
  await withRig({
    meter: { echo: true },
    env: { SMR_METER__REGISTERS: "[60, 63, 68, 74, 80, 86, 87, 89, 99, 1004, 64, 128]" },
  }, async ({ broker, cap, sim, smr }) => {
    await cap.waitFor(`${BASE}/$state`, "ready", 15_000);
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    // Changed on purpose (consumers issue): the circuit's volume and flow are
    // the `circuit` node; the temperature difference has K in its name only.
    assertMatch(tree.get("$nodes")!, /^meter,heat,circuit,temperature,registers(,|$)/);
    assertEquals(tree.get("$name"), "Heat meter");
    assertEquals(tree.get("meter/$properties"), "timestamp,info,hours");
    assertEquals(tree.get("registers/$name"), "Other meter registers");
    const expected: [string, string, string | undefined, string][] = [
      ["heat/energy", "396.672", "MWh", "float"],
      ["heat/cooling-energy", "0.000", "MWh", "float"],
      ["heat/power", "6.4", "kW", "float"],
      ["circuit/volume", "2691.20", "m³", "float"],
      ["circuit/flow", "0.128", "m³/h", "float"],
      ["temperature/forward", "67.25", "°C", "float"],
      ["temperature/return", "26.91", "°C", "float"],
      ["temperature/difference", "40.34", undefined, "float"],
      ["meter/info", "13", undefined, "integer"],
      ["meter/hours", "6886", "h", "integer"],
      ["registers/ta2", "12.345", "MWh", "float"],
      ["registers/max-power-year", "13.6", "kW", "float"],
    ];
    for (const [path, value, unit, datatype] of expected) {
      assertEquals([path, tree.get(path)], [path, value]);
      assertEquals([path, tree.get(`${path}/$unit`)], [path, unit]);
      assertEquals([path, tree.get(`${path}/$datatype`)], [path, datatype]);
    }
    const degrees = cap.messages.find((m) => m.topic === `${BASE}/temperature/forward/$unit`)!;
    assertEquals(new TextEncoder().encode(degrees.payload), new Uint8Array([0xc2, 0xb0, 0x43]));
    assertEquals(tree.get("meter/timestamp/$datatype"), "datetime");
    assertMatch(tree.get("meter/timestamp")!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    await smr.waitForLog("meter serial number 71234567");
    assertEquals(sim.requests.filter((r) => r.command === 0x02).length, 1);
    const registerRequests = sim.requests.filter((r) => r.command === 0x10).slice(0, 2);
    assertEquals(registerRequests.map((r) => r.ids), [
      [60, 63, 68, 74, 80, 86, 87, 89],
      [99, 1004, 64, 128],
    ]);

    sim.echo = false;
    sim.setValue(60, "396.673");
    await cap.waitFor(`${BASE}/heat/energy`, "396.673");

    sim.setValue(60, "396.674");
    sim.corruptNext(1, { 60: "999.999" });
    await cap.waitFor(`${BASE}/heat/energy`, "396.674");
    assertEquals(sim.corruptPending, 0);
    await smr.waitForLog(/GetRegister 60, .*CRC/);
    const leaked = cap.messages.filter((m) => m.payload.includes("999.999"));
    assertEquals(leaked, [], "a value from the damaged reply was published");

    sim.echo = true;
    sim.answerLate(1, REPLY_TIMEOUT_MS * 1.5);
    sim.setValue(60, "396.675");
    await cap.waitFor(`${BASE}/heat/energy`, "396.675");
    assertEquals(cap.last(`${BASE}/$state`), "ready");
  });
});

Deno.test("kamstrup: registers the meter lacks are dropped; a silent meter goes alert and comes back", async () => {
  await withRig({ meter: { echo: true } }, async ({ broker, cap, sim, smr }) => {
    sim.dropped.add(63);
    sim.dropped.add(1004);
    await cap.waitFor(`${BASE}/$state`, "ready", 15_000);
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    assertEquals(tree.get("heat/energy"), "396.672");
    assertEquals(tree.get("meter/info"), "13");
    assertOk(!tree.has("heat/cooling-energy") && !tree.has("meter/hours"));
    await smr.waitForLog("does not answer register 63 (Cooling energy E3), 1004 (Operating hours)");
    const after = sim.requests.length;
    await waitFor(() => sim.requests.length >= after + 2, "two more polls", 10_000);
    for (const request of sim.requests.slice(after)) {
      assertOk(!request.ids.includes(63) && !request.ids.includes(1004), `${request.ids}`);
    }
    assertEquals(logLines(smr, "does not answer").length, 1);

    sim.silent = true;
    const alert = await cap.waitFor(`${BASE}/$state`, "alert", 15_000, cap.messages.length);
    await smr.waitForLog("only the echo of the request came back");
    sim.silent = false;
    sim.setValue(60, "396.680");
    await cap.waitFor(`${BASE}/$state`, "ready", 15_000, cap.messages.indexOf(alert));
    await cap.waitFor(`${BASE}/heat/energy`, "396.680");
    await smr.waitForLog(/decoding again after \d+ rejected/);
    assertEquals(logLines(smr, "only the echo").length, 1, "one line per silent streak");
  });
});

Deno.test("kamstrup: unplug and replug of the optical head is survived without a restart", async () => {
  await withRig({}, async ({ cap, pty, sim, smr }) => {
    await cap.waitFor(`${BASE}/$state`, "ready", 15_000);
    await pty.stop();
    await smr.waitForLog(`${pty.device} is gone`);
    sim.setValue(60, "396.690");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pty.restart();
    await smr.waitForLog(`${pty.device} is back after`, 20_000);
    await cap.waitFor(`${BASE}/heat/energy`, "396.690", 20_000);
    assertEquals(cap.last(`${BASE}/$state`), "ready");
  });
});
