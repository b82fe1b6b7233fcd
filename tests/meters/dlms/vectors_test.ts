/**
 * Every vector of shared/vectors/dlms against what its JSON records: the
 * values its source asserts (`expected`) and what was decoded beside it
 * (`decoded_here`), the framing facts, the ciphering header and the exact
 * plaintext. Framing-only and keyless vectors are checked as far as they go.
 */
import { assertEquals, assertMatch, assertOk, unwrap } from "../../assert.ts";
import { encodeHex } from "../../../src/bytes.ts";
import { GloCipher } from "../../../src/meters/glo_cipher.ts";
import { type CosemData, readData } from "../../../src/meters/dlms/axdr.ts";
import { parseCipheredApdu } from "../../../src/meters/dlms/ciphered.ts";
import { parseTransferBlock } from "../../../src/meters/dlms/gbt.ts";
import { type HdlcFrame, HdlcFramer } from "../../../src/meters/dlms/hdlc.ts";
import { type MbusFrame, MbusFramer } from "../../../src/meters/dlms/mbus.ts";
import { parseNotification } from "../../../src/meters/dlms/notification.ts";
import { type DlmsPush, type DlmsRegister, pushValues } from "../../../src/meters/dlms/payload.ts";
import { type DlmsDecoded, DlmsReader } from "../../../src/meters/dlms/reader.ts";
import {
  type DlmsVector,
  dlmsVector,
  dlmsVectors,
  type FrameFacts,
  obisOfJson,
  wallClockOfJson,
} from "./vectors.ts";

const VECTORS = dlmsVectors();

function framingOf(vector: DlmsVector): "mbus" | "hdlc" {
  return vector.name.includes("hdlc") ? "hdlc" : "mbus";
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, "0").toUpperCase();
}

/** The one push a keyed vector decodes to. */
function decodeVector(vector: DlmsVector, withAuthKey = false): DlmsDecoded {
  const reader = new DlmsReader({
    framing: framingOf(vector),
    key: vector.key,
    authKey: withAuthKey ? vector.authKey : undefined,
  });
  const results = reader.push(vector.wire!);
  assertEquals(results.length, 1, vector.name);
  return unwrap(results[0]);
}

function register(registers: DlmsRegister[], obis: string): DlmsRegister {
  const found = registers.find((r) => r.obis === obis);
  assertOk(found, `no register ${obis}`);
  return found;
}

/** Checks the `expected.values` a source asserts: `{obis: [value, unit]}`. */
function assertExpected(vector: DlmsVector, registers: DlmsRegister[]): number {
  const values: Record<string, [string, string]> = vector.json.expected?.values ?? {};
  for (const [code, [value, unit]] of Object.entries(values)) {
    const found = register(registers, obisOfJson(code));
    assertEquals([found.value, found.unit ?? ""], [value, unit], `${vector.name} ${code}`);
  }
  return Object.keys(values).length;
}

/** Checks the `decoded_here` registers, clock and meter number of a vector. */
function assertDecodedHere(vector: DlmsVector, push: DlmsPush): void {
  for (const item of vector.json.decoded_here ?? []) {
    if (item.obis === null || item.obis === undefined) {
      if (item.datetime) {
        assertEquals(push.meterTime?.slice(0, 19), wallClockOfJson(item.datetime), vector.name);
      } else if (item.ascii) {
        assertEquals(push.serial, item.ascii, vector.name);
      }
      continue;
    }
    const found = register(push.registers, obisOfJson(item.obis));
    if (item.datetime) assertEquals(found.value.slice(0, 19), wallClockOfJson(item.datetime));
    else if (item.ascii) assertEquals(found.value, item.ascii);
    else if (item.value === undefined) assertEquals(found.value, String(item.raw), item.obis);
    else assertEquals([found.value, found.unit ?? ""], [item.value, item.unit], item.obis);
  }
}

