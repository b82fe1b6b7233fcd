/**
 * `smr decode` with DLMS push meters: every shared vector through
 * `decodeCapture` and the `dlms` driver, as wire bytes and as a bare APDU,
 * and the problem lines a wrong setting gives.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { captureBytes, decodeCapture } from "../../src/cli/decode.ts";
import { type Config, validate } from "../../src/config/schema.ts";
import type { Settings } from "../../src/config/layers.ts";
import { decodeHex, encodeHex } from "../../src/bytes.ts";
import type { DecodeReport } from "../../src/meters/driver.ts";
import { MbusFramer } from "../../src/meters/dlms/mbus.ts";
import { sharedBytes, sharedText } from "../e2e/p1_frames.ts";
import { type DlmsVector, dlmsVector, dlmsVectors } from "../meters/dlms/vectors.ts";

const WRONG = "00112233445566778899aabbccddeeff";

function config(meter: Record<string, unknown>): Config {
  const settings: Settings = new Map();
  for (const [key, value] of Object.entries({ type: "dlms", device: "/dev/null", ...meter })) {
    settings.set(`meter.${key}`, { value, source: "test" });
  }
  settings.set("sinks", { value: ["dummy"], source: "test" });
  return validate("test", settings);
}

/** The vector's settings: its framing (by its first byte) and the keys it has. */
function settings(vector: DlmsVector, withAuthKey = true): Record<string, unknown> {
  return {
    framing: vector.wire?.[0] === 0x7e ? "hdlc" : "mbus",
    ...(vector.key ? { key: encodeHex(vector.key) } : {}),
    ...(withAuthKey && vector.authKey ? { auth_key: encodeHex(vector.authKey) } : {}),
  };
}

/** The values of a report's only reading, `node/property` → value. */
function values(report: DecodeReport): Map<string, string> {
  assertEquals(report.problems, []);
  assertEquals(report.readings.length, 1);
  return new Map(report.readings[0].values.map((v) => [`${v.node}/${v.property}`, v.value]));
}

/** The first general-block-transfer block of an E450 push, alone: the rest was not published. */
const FIRST_BLOCK_ONLY = "at_landisgyr-e450_energyagent_hdlc-gbt";

Deno.test("decode dlms: every keyed vector decodes through the driver, with and without the authentication key", async () => {
  const keyed = dlmsVectors().filter((v) => v.key && v.wire && v.name !== FIRST_BLOCK_ONLY);
  assertEquals(keyed.length, 7);
  for (const vector of keyed) {
    for (const withAuthKey of vector.authKey ? [false, true] : [false]) {
      const report = await decodeCapture(config(settings(vector, withAuthKey)), vector.wire!);
      assertEquals([report.readings.length, report.problems], [1, []], vector.name);
      assertOk(report.readings[0].values.length > 0, vector.name);
    }
  }
});

Deno.test("decode dlms: the values the sources assert", async () => {
  const decode = async (name: string) => {
    const vector = dlmsVector(name);
    return values(await decodeCapture(config(settings(vector)), vector.wire!));
  };
  const noe = await decode("at_netznoe_kaifa-ma309m_doc-example");
  assertEquals(noe.get("import/total"), "12.937");
  assertEquals(noe.get("l1/voltage"), "233.7");
  assertEquals(noe.get("meter/timestamp"), "2021-09-27T09:47:15+02:00");
  const t210d = await decode("at_netznoe_sagemcom-t210d_energyagent");
  assertEquals(
    ["import/total", "export/total", "power/import", "power/export", "power/factor"].map((k) =>
      t210d.get(k)
    ),
    ["6842.204", "6430.217", "0", "2088", "0.991"],
  );
  assertEquals(
    ["l1", "l2", "l3"].flatMap((l) => [t210d.get(`${l}/voltage`), t210d.get(`${l}/current`)]),
    ["237.3", "3.20", "237.8", "2.73", "239.2", "2.92"],
  );
  const tinetz = await decode("at_tinetz_kaifa-ma309_doc-example");
  assertEquals([tinetz.get("import/total"), tinetz.get("l1/voltage")], ["9.108", "230.8"]);
  // Stoen hands out its key as 16 characters of text, and the driver takes it so.
  const stoen = dlmsVector("pl_stoen_kaifa-ma309_gh905");
  const asText = new TextDecoder().decode(stoen.key);
  assertEquals(asText, "9CoQ7w5LMFoLS3gJ");
  const text = await decodeCapture(config({ key: asText }), stoen.wire!);
  assertEquals(values(text).get("import/total"), "278.041");
  const e450 = await decode("at_burgenland_landisgyr-e450_gh501-1_hdlc");
  assertEquals([...e450], [["meter/timestamp", "2023-03-28T19:11:20+02:00"]]);
});

