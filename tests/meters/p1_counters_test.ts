/**
 * Counters that never freeze, and a log that does not flood, end to end:
 * DSMR telegrams played into a socat pty, smr as a child process with the
 * shipped flags, values read back from a real Mosquitto.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { type Capture, capture } from "../e2e/capture.ts";
import { type Pty, startPty } from "../e2e/pty.ts";
import { type SmrProcess, startSmr } from "../e2e/smr.ts";
import { editTelegram, sharedText } from "../e2e/p1_frames.ts";
import { waitFor } from "../e2e/tools.ts";
import { latin1 } from "../../src/bytes.ts";
import { seededRandom } from "../random.ts";

const V5 = sharedText("dsmr/v5_nl_iskra-mt382-1000_dp.txt");
const BASE = "homie/p1-electricity";
/** Generous: under emulation (aarch64 on qemu) everything is 3–10 times slower. */
const SLOW = 30_000;

/** The Iskra telegram with other import tariff counters (kWh) and a valid CRC. */
function telegram(t1: string, t2 = "2.399"): Uint8Array<ArrayBuffer> {
  return latin1(editTelegram(V5, (body) =>
    body
      .replace("1-0:1.8.1(000004.426*kWh)", `1-0:1.8.1(${t1}*kWh)`)
      .replace("1-0:1.8.2(000002.399*kWh)", `1-0:1.8.2(${t2}*kWh)`)));
}

interface Rig {
  pty: Pty;
  cap: Capture;
  smr: SmrProcess;
  /** Every payload published on `node/property`, in order. */
  published(path: string): string[];
  /** stderr lines so far. */
  lines(): string[];
}

async function withRig(run: (rig: Rig) => Promise<void>): Promise<void> {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, `${BASE}/#`);
  const smr = startSmr({
    args: ["--env", "dsmr"],
    env: {
      SMR_METER__DEVICE: await Deno.realPath(pty.device),
      SMR_METER__INTERVAL: "10",
      SMR_MQTT__URL: broker.url,
    },
  });
  try {
    await smr.waitForLog("connected to", SLOW);
    await run({
      pty,
      cap,
      smr,
      published: (path) =>
        cap.messages.filter((m) => m.topic === `${BASE}/${path}`).map((m) => m.payload),
      lines: () => smr.stderr().split("\n").filter((line) => line !== ""),
    });
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
}

Deno.test("dsmr counters: one absurd spike with a valid CRC is held back, normal values continue", async () => {
  await withRig(async ({ pty, cap, smr, published, lines }) => {
    await pty.write(telegram("000010.000"));
    await cap.waitFor(`${BASE}/import/t1`, "10.000", SLOW);
    await pty.write(telegram("999999999999.999"));
    await pty.write(telegram("000010.001"));
    await cap.waitFor(`${BASE}/import/t1`, "10.001", SLOW);
    await pty.write(telegram("000010.002"));
    await cap.waitFor(`${BASE}/import/t1`, "10.002", SLOW);
    assertEquals(published("import/t1"), ["10.000", "10.001", "10.002"]);
    assertEquals(published("import/total"), ["12.399", "12.400", "12.401"]);
    await cap.waitFor(`${BASE}/status/rejected-implausible`, "1", SLOW);
    // One line for the reading: import/total (the sum of the tariffs, first) and import/t1.
    await smr.waitForLog(
      "import/total: 1000000000002.398 kWh held back: a rise from 12.399 kWh",
      SLOW,
    );
    const held = lines().filter((line) => line.includes("held back"));
    assertEquals(held.length, 1, smr.stderr());
    assertOk(held[0].includes("WARN"), held[0]);
    assertOk(held[0].includes("; import/t1: 999999999999.999 kWh held back"), held[0]);
  });
});

