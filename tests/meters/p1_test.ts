/**
 * P1 meters end to end: bytes played into a socat pty, smr as a child
 * process on the other end, values read back from a real Mosquitto.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { capture, retainedSnapshot } from "../e2e/capture.ts";
import { startPty, writeInChunks } from "../e2e/pty.ts";
import { SHIPPED_FLAGS, startSmr } from "../e2e/smr.ts";
import { editTelegram, encryptT210, sharedText } from "../e2e/p1_frames.ts";
import { checkStartup } from "../sinks/homie/conformance.ts";
import { latin1 } from "../../src/bytes.ts";
import { readVectors } from "./dsmr/vectors.ts";
import { decodeTelegram } from "../../src/meters/dsmr/decode.ts";
import { telegramInfo } from "../../src/meters/dsmr/identity.ts";

const KEY = sharedText("t210/steiermark_shrdzm.key").trim();
const PLAIN = sharedText("t210/steiermark_shrdzm.plain.txt");
const NOISE = latin1("\x00\xff\xdb\x08garbage\r\n\xdb");

/** The Steiermark telegram with a later meter time and more imported energy. */
function later(seconds: number): Uint8Array<ArrayBuffer> {
  return latin1(editTelegram(PLAIN, (body) =>
    body
      .replace("210929114730S", `2109291148${String(seconds).padStart(2, "0")}S`)
      .replace("014159934*Wh", `0141599${String(34 + seconds).padStart(2, "0")}*Wh`)));
}

function t210Env(device: string, url: string, key = KEY): Record<string, string> {
  return {
    SMR_METER__DEVICE: device,
    SMR_METER__KEY: key,
    SMR_METER__INTERVAL: "1",
    SMR_MQTT__URL: url,
  };
}

const BASE = "homie/t210-electricity";

Deno.test("t210: encrypted frames in random chunks with noise arrive as exact Homie values", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({ args: ["--env", "t210"], env: t210Env(pty.device, broker.url) });
  try {
    await smr.waitForLog("connected to");
    let counter = 0x50a5;
    const play = async (telegram: Uint8Array<ArrayBuffer>, seed: number) => {
      await pty.write(NOISE);
      await writeInChunks(pty, await encryptT210(telegram, KEY, counter++), { seed, maxChunk: 97 });
    };
    await play(latin1(PLAIN), 1);
    await cap.waitFor(`${BASE}/$state`, "ready");
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    assertEquals(tree.get("import/total"), "14159.934");
    assertEquals(tree.get("import/t1"), "8520.922");
    assertEquals(tree.get("import/t2"), "5639.012");
    assertEquals(tree.get("export/total"), "7086.646");
    assertEquals(tree.get("power/import"), "544");
    assertEquals(tree.get("power/export"), "1803");
    assertEquals(tree.get("reactive/import-energy"), "3.866");
    assertEquals(tree.get("reactive/export-energy"), "19308.370");
    assertEquals(tree.get("reactive/export-power"), "1659");
    assertEquals(tree.get("meter/timestamp"), "2021-09-29T11:47:30+02:00");
    assertEquals(tree.get("import/total/$unit"), "kWh");
    assertEquals(tree.get("power/import/$unit"), "W");

    for (let i = 1; i <= 3; i++) await play(later(i), 10 + i);
    await cap.waitFor(`${BASE}/meter/timestamp`, "2021-09-29T11:48:03+02:00");
    // The values of one reading arrive one after the other: wait for the last frame's counter.
    await cap.waitFor(`${BASE}/import/total`, "14159.937");
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});