Deno.test("the folder holds the vectors the README lists (gh501-2 is not there)", () => {
  assertEquals(VECTORS.map((v) => v.name), [
    "at_burgenland_landisgyr-e450_gh501-1_hdlc",
    "at_landisgyr-e450_energyagent_hdlc-gbt",
    "at_netznoe_kaifa-ma309m_doc-example",
    "at_netznoe_kaifa-ma309m_real_unresolved",
    "at_netznoe_sagemcom-t210d_L01-quirk_unresolved",
    "at_netznoe_sagemcom-t210d_energyagent",
    "at_salzburgnetz_doc-example_nokey",
    "at_salzburgnetz_kaifa-ma309m_plain-apdu",
    "at_tinetz_kaifa-ma309_doc-example",
    "pl_stoen_kaifa-ma309_gh905",
    "xx_kaifa-ma309m_gurux18232_nokey",
  ]);
});

Deno.test("M-Bus vectors: every frame's L, C, A, CI and checksum as the JSON records", () => {
  const mbus = VECTORS.filter((v) => v.wire && framingOf(v) === "mbus");
  assertEquals(mbus.length, 8);
  for (const vector of mbus) {
    const frames: MbusFrame[] = [];
    const framer = new MbusFramer({ onFrame: (frame) => frames.push(frame) });
    const apdus = framer.push(vector.wire!);
    const facts: FrameFacts[] = vector.json.wire.frames;
    assertEquals(frames.length, facts.length, vector.name);
    for (const [i, fact] of facts.entries()) {
      const frame = frames[i];
      assertEquals(
        [
          hex2(frame.bytes[1]),
          hex2(frame.control),
          hex2(frame.address),
          hex2(frame.ci),
          hex2(frame.bytes[frame.bytes.length - 2]),
          frame.bytes.length,
          frame.data.length + 5,
          frame.stsap,
          frame.dtsap,
        ],
        [
          fact.L_field,
          fact.C,
          fact.A,
          fact.CI,
          fact.checksum_given,
          fact.total_bytes,
          fact.payload_bytes + 5,
          1,
          0x67,
        ],
        `${vector.name} frame ${i}`,
      );
    }
    assertEquals(apdus.length, 1, vector.name);
    const apdu = unwrap(apdus[0]);
    assertEquals(apdu.length, vector.json.apdu.bytes, vector.name);
    assertEquals(framer.stats, { frames: facts.length, apdus: 1, rejected: 0, skippedBytes: 0 });
  }
});

Deno.test("ciphered vectors: system title, security control, counter and length as recorded", () => {
  for (const vector of VECTORS.filter((v) => v.wire && v.json.apdu?.tag === "DB")) {
    const apdu = unwrap(new MbusFramer().push(vector.wire!)[0]);
    const ciphered = unwrap(parseCipheredApdu(apdu));
    const facts = vector.json.apdu;
    assertEquals(
      [
        encodeHex(ciphered.systemTitle),
        hex2(ciphered.securityControl).toLowerCase(),
        ciphered.frameCounter.toString(16).padStart(8, "0"),
        ciphered.ciphertext.length,
        ciphered.tag !== undefined,
      ],
      [
        facts.system_title,
        facts.security_control,
        facts.frame_counter,
        facts.ciphertext_bytes,
        facts.gcm_tag_present,
      ],
      vector.name,
    );
  }
});

Deno.test("keyed vectors decrypt to exactly their recorded plaintext", () => {
  const keyed = VECTORS.filter((v) => v.wire && v.key && v.plain && !v.name.includes("gbt"));
  assertEquals(keyed.length, 7);
  for (const vector of keyed) {
    const framer = framingOf(vector) === "mbus" ? new MbusFramer() : new HdlcFramer();
    const ciphered = unwrap(parseCipheredApdu(unwrap(framer.push(vector.wire!)[0])));
    const plain = unwrap(new GloCipher(vector.key!).decrypt(ciphered));
    assertEquals(encodeHex(plain), encodeHex(vector.plain!), vector.name);
  }
});

Deno.test("keyed vectors decode to what their sources assert and to the values decoded beside them", () => {
  let asserted = 0;
  const keyed = VECTORS.filter((v) => v.wire && v.key && !v.name.includes("gbt"));
  for (const vector of keyed) {
    const push = decodeVector(vector);
    asserted += assertExpected(vector, push.registers);
    assertDecodedHere(vector, push);
    const notification = vector.json.data_notification;
    assertEquals(push.invokeId, notification.long_invoke_id_and_priority, vector.name);
    assertEquals(push.systemTitle, vector.json.apdu.system_title);
    assertEquals(push.authenticated, false);
    assertEquals(push.info, { serial: push.serial });
  }
  assertEquals(asserted, 11 + 2 + 1);
});