Deno.test("dsmr counters: a meter exchange (restart near zero) is published on the third reading, with one log line", async () => {
  await withRig(async ({ pty, cap, smr, published, lines }) => {
    await pty.write(telegram("001234.567", "002345.678"));
    await cap.waitFor(`${BASE}/import/t1`, "1234.567", SLOW);
    for (const t1 of ["000000.001", "000000.002", "000000.003"]) {
      await pty.write(telegram(t1, "000000.000"));
    }
    await cap.waitFor(`${BASE}/import/t1`, "0.003", SLOW);
    await pty.write(telegram("000000.004", "000000.000"));
    await cap.waitFor(`${BASE}/import/t1`, "0.004", SLOW);
    assertEquals(published("import/t1"), ["1234.567", "0.003", "0.004"]);
    assertEquals(published("import/t2"), ["2345.678", "0.000"]);
    assertEquals(published("import/total"), ["3580.245", "0.003", "0.004"]);
    await smr.waitForLog("counters restarted", SLOW);
    const counterLines = lines().filter((line) => /import\/t1|counters restarted/.test(line));
    assertEquals(counterLines.length, 1, smr.stderr());
    assertOk(counterLines[0].includes("import/t1 1234.567 → 0.003 kWh"), counterLines[0]);
    assertOk(counterLines[0].includes("WARN"), counterLines[0]);
    await cap.waitFor(`${BASE}/status/rejected-implausible`, "2", SLOW);
  });
});

Deno.test("dsmr counters: a single dip is not published", async () => {
  await withRig(async ({ pty, cap, smr, published, lines }) => {
    await pty.write(telegram("000500.000"));
    await cap.waitFor(`${BASE}/import/t1`, "500.000", SLOW);
    await pty.write(telegram("000400.000"));
    await pty.write(telegram("000500.001"));
    await cap.waitFor(`${BASE}/import/t1`, "500.001", SLOW);
    assertEquals(published("import/t1"), ["500.000", "500.001"]);
    await cap.waitFor(`${BASE}/status/rejected-implausible`, "1", SLOW);
    assertEquals(lines().filter((line) => /import\/|counters restarted/.test(line)), []);
    assertOk(!smr.stderr().includes("ERROR"), smr.stderr());
  });
});

Deno.test("dsmr log: a pty flooded with cut telegrams, garbage and bad CRCs logs a handful of lines", async () => {
  await withRig(async ({ pty, cap, lines }) => {
    await pty.write(telegram("000100.000"));
    await cap.waitFor(`${BASE}/$state`, "ready", SLOW);
    const before = lines().length;
    const good = latin1(V5);
    // A valid-looking telegram whose CRC no longer matches, and one cut after its header.
    const badCrc = latin1(V5.replace("1-0:1.8.1(000004.426", "1-0:1.8.1(000004.427"));
    const cut = good.subarray(0, 300);
    const random = seededRandom(17);
    const garbage = () =>
      Uint8Array.from({ length: 50 + Math.floor(random() * 200) }, () => {
        const byte = Math.floor(random() * 256);
        return byte === 0x2f ? 0x2e : byte; // no `/`: garbage that starts no telegram
      });
    let rounds = 0;
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      await pty.write(badCrc);
      await pty.write(garbage());
      await pty.write(cut);
      rounds++;
    }
    await pty.write(telegram("000100.001"));
    await cap.waitFor(`${BASE}/import/t1`, "100.001", SLOW);
    await waitFor(
      () =>
        cap.last(`${BASE}/status/rejected-crc`) === String(rounds) &&
        cap.last(`${BASE}/status/rejected-framing`) === String(rounds),
      `status counting ${rounds} crc and ${rounds} framing rejections`,
      SLOW,
    );
    const flood = lines().slice(before);
    assertOk(rounds >= 20, `only ${rounds} rounds written`);
    assertOk(flood.length <= 4, `${flood.length} lines for ${2 * rounds} rejections:\n${flood}`);
    assertEquals(flood.filter((line) => line.includes("ERROR")).length, 1, flood.join("\n"));
    assertOk(flood.some((line) => /ERROR .*crc/i.test(line)), flood.join("\n"));
    assertOk(!flood.some((line) => line.includes("interrupted")), "framing logged above debug");
    assertOk(
      flood.some((line) => line.includes(`decoding again after ${2 * rounds} rejected`)),
      flood.join("\n"),
    );
  });
});