Deno.test("decode dlms: a bare APDU, plaintext or ciphered, decodes like the frames it came from", async () => {
  let plains = 0;
  for (const vector of dlmsVectors()) {
    if (!vector.plain || vector.name === FIRST_BLOCK_ONLY) continue;
    assertEquals(vector.plain[0], 0x0f, vector.name);
    // A plaintext needs no key, and the keys of the environment do not stop it.
    const plain = values(await decodeCapture(config(settings(vector)), vector.plain));
    const bare = values(await decodeCapture(config({ framing: "mbus" }), vector.plain));
    assertEquals(bare, plain, vector.name);
    if (vector.key && vector.wire) {
      const wire = values(await decodeCapture(config(settings(vector)), vector.wire));
      assertEquals(plain, wire, vector.name);
    }
    plains++;
  }
  assertEquals(plains, 9);
  const salzburg = dlmsVector("at_salzburgnetz_kaifa-ma309m_plain-apdu");
  const hex = new TextEncoder().encode(encodeHex(salzburg.plain!).replace(/(..)/g, "$1 "));
  const report = await decodeCapture(config({}), captureBytes(hex, "auto"));
  assertEquals(values(report).get("import/total"), "1327.456");

  const noe = dlmsVector("at_netznoe_kaifa-ma309m_doc-example");
  const [apdu] = new MbusFramer().push(noe.wire!);
  assertOk(apdu.ok);
  assertEquals(apdu.value.subarray(0, 2), Uint8Array.of(0xdb, 0x08));
  const ciphered = await decodeCapture(config(settings(noe)), apdu.value);
  assertEquals(values(ciphered).get("import/total"), "12.937");
  const wrong = await decodeCapture(config({ key: WRONG }), apdu.value);
  assertEquals(wrong.readings, []);
  assertMatch(
    wrong.problems[0],
    /^APDU: decryption: decryption failed for meter test: check meter.key/,
  );
  assertEquals(wrong.problems.length, 1);
});

Deno.test("decode dlms: a wrong key names meter.key, a wrong authentication key meter.auth_key", async () => {
  for (const vector of dlmsVectors().filter((v) => v.key && v.wire && !v.authKey)) {
    const report = await decodeCapture(config({ ...settings(vector), key: WRONG }), vector.wire!);
    assertEquals(report.readings, [], vector.name);
    assertEquals(report.problems.length, 1, vector.name);
    assertMatch(
      report.problems[0],
      /^frame 1: decryption: decryption failed for meter test: check meter\.key \(the encryption key, not the authentication key\)$/,
    );
  }
  const e450 = dlmsVector("at_burgenland_landisgyr-e450_gh501-1_hdlc");
  const wrongAuth = await decodeCapture(
    config({ ...settings(e450), auth_key: WRONG }),
    e450.wire!,
  );
  assertEquals(wrongAuth.readings, []);
  assertMatch(
    wrongAuth.problems[0],
    /^frame 1: tag: .*the encryption key decrypts, so check meter\.auth_key/,
  );
  const swapped = await decodeCapture(
    config({
      framing: "hdlc",
      key: encodeHex(e450.authKey!),
      auth_key: encodeHex(e450.key!),
    }),
    e450.wire!,
  );
  assertMatch(swapped.problems[0], /check meter\.key \(the encryption key\) and meter\.auth_key/);
  assertMatch(swapped.problems[0], /swapped keys fail like this/);
  // Without the authentication key the E450's tag is not checked, and a wrong key still shows.
  const wrongKey = await decodeCapture(config({ framing: "hdlc", key: WRONG }), e450.wire!);
  assertMatch(wrongKey.problems[0], /check meter\.key/);
});

