/**
 * IEC 62056-21 (D0) meters end to end through a socat pty, with smr as a
 * child process and values read back from a real Mosquitto: a push meter
 * (EasyMeter Q3D readouts played in random chunks with noise) and a pull
 * meter played by a simulator that answers the sign-on and the option
 * select and sends its data block.
 *
 * Test-only line settings: a Linux pty refuses 7 data bits with parity
 * (stty: "unable to perform all requested operations"), so these tests run
 * the line as 8N1 (`SMR_METER__DATABITS=8`, `SMR_METER__PARITY=none`) where
 * a real D0 meter has 7E1. The speed changes of a pull still happen on the
 * pty, and the simulator checks them.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { type Broker, startBroker } from "../e2e/broker.ts";
import { type Capture, capture, retainedSnapshot } from "../e2e/capture.ts";
import {
  type D0Simulator,
  type D0SimulatorOptions,
  startD0Simulator,
  ZMD_DATA,
} from "../e2e/d0_simulator.ts";
import { type Pty, startPty, writeInChunks } from "../e2e/pty.ts";
import { type SmrProcess, startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import { sharedBytes } from "../e2e/p1_frames.ts";
import { checkStartup } from "../sinks/homie/conformance.ts";
import { captureBytes } from "../../src/cli/decode.ts";
import { latin1, latin1Text } from "../../src/bytes.ts";

/** A pty cannot do 7E1: the line runs 8N1 in these tests only. */
const PTY_LINE = { SMR_METER__DATABITS: "8", SMR_METER__PARITY: "none" };
const NOISE = latin1("\x00\xff!/?\r\n(garbage)\r\n");

