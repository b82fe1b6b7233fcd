/**
 * DLMS push meters end to end: pushes played into a socat pty in random
 * chunks with noise between them, smr as a child process on the other end,
 * values read back from a real Mosquitto. One M-Bus meter (the Netz NÖ Kaifa
 * MA309M documentation frame) and one HDLC meter (the Landis+Gyr E450 of Netz
 * Burgenland, with the authentication key).
 *
 * A Linux pty refuses even parity through stty ("unable to perform all
 * requested operations"), so these tests set SMR_METER__PARITY=none on top
 * of the driver's 8E1; the parity bit never reaches smr anyway (the UART
 * checks and drops it). Test-only: a real meter line stays 8E1.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { concat, decodeHex, encodeHex } from "../../src/bytes.ts";
import { startBroker } from "../e2e/broker.ts";
import { capture, retainedSnapshot } from "../e2e/capture.ts";
import { sharedText } from "../e2e/p1_frames.ts";
import { type Pty, startPty, writeInChunks } from "../e2e/pty.ts";
import { startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import { checkStartup } from "../sinks/homie/conformance.ts";
import { seededRandom } from "../random.ts";
import { glo, hdlcSegments, mbusSegments } from "./dlms/build.ts";

/** Generous waits: the tests must hold under emulation (3–10 times slower). */
const STARTUP_MS = 60_000;
const ARRIVAL_MS = 30_000;

const NOE = "dlms/at_netznoe_kaifa-ma309m_doc-example";
const NOE_KEY = sharedText(`${NOE}.key`).trim();
const NOE_WIRE = decodeHex(sharedText(`${NOE}.hex`).trim());
const NOE_PLAIN = decodeHex(sharedText(`${NOE}.plain.hex`).trim());

const E450 = "dlms/at_burgenland_landisgyr-e450_gh501-1_hdlc";
const E450_KEY = sharedText(`${E450}.key`).trim();
const E450_AUTH = sharedText(`${E450}.ak`).trim();
const E450_WIRE = decodeHex(sharedText(`${E450}.hex`).trim());
const E450_PLAIN = decodeHex(sharedText(`${E450}.plain.hex`).trim());

const BASE = "homie/dlms-electricity";

/** Where `needle` starts in `bytes`; throws when it is absent (the vector changed). */
function indexOf(bytes: Uint8Array, needle: string): number {
  const at = encodeHex(bytes).indexOf(needle);
  if (at < 0 || at % 2 !== 0) throw new Error(`${needle} not in the plaintext`);
  return at / 2;
}

/** The system title of a ciphered APDU in `wire` (the 8 bytes after `DB 08`). */
function systemTitle(wire: Uint8Array): Uint8Array {
  return wire.slice(indexOf(wire, "db08") + 2, indexOf(wire, "db08") + 10);
}

/** Sets the seconds of every 12-byte date-time of the plaintext (the header's and the body's). */
function withSeconds(plain: Uint8Array, date: string, seconds: number): Uint8Array {
  const out = plain.slice();
  for (let at = encodeHex(out).indexOf(date); at >= 0; at = encodeHex(out).indexOf(date, at + 2)) {
    if (at % 2 === 0) out[at / 2 + 7] = seconds;
  }
  return out;
}

/**
 * The Netz NÖ push with a later meter time and `extra` more Wh imported
 * (1.8.0 is 12937 Wh), sealed as the meter does (suite 0, no tag) with frame
 * counter `counter`, in two M-Bus segments.
 */
function noeLater(seconds: number, extra: number, counter: number): Uint8Array {
  const plain = withSeconds(NOE_PLAIN, "07e5091b01092f0f", seconds);
  const value = indexOf(plain, "0100010800ff06") + 7;
  new DataView(plain.buffer).setUint32(value, 12937 + extra);
  const apdu = glo(plain, {
    key: decodeHex(NOE_KEY),
    systemTitle: systemTitle(NOE_WIRE),
    frameCounter: counter,
    lengthBytes: 1,
  });
  return concat(...mbusSegments(apdu));
}

/** The E450 push with a later meter time, sealed with both keys (SC 0x30, tag) in one HDLC frame. */
function e450Later(seconds: number, counter: number): Uint8Array {
  const plain = withSeconds(E450_PLAIN, "07e7031c02130b14", seconds);
  const apdu = glo(plain, {
    key: decodeHex(E450_KEY),
    authKey: decodeHex(E450_AUTH),
    securityControl: 0x30,
    systemTitle: systemTitle(E450_WIRE),
    frameCounter: counter,
  });
  return concat(...hdlcSegments(apdu));
}

/** A player of pushes: random noise before each, the push itself in random chunks. */
function player(pty: Pty, seed: number) {
  const random = seededRandom(seed);
  let round = 0;
  return async (push: Uint8Array) => {
    const noise = Uint8Array.from(
      { length: Math.floor(random() * 40) },
      () => Math.floor(random() * 256),
    );
    await pty.write(concat(Uint8Array.of(0x00, 0xff, 0x68, 0x7e), noise));
    await writeInChunks(pty, push, { seed: seed * 100 + round++, maxChunk: 61 });
  };
}

function dlmsEnv(device: string, url: string, meter: Record<string, string>) {
  return {
    SMR_METER__DEVICE: device,
    SMR_METER__INTERVAL: "1",
    // A pty takes no parity (see the module doc): test-only.
    SMR_METER__PARITY: "none",
    SMR_MQTT__URL: url,
    ...meter,
  };
}