Deno.test("Netz NÖ Kaifa documentation example: 1.8.0 = 12937 Wh, U L1 = 233.7 V, and its Homie values", () => {
  const vector = dlmsVector("at_netznoe_kaifa-ma309m_doc-example");
  const push = decodeVector(vector);
  assertEquals(push.invokeId, 2147911438);
  assertEquals(push.meterTime, "2021-09-27T09:47:15+02:00");
  assertEquals(push.serial, "181220000009");
  const values = Object.fromEntries(push.values.map((v) => [`${v.node}/${v.property}`, v.value]));
  assertEquals(values, {
    "meter/timestamp": "2021-09-27T09:47:15+02:00",
    "import/total": "12.937",
    "export/total": "0.000",
    "power/import": "0",
    "power/export": "0",
    "power/factor": "1.000",
    "l1/voltage": "233.7",
    "l1/current": "0.00",
    "l2/voltage": "0.0",
    "l2/current": "0.00",
    "l3/voltage": "0.0",
    "l3/current": "0.00",
  });
});

Deno.test("Sagemcom T210-D (EnergyAgent): the 11 raw integers its source asserts", () => {
  const vector = dlmsVector("at_netznoe_sagemcom-t210d_energyagent");
  const push = decodeVector(vector);
  const raw: Record<string, number> = vector.json.expected.values_raw;
  assertEquals(Object.keys(raw).length, 11);
  for (const [label, value] of Object.entries(raw)) {
    const code = label.split(" ")[1];
    const found = register(push.registers, `${code}*255`);
    assertEquals(Number(found.value.replace(".", "")), value, label);
  }
  assertEquals(push.meterTime, "2023-06-09T08:57:55+02:00");
});

Deno.test("Sagemcom T210-D with the 68 01 01 68 first segment decodes through the quirk", () => {
  const vector = dlmsVector("at_netznoe_sagemcom-t210d_L01-quirk_unresolved");
  assertEquals(encodeHex(vector.wire!.subarray(0, 4)), "68010168");
  const push = decodeVector(vector);
  assertEquals(push.serial, "178210431186");
  assertEquals(register(push.registers, "1-0:1.8.0*255"), {
    obis: "1-0:1.8.0*255",
    value: "627660",
    unit: "Wh",
  });
});

Deno.test("Stoen (PL): meter id 1KFM0200169986, and the key works as its 16 ASCII characters", () => {
  const vector = dlmsVector("pl_stoen_kaifa-ma309_gh905");
  assertEquals(new TextDecoder().decode(vector.key), "9CoQ7w5LMFoLS3gJ");
  assertEquals(decodeVector(vector).serial, "1KFM0200169986");
});

Deno.test("L+G E450 Burgenland (HDLC): the GCM tag verifies; meter id 30137181; positional body", () => {
  const vector = dlmsVector("at_burgenland_landisgyr-e450_gh501-1_hdlc");
  const frames: HdlcFrame[] = [];
  const apdus = new HdlcFramer({ onFrame: (f) => frames.push(f) }).push(vector.wire!);
  assertEquals(frames.length, 1);
  assertEquals(hex2(frames[0].bytes[0]) + hex2(frames[0].bytes[1]), vector.json.wire.hdlc_format);
  assertEquals(frames[0].segmented, vector.json.wire.segmentation_bit);
  assertEquals(hex2(frames[0].control).toLowerCase(), vector.json.wire.control);
  assertEquals(apdus.length, 1);
  const push = decodeVector(vector, true);
  assertEquals(push.authenticated, true);
  assertEquals(push.serial, "30137181");
  assertEquals(push.invokeId, vector.json.data_notification.long_invoke_id_and_priority);
  assertEquals(push.meterTime?.slice(0, 19), "2023-03-28T19:11:20");
  assertEquals(push.registers, []);
  const plain = unwrap(parseNotification(vector.plain!));
  const items = (plain.body as { items: CosemData[] }).items;
  const raws = vector.json.decoded_here.map((d: { raw: number | string }) => d.raw);
  assertEquals(
    items.map((item) =>
      "value" in item ? item.value : new TextDecoder().decode((item as { bytes: Uint8Array }).bytes)
    ),
    raws,
  );
});