Deno.test("t210: unplug and replug of the serial device is survived without a restart", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({ args: ["--env", "t210"], env: t210Env(pty.device, broker.url) });
  try {
    await pty.write(await encryptT210(latin1(PLAIN), KEY, 1));
    await cap.waitFor(`${BASE}/$state`, "ready");
    await pty.stop();
    await smr.waitForLog(`${pty.device} is gone`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pty.restart();
    await pty.write(await encryptT210(later(9), KEY, 2));
    await cap.waitFor(`${BASE}/meter/timestamp`, "2021-09-29T11:48:09+02:00", 20_000);
    await smr.waitForLog(`${pty.device} is back after`);
    // The values of one reading arrive one after the other: wait for the counter too.
    await cap.waitFor(`${BASE}/import/total`, "14159.943");
    assertOk(smr.child.pid > 0);
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});

Deno.test("t210: a wrong key gives alert, one clear log line and no value", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const wrong = "00112233445566778899AABBCCDDEEFF";
  const smr = startSmr({
    args: ["--env", "t210"],
    env: t210Env(pty.device, broker.url, wrong),
  });
  try {
    await smr.waitForLog("connected to");
    for (let i = 0; i < 5; i++) {
      await pty.write(await encryptT210(latin1(PLAIN), KEY, 100 + i));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await cap.waitFor(`${BASE}/$state`, "alert", 10_000);
    await smr.waitForLog("decryption failed for meter t210: check meter.key");
    const lines = smr.stderr().split("\n").filter((l) => l.includes("decryption failed"));
    assertEquals(lines.length, 1, smr.stderr());
    assertOk(!smr.stderr().includes(wrong) && !smr.stderr().includes(KEY), "a key was logged");
    const retained = await retainedSnapshot(broker.url, `${BASE}/#`);
    const values = [...retained.keys()].filter((t) =>
      /^homie\/t210-electricity\/(import|export|power|reactive|meter)\//.test(t)
    );
    assertEquals(values, []);
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});

Deno.test("dsmr: with the shipped flags on /dev/pts/N, plain telegrams decode to Homie values, bad CRC publishes nothing", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const v5 = sharedText("dsmr/v5_nl_iskra-mt382-1000_dp.txt");
  // The device by its real path: Deno guards /dev/pts/N as a device, unlike a symlink's name.
  const device = await Deno.realPath(pty.device);
  assertOk(/^\/dev\/pts\/\d+$/.test(device), device);
  assertEquals(SHIPPED_FLAGS[0], "--allow-all");
  const smr = startSmr({
    args: ["--env", "dsmr"],
    env: { SMR_METER__DEVICE: device, SMR_METER__INTERVAL: "1", SMR_MQTT__URL: broker.url },
  });
  const base = "homie/p1-electricity";
  try {
    await smr.waitForLog("connected to");
    const corrupted = latin1(v5.replace("1-0:1.8.1(", "1-0:1.8.1(9"));
    await writeInChunks(pty, corrupted, { seed: 3, maxChunk: 50 });
    await writeInChunks(pty, latin1(v5), { seed: 4, maxChunk: 50 });
    await cap.waitFor(`${base}/$state`, "ready");
    const tree = checkStartup(cap.messages, base, await retainedSnapshot(broker.url, `${base}/#`));
    const json = JSON.parse(sharedText("dsmr/v5_nl_iskra-mt382-1000_dp.json"));
    assertOk(json.crc.status === "OK");
    assertOk(tree.has("import/t1") && tree.has("l1/voltage"), [...tree.keys()].join(" "));
    assertOk(
      !cap.messages.some((m) => m.topic === `${base}/import/t1` && m.payload.startsWith("9")),
    );
    await smr.waitForLog(/crc/i);
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});

Deno.test("p1: the meter model is the header after manufacturer, baud letter and mode", () => {
  const models: Record<string, string> = {};
  for (const vector of readVectors()) {
    const telegram = decodeTelegram(vector.bytes, { crc: "ignore" });
    if (!telegram.ok) continue;
    const info = telegramInfo(telegram.value);
    models[telegram.value.header] = `${info.manufacturer ?? "?"} ${info.model}`;
  }
  assertEquals(models["/KFM5KAIFA-METER"], "Kaifa KAIFA-METER");
  assertEquals(models["/ISk5\\2MT382-1000"], "Iskra MT382-1000");
  assertEquals(models["/ESY5Q3DA1004 V3.04"], "EasyMeter Q3DA1004 V3.04");
  assertEquals(models["/SAG5SAG-METER"], "Sagemcom SAG-METER");
  assertEquals(models["/XMX5LGBBFFB231216240"], "Landis+Gyr LGBBFFB231216240");
});