Deno.test("dlms: Netz NÖ Kaifa pushes over M-Bus in random chunks with noise arrive as exact Homie values", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({
    args: ["--env", "dlms"],
    env: dlmsEnv(pty.device, broker.url, { SMR_METER__KEY: NOE_KEY }),
  });
  try {
    await smr.waitForLog("connected to", STARTUP_MS);
    const play = player(pty, 7);
    // The same push three times, as the meter's wire bytes: identical counters pass the guard.
    for (let i = 0; i < 3; i++) await play(NOE_WIRE);
    await cap.waitFor(`${BASE}/$state`, "ready", ARRIVAL_MS);
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    assertEquals(tree.get("import/total"), "12.937");
    assertEquals(tree.get("import/total/$unit"), "kWh");
    assertEquals(tree.get("export/total"), "0.000");
    assertEquals(tree.get("l1/voltage"), "233.7");
    assertEquals(tree.get("l1/voltage/$unit"), "V");
    assertEquals(tree.get("l1/current"), "0.00");
    assertEquals(tree.get("power/import"), "0");
    assertEquals(tree.get("power/factor"), "1.000");
    assertEquals(tree.get("meter/timestamp"), "2021-09-27T09:47:15+02:00");

    // Later pushes with plausible increments, each with a new frame counter.
    for (let i = 1; i <= 3; i++) await play(noeLater(15 + 5 * i, i, 0x0100 + i));
    await cap.waitFor(`${BASE}/meter/timestamp`, "2021-09-27T09:47:30+02:00", ARRIVAL_MS);
    // The values of one reading arrive one after the other: wait for the last push's counter.
    await cap.waitFor(`${BASE}/import/total`, "12.940", ARRIVAL_MS);
    const imports = cap.messages.filter((m) => m.topic === `${BASE}/import/total`)
      .map((m) => m.payload).filter((payload, i, all) => payload !== all[i - 1]);
    assertEquals(imports, ["12.937", "12.938", "12.939", "12.940"]);
    await cap.waitFor(`${BASE}/status/decoded`, "6", ARRIVAL_MS);
    assertOk(!smr.stderr().includes("ERROR"), smr.stderr());
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});

Deno.test("dlms: Burgenland E450 pushes over HDLC with the tag checked arrive, the meter id reaches discovery", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "#");
  const smr = startSmr({
    args: ["--env", "dlms"],
    env: dlmsEnv(pty.device, broker.url, {
      SMR_METER__FRAMING: "hdlc",
      SMR_METER__KEY: E450_KEY,
      SMR_METER__AUTH_KEY: E450_AUTH,
      SMR_SINKS: '["homie", "homeassistant"]',
    }),
  });
  try {
    await smr.waitForLog("connected to", STARTUP_MS);
    const play = player(pty, 11);
    for (let i = 0; i < 3; i++) await play(E450_WIRE);
    await cap.waitFor(`${BASE}/$state`, "ready", ARRIVAL_MS);
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    // The Burgenland body is positional (no OBIS codes): the meter clock is the value it names.
    assertEquals(tree.get("meter/timestamp"), "2023-03-28T19:11:20+02:00");
    for (let i = 1; i <= 2; i++) await play(e450Later(20 + 5 * i, 0x2180f6 + i));
    await cap.waitFor(`${BASE}/meter/timestamp`, "2023-03-28T19:11:30+02:00", ARRIVAL_MS);
    await cap.waitFor(`${BASE}/status/decoded`, "5", ARRIVAL_MS);
    assertEquals(cap.last(`${BASE}/status/rejected-tag`), "0");

    // Homie has no attribute for a serial number; the Home Assistant device block carries it.
    const config = await cap.waitFor(
      "homeassistant/sensor/dlms-electricity/meter_timestamp/config",
      undefined,
      ARRIVAL_MS,
    );
    const withSerial = () =>
      cap.messages.findLast((m) =>
        m.topic === config.topic && JSON.parse(m.payload).device?.serial_number !== undefined
      );
    await waitFor(
      () => withSerial() !== undefined,
      "a discovery config with the serial",
      ARRIVAL_MS,
    );
    const device = JSON.parse(withSerial()?.payload ?? "{}").device;
    assertEquals(
      [device?.serial_number, device?.manufacturer],
      ["30137181", "Landis+Gyr"],
    );
    assertOk(!smr.stderr().includes("ERROR"), smr.stderr());
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});

Deno.test("dlms: a wrong key gives alert, one clear log line and no value", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const wrong = "00112233445566778899AABBCCDDEEFF";
  const smr = startSmr({
    args: ["--env", "dlms"],
    env: dlmsEnv(pty.device, broker.url, { SMR_METER__KEY: wrong }),
  });
  try {
    await smr.waitForLog("connected to", STARTUP_MS);
    const play = player(pty, 13);
    for (let i = 0; i < 5; i++) {
      await play(i === 0 ? NOE_WIRE : noeLater(15 + i, i, 0x0200 + i));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await cap.waitFor(`${BASE}/$state`, "alert", ARRIVAL_MS);
    await smr.waitForLog("decryption failed for meter dlms: check meter.key", ARRIVAL_MS);
    await cap.waitFor(`${BASE}/status/rejected-decryption`, "5", ARRIVAL_MS);
    const lines = smr.stderr().split("\n").filter((l) => l.includes("decryption failed"));
    assertEquals(lines.length, 1, smr.stderr());
    assertOk(!smr.stderr().includes(wrong) && !smr.stderr().includes(NOE_KEY), "a key was logged");
    const retained = await retainedSnapshot(broker.url, `${BASE}/#`);
    const values = [...retained.keys()].filter((t) =>
      /^homie\/dlms-electricity\/(import|export|power|reactive|l[123]|meter)\//.test(t)
    );
    assertEquals(values, []);
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});
