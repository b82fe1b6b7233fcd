/**
 * Each driver decodes its vendored vector (tests/testdata/) the way `smr
 * decode` does: a bare clone, without ../shared, runs these.
 */
import { assertEquals } from "../assert.ts";
import { captureBytes, decodeCapture } from "../../src/cli/decode.ts";
import { type Config, validate } from "../../src/config/schema.ts";
import type { Settings } from "../../src/config/layers.ts";

const DATA = new URL("../testdata/", import.meta.url);
const read = (path: string) => Deno.readFileSync(new URL(path, DATA));

function config(meter: Record<string, unknown>): Config {
  const settings: Settings = new Map();
  for (const [key, value] of Object.entries({ device: "/dev/null", ...meter })) {
    settings.set(`meter.${key}`, { value, source: "test" });
  }
  return validate("test", settings);
}

async function decoded(meter: Record<string, unknown>, bytes: Uint8Array) {
  const report = await decodeCapture(config(meter), captureBytes(bytes, "auto"));
  assertEquals(report.problems, []);
  assertEquals(report.readings.length, 1);
  return new Map(report.readings[0].values.map((v) => [`${v.node}/${v.property}`, v.value]));
}

Deno.test("testdata: the dsmr driver decodes its vendored telegram", async () => {
  const values = await decoded({ type: "dsmr" }, read("dsmr/v5_nl_iskra-mt382-1000_dp.txt"));
  assertEquals(values.get("meter/timestamp"), "2017-01-02T19:20:02+01:00");
  assertEquals(values.get("import/total"), "6.825");
  assertEquals(values.get("l3/voltage"), "229.0");
  assertEquals(values.get("gas/volume"), "0.107");
});

Deno.test("testdata: the t210 driver decrypts its vendored frame", async () => {
  const key = new TextDecoder().decode(read("t210/steiermark_shrdzm.key")).trim();
  const values = await decoded({ type: "t210", key }, read("t210/steiermark_shrdzm.hex"));
  assertEquals(values.get("meter/timestamp"), "2021-09-29T11:47:30+02:00");
  assertEquals(values.get("import/total"), "14159.934");
  assertEquals(values.get("power/export"), "1803");
});

Deno.test("testdata: the kamstrup driver decodes its vendored reply", async () => {
  const values = await decoded(
    { type: "kamstrup" },
    read("kamstrup/mc403-tasmota-multi5-stuffed06.hex"),
  );
  assertEquals(values.get("heat/energy"), "55.648");
  assertEquals(values.get("temperature/forward"), "67.25");
  assertEquals(values.get("temperature/return"), "26.91");
});