Deno.test("decode dlms: a vector without a published key names meter.key", async () => {
  const nokey = dlmsVectors().filter((v) => v.wire && !v.key);
  assertEquals(nokey.map((v) => v.name), [
    "at_salzburgnetz_doc-example_nokey",
    "xx_kaifa-ma309m_gurux18232_nokey",
  ]);
  for (const vector of nokey) {
    const report = await decodeCapture(config(settings(vector)), vector.wire!);
    assertEquals(report.readings, []);
    assertEquals(
      report.problems,
      ["frame 1: decryption: meter test sends encrypted pushes: set meter.key"],
      vector.name,
    );
  }
});

Deno.test("decode dlms: the wrong framing, a push cut short and bytes of no push say what to do", async () => {
  const noe = dlmsVector("at_netznoe_kaifa-ma309m_doc-example");
  const hdlc = await decodeCapture(config({ ...settings(noe), framing: "hdlc" }), noe.wire!);
  assertEquals(hdlc.problems, [
    'no HDLC frame found (a frame starts with 7E A0 or 7E A8): if the capture is M-Bus (68 L L 68), set meter.framing = "mbus"',
  ]);
  const e450 = dlmsVector("at_burgenland_landisgyr-e450_gh501-1_hdlc");
  const mbus = await decodeCapture(config({ ...settings(e450), framing: "mbus" }), e450.wire!);
  assertMatch(mbus.problems[0], /^no M-Bus frame found .*set meter\.framing = "hdlc"$/);

  // One M-Bus segment of two, and the first general-block-transfer block alone.
  const first = await decodeCapture(config(settings(noe)), noe.wire!.subarray(0, 256));
  assertEquals(first.problems, [
    "1 valid frame, but no complete push: the capture ends before the last segment or block of a push; capture a longer stretch",
  ]);
  const gbt = dlmsVector(FIRST_BLOCK_ONLY);
  const block = await decodeCapture(config(settings(gbt)), gbt.wire!);
  assertEquals(block.readings, []);
  assertMatch(block.problems[0], /^1 valid frame, but no complete push/);

  const text = await decodeCapture(config({}), new TextEncoder().encode("hello"));
  assertMatch(text.problems[0], /^no M-Bus frame found/);
  // A truncated bare APDU is a decode problem, not a crash.
  const cut = await decodeCapture(config({}), noe.plain!.subarray(0, 40));
  assertMatch(cut.problems[0], /^APDU: decode: /);
});

Deno.test("decode dlms: pushes back to back with noise decode one reading each", async () => {
  const noe = dlmsVector("at_netznoe_kaifa-ma309m_doc-example");
  const noise = decodeHex("00ff6816ffaa68");
  const stream = new Uint8Array([...noise, ...noe.wire!, ...noise, ...noe.wire!, ...noise]);
  const report = await decodeCapture(config(settings(noe)), stream);
  assertEquals([report.readings.length, report.problems], [2, []]);
});

Deno.test("decode dlms: a T210-D-r P1 frame in a dlms environment, and a plaintext APDU in a dsmr one, are hinted", async () => {
  const t210 = captureBytes(sharedBytes("t210/steiermark_shrdzm.hex"), "auto");
  const report = await decodeCapture(
    config({ key: sharedText("t210/steiermark_shrdzm.key").trim() }),
    t210,
  );
  assertEquals(report.readings, []);
  assertMatch(report.problems[0], /^APDU: decryption: .*check meter\.key/);
  assertMatch(report.problems[0], /use a t210 environment$/);
  const settings: Settings = new Map([
    ["meter.type", { value: "dsmr", source: "test" }],
    ["meter.device", { value: "/dev/null", source: "test" }],
    ["sinks", { value: ["dummy"], source: "test" }],
  ]);
  const plain = dlmsVector("at_netznoe_kaifa-ma309m_doc-example").plain!;
  const dsmr = await decodeCapture(validate("test", settings), plain);
  assertMatch(dsmr.problems[0], /use a dlms environment$/);
});
