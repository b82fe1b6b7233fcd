import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { captureBytes, decodeCapture } from "../../src/cli/decode.ts";
import { type Config, validate } from "../../src/config/schema.ts";
import type { Settings } from "../../src/config/layers.ts";
import { sharedBytes, sharedText } from "../e2e/p1_frames.ts";
import { decodeHex } from "../../src/bytes.ts";

function config(type: string, meter: Record<string, unknown> = {}): Config {
  const settings: Settings = new Map();
  for (
    const [key, value] of Object.entries({ type, interval: 10, device: "/dev/null", ...meter })
  ) {
    settings.set(`meter.${key}`, { value, source: "test" });
  }
  if (type === "dummy") settings.delete("meter.device");
  settings.set("sinks", { value: ["dummy"], source: "test" });
  return validate("test", settings);
}

const key = (name: string) => sharedText(`t210/${name}`).trim();

Deno.test("decode: hex and raw captures are told apart", () => {
  assertEquals(captureBytes(new TextEncoder().encode("db 08\n0a"), "auto"), decodeHex("db080a"));
  assertEquals(captureBytes(Uint8Array.of(0xdb, 0x08), "auto"), Uint8Array.of(0xdb, 0x08));
});

Deno.test("decode: every keyed T210 vector decodes, with and without the tag check", async () => {
  for (const name of ["steiermark_shrdzm", "lux_nexxtlab", "synthetic_dlmscosem_t210"]) {
    const frame = captureBytes(sharedBytes(`t210/${name}.hex`), "auto");
    const plain = await decodeCapture(config("t210", { key: key(`${name}.key`) }), frame);
    assertEquals(plain.problems, [], name);
    assertEquals(plain.readings.length, 1, name);
  }
  const synthetic = captureBytes(sharedBytes("t210/synthetic_dlmscosem_t210.hex"), "auto");
  const tagged = await decodeCapture(
    config("t210", {
      key: key("synthetic_dlmscosem_t210.key"),
      auth_key: key("synthetic_dlmscosem_t210.ak"),
    }),
    synthetic,
  );
  assertEquals(tagged.problems, []);
  const total = tagged.readings[0].values.find((v) =>
    v.node === "import" && v.property === "total"
  );
  assertEquals(total?.value, "6545.766");
});

Deno.test("decode: the stream with a cut-off frame yields one reading and names the rejected frame", async () => {
  const stream = captureBytes(sharedBytes("t210/stream_resync_steiermark.hex"), "auto");
  const report = await decodeCapture(config("t210", { key: key("steiermark_shrdzm.key") }), stream);
  assertEquals(report.readings.length, 1);
  assertEquals(report.problems.length, 1);
  assertMatch(
    report.problems[0],
    /^frame at byte 13: decrypted, but the telegram fails its framing check/,
  );
});

Deno.test("decode: wrong and swapped keys are diagnosed", async () => {
  const frame = captureBytes(sharedBytes("t210/synthetic_dlmscosem_t210.hex"), "auto");
  const wrong = await decodeCapture(
    config("t210", { key: "00112233445566778899aabbccddeeff" }),
    frame,
  );
  assertEquals(wrong.readings, []);
  assertMatch(wrong.problems[0], /decryption failed for meter test: check meter.key/);
  assertMatch(wrong.problems[0], /diagnosis: the encryption key does not decrypt the frame/);
  const swapped = await decodeCapture(
    config("t210", {
      key: key("synthetic_dlmscosem_t210.ak"),
      auth_key: key("synthetic_dlmscosem_t210.key"),
    }),
    frame,
  );
  assertMatch(swapped.problems[0], /diagnosis: the keys are swapped/);
});

Deno.test("decode: DSMR vectors decode, bad CRCs are named, a wrong meter type is hinted", async () => {
  const good = await decodeCapture(
    config("dsmr"),
    sharedBytes("dsmr/v5_nl_iskra-mt382-1000_dp.txt"),
  );
  assertEquals([good.readings.length, good.problems], [1, []]);
  const bad = await decodeCapture(
    config("dsmr"),
    sharedBytes("dsmr/nonconforming/v4.2.2_nl_spec-example_at_BADCRC.txt"),
  );
  assertEquals(bad.readings, []);
  assertMatch(bad.problems[0], /^telegram 1: crc: /);
  const encrypted = await decodeCapture(
    config("dsmr"),
    captureBytes(sharedBytes("t210/steiermark_shrdzm.hex"), "auto"),
  );
  assertMatch(encrypted.problems[0], /use a t210 environment/);
  const plain = await decodeCapture(
    config("t210", { key: key("steiermark_shrdzm.key") }),
    sharedBytes("dsmr/v5_nl_iskra-mt382-1000_dp.txt"),
  );
  assertMatch(plain.problems[0], /use a dsmr environment/);
  assertOk(plain.readings.length === 0);
});