Deno.test("d0 push: EasyMeter Q3D readouts in random chunks with noise arrive as exact Homie values", async () => {
  const base = "homie/d0-electricity";
  const q3d = latin1Text(
    captureBytes(sharedBytes("d0/easymeter-q3da_mode-d_go-iec62056.hex"), "hex"),
  );
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({
    args: ["--env", "d0"],
    env: { SMR_METER__DEVICE: pty.device, SMR_MQTT__URL: broker.url, ...PTY_LINE },
  });
  const play = async (readout: string, seed: number) => {
    await pty.write(NOISE);
    await writeInChunks(pty, latin1(readout), { seed, maxChunk: 43 });
  };
  try {
    await smr.waitForLog("connected to");
    await play(q3d, 1);
    await cap.waitFor(`${base}/$state`, "ready", 20_000);
    const tree = checkStartup(cap.messages, base, await retainedSnapshot(broker.url, `${base}/#`));
    // 2.8.0 and 1.7.255 as decoded by the research (go-iec62056 only asserts that it parses).
    const expected: [string, string, string][] = [
      ["import/total", "0.7801269", "kWh"],
      ["export/total", "7041.2292533", "kWh"],
      ["power/import", "0", "W"],
      ["power/export", "142.30", "W"],
      ["l1/power-export", "73.69", "W"],
      ["l3/power-export", "68.61", "W"],
    ];
    for (const [path, value, unit] of expected) {
      assertEquals([path, tree.get(path), tree.get(`${path}/$unit`)], [path, value, unit]);
    }
    await play(q3d.replace("00007041.2292533", "00007041.2300000"), 2);
    await cap.waitFor(`${base}/export/total`, "7041.2300000");
    // A readout cut by noise is dropped; the next one reads.
    await play(q3d.slice(0, 90), 3);
    await play(q3d.replace("00007041.2292533", "00007041.2310000"), 4);
    await cap.waitFor(`${base}/export/total`, "7041.2310000");
    assertEquals(cap.last(`${base}/$state`), "ready");
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});

const BASE = "homie/d0-pull";

/** What a pull test gets: a broker with a capture, the pty, the simulated meter and smr. */
interface Rig {
  broker: Broker;
  cap: Capture;
  pty: Pty;
  sim: D0Simulator;
  smr: SmrProcess;
}

/** Runs `body` against smr `--env d0_pull` polling every second. */
async function withRig(
  options: { meter?: D0SimulatorOptions; env?: Record<string, string> },
  body: (rig: Rig) => Promise<void>,
): Promise<void> {
  const broker = await startBroker();
  const pty = await startPty();
  const sim = startD0Simulator(pty, options.meter);
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({
    args: ["--env", "d0_pull"],
    env: {
      SMR_METER__DEVICE: pty.device,
      SMR_MQTT__URL: broker.url,
      SMR_METER__INTERVAL: "1",
      ...PTY_LINE,
      ...options.env,
    },
  });
  try {
    await body({ broker, cap, pty, sim, smr });
    assertOk(!/Warning/.test(smr.stderr()), `a runtime warning:\n${smr.stderr()}`);
  } finally {
    await smr.stop();
    await cap.close();
    await sim.stop();
    await pty.close();
    await broker.stop();
  }
}

Deno.test("d0 pull: sign-on at 300 baud, option select after the reaction time, block at 9600; a wrong BCC is read again and never published", async () => {
  await withRig({ meter: { echo: true } }, async ({ broker, cap, sim, smr }) => {
    await cap.waitFor(`${BASE}/$state`, "ready", 30_000);
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    const expected: [string, string, string | undefined, string][] = [
      ["import/total", "1234.567", "kWh", "float"],
      ["import/t1", "1000.000", "kWh", "float"],
      ["export/total", "12.345", "kWh", "float"],
      ["power/import", "1234", "W", "float"],
      ["meter/error", "00000000", undefined, "string"],
    ];
    for (const [path, value, unit, datatype] of expected) {
      assertEquals([path, tree.get(path)], [path, value]);
      assertEquals([path, tree.get(`${path}/$unit`)], [path, unit]);
      assertEquals([path, tree.get(`${path}/$datatype`)], [path, datatype]);
    }
    assertMatch(tree.get("meter/timestamp")!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    await smr.waitForLog("meter /LGZ5ZMD120AR: mode C, data at 9600 baud");

    const [first] = sim.exchanges;
    assertEquals(first.request, "/?!\r\n");
    assertEquals(first.signOnBaud, 300);
    assertEquals(first.optionSelect, "050");
    assertEquals(first.dataBaud, 9600, "smr switched to the rate the meter offered");
    assertOk(
      first.optionSelectAfterMs! >= 190,
      `option select after ${first.optionSelectAfterMs} ms`,
    );
    // The next poll signs on at 300 baud again.
    await waitFor(() => sim.exchanges.length >= 2, "a second exchange", 20_000);
    assertEquals(sim.exchanges[1].signOnBaud, 300);

    sim.data = ZMD_DATA.replace("001234.567", "001234.600");
    sim.corruptNext(1, "001234.600", "999999.999");
    await cap.waitFor(`${BASE}/import/total`, "1234.600", 30_000);
    assertEquals(sim.corruptPending, 0);
    await smr.waitForLog(/option select ACK 0 5 0 \(data at 9600 baud\): BCC 0x.. given/);
    const damaged = sim.exchanges.findIndex((e) => e.sent === "bad-bcc");
    assertOk(damaged >= 0 && sim.exchanges[damaged + 1]?.signOnBaud === 300, "signed on again");
    const leaked = cap.messages.filter((m) => m.payload.includes("999999"));
    assertEquals(leaked, [], "a value from the block with the wrong BCC was published");
    await cap.waitFor(`${BASE}/status/rejected-crc`, "1", 15_000);
  });
});

Deno.test("d0 pull: a device address, no baud switch; a silent meter goes alert and comes back", async () => {
  await withRig({
    env: { SMR_METER__ADDRESS: "87654321", SMR_METER__BAUD_SWITCH: "false" },
  }, async ({ cap, sim, smr }) => {
    await cap.waitFor(`${BASE}/$state`, "ready", 30_000);
    assertEquals(cap.last(`${BASE}/import/total`), "1234.567");
    const [first] = sim.exchanges;
    assertEquals([first.request, first.address], ["/?87654321!\r\n", "87654321"]);
    assertEquals([first.optionSelect, first.dataBaud], ["000", 300]);
    await smr.waitForLog("data at 300 baud (meter.baud_switch = false; it offers 9600)");

    sim.silent = true;
    const alert = await cap.waitFor(`${BASE}/$state`, "alert", 30_000, cap.messages.length);
    await smr.waitForLog("sign-on /?87654321!: no identification within 5 s", 30_000);
    sim.silent = false;
    sim.data = ZMD_DATA.replace("001234.567", "001234.700");
    await cap.waitFor(`${BASE}/$state`, "ready", 30_000, cap.messages.indexOf(alert));
    await cap.waitFor(`${BASE}/import/total`, "1234.700");
  });
});