Deno.test("L+G E450 general-block-transfer: first block only; its prefix holds 1.8.0 = 8684853 Wh and 1.7.0 = 1565 W", () => {
  const vector = dlmsVector("at_landisgyr-e450_energyagent_hdlc-gbt");
  const reader = new DlmsReader({ framing: "hdlc", key: vector.key, authKey: vector.authKey });
  assertEquals(reader.push(vector.wire!), []);
  assertEquals(reader.stats, { frames: 1, apdus: 1, skippedBytes: 0 });

  const block = unwrap(parseTransferBlock(unwrap(new HdlcFramer().push(vector.wire!)[0])));
  const gbt = vector.json.wire.general_block_transfer;
  assertEquals(
    [block.number, block.acknowledged, block.last, block.streaming, block.data.length],
    [gbt.block_number, gbt.acked_block, false, true, gbt.raw_data_length],
  );
  // DB 08 <title> 82 01 03 30 <FC>, then the first ciphertext bytes.
  const data = block.data;
  assertEquals(encodeHex(data.subarray(0, 14)), "db084c475a67737c7ee082010330");
  const prefix = unwrap(
    new GloCipher(vector.key!).decrypt({
      systemTitle: data.subarray(2, 10),
      securityControl: 0x30,
      frameCounter: new DataView(data.buffer, data.byteOffset + 14, 4).getUint32(0),
      ciphertext: data.subarray(18),
    }),
  );
  assertEquals(encodeHex(prefix), encodeHex(vector.plain!));
  assertEquals(prefix.length, vector.json.decryption.plaintext_prefix_bytes);

  // 0F <invoke id> 0C <date-time> 02 21: decode the items the prefix holds.
  assertEquals(encodeHex(prefix.subarray(18, 20)), "0221");
  const items: CosemData[] = [];
  for (let at = 20;;) {
    const item = readData(prefix, at);
    if (!item.ok) break;
    items.push(item.value.data);
    at = item.value.end;
  }
  assertEquals(items.length, 11);
  const push = pushValues({
    invokeId: 555430,
    dateTime: prefix.subarray(6, 18),
    body: { type: "structure", items },
  });
  assertExpected(vector, push.registers);
  assertDecodedHere(vector, push);
  assertEquals(push.meterTime, "2023-08-08T16:08:11+02:00");
});

Deno.test("keyless vectors: the framing is checked and the reader asks for meter.key", () => {
  for (const name of ["at_salzburgnetz_doc-example_nokey", "xx_kaifa-ma309m_gurux18232_nokey"]) {
    const vector = dlmsVector(name);
    assertEquals(vector.key, undefined);
    const results = new DlmsReader({ framing: "mbus" }).push(vector.wire!);
    assertEquals(results.length, 1);
    assertOk(!results[0].ok);
    assertEquals(results[0].error.reason, "decryption");
    assertMatch(results[0].error.message, /sends encrypted pushes: set meter\.key/);
  }
  const salzburg = dlmsVector("at_salzburgnetz_doc-example_nokey");
  const apdu = unwrap(new MbusFramer().push(salzburg.wire!)[0]);
  assertEquals(apdu[10], 0x4d);
  assertEquals(unwrap(parseCipheredApdu(apdu)).ciphertext.length, salzburg.plain!.length);
});

Deno.test("published plaintexts decode: Salzburg documentation and a real Salzburg meter", () => {
  const reader = new DlmsReader({ framing: "mbus" });
  const doc = dlmsVector("at_salzburgnetz_doc-example_nokey");
  const docPush = unwrap(reader.decodeApdu(doc.plain!));
  assertEquals(docPush.invokeId, 21817);
  assertEquals(docPush.meterTime?.slice(0, 19), "2016-09-08T19:13:25");
  assertDecodedHere(doc, docPush);

  const real = dlmsVector("at_salzburgnetz_kaifa-ma309m_plain-apdu");
  const push = unwrap(reader.decodeApdu(real.plain!));
  assertEquals(push.invokeId, 1571480);
  assertEquals(push.meterTime, "2022-11-12T16:54:00+01:00");
  assertEquals(push.serial, "1KFM0200234804");
  assertDecodedHere(real, push);
  assertEquals(push.authenticated, false);
  assertEquals(push.systemTitle, undefined);
});
