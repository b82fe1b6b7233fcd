import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { concat } from "../../../src/bytes.ts";
import type { Result } from "../../../src/result.ts";
import type { StreamDecoder } from "../../../src/meters/stream_meter.ts";
import { SmlDecoder, type SmlFrameDecoded } from "../../../src/meters/sml/decoder.ts";
import { encodeSmlFrame, SmlFramer } from "../../../src/meters/sml/transport.ts";
import { seededRandom } from "../../random.ts";
import { CLOSE_RESPONSE, entry, message, signed, smlFile } from "./build.ts";
import { testdataFrame } from "./vectors.ts";

const EMH = testdataFrame();
const KERMIT = encodeSmlFrame(unwrap(new SmlFramer().push(EMH)[0]).payload, "kermit");
/** A Holley-like frame: KERMIT CRC, power exported (16.7.0 negative). */
const EXPORTING = encodeSmlFrame(
  smlFile("0a01484c5902000424a0", [
    entry({ obis: "0100010800ff", unit: 30, scaler: -1, value: signed(44998962, 4) }),
    entry({ obis: "0100100700ff", unit: 27, scaler: -1, value: signed(-1772, 2) }),
  ]),
  "kermit",
);
const FRAMES = [EMH, KERMIT, EXPORTING];

function summary(results: Result<SmlFrameDecoded>[]): string[] {
  return results.map((r) =>
    r.ok ? `${r.value.info.serial ?? "-"} ${r.value.values.length} ${r.value.crc}` : r.error.reason
  );
}

Deno.test("the decoder is a StreamDecoder a driver can hand to StreamMeter", () => {
  const decoder: StreamDecoder = new SmlDecoder();
  const out = decoder.push(EMH) as Result<SmlFrameDecoded>[];
  const { values, info } = unwrap(out[0]);
  assertEquals(info, { manufacturer: "EMH", serial: "1EMH0004321349" });
  assertEquals(values.map((v) => `${v.node}/${v.property}=${v.value} ${v.unit}`), [
    "import/total=15338.5557 kWh",
    "import/t1=15338.5557 kWh",
    "import/t2=0.0000 kWh",
    "power/import=563.5 W",
    "power/export=0 W",
  ]);
});

Deno.test("random chunks with noise between frames decode every frame once, in order", () => {
  const random = seededRandom(0x5a1_0002);
  const int = (n: number) => Math.floor(random() * n);
  const noise = () =>
    Uint8Array.from({ length: int(40) }, () => [0x1b, 0x01, 0x1a, int(256)][int(4)]);
  for (let n = 0; n < 50; n++) {
    const picks = Array.from({ length: 5 }, () => FRAMES[int(FRAMES.length)]);
    const stream = concat(...picks.flatMap((frame) => [noise(), frame]), noise());
    const decoder = new SmlDecoder();
    const out: Result<SmlFrameDecoded>[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + int(64);
      out.push(...decoder.push(stream.subarray(at, at + size)));
      at += size;
    }
    out.push(...decoder.flush());
    const expected = picks.map((frame) => summary(new SmlDecoder().push(frame))[0]);
    assertEquals(summary(out), expected, `case ${n}`);
  }
});

Deno.test("a broken transport CRC gives a crc rejection and no values", () => {
  const broken = EMH.slice();
  broken[200] ^= 0x01;
  const decoder = new SmlDecoder();
  assertEquals(summary(decoder.push(broken)), ["crc"]);
  assertEquals(summary(decoder.push(EMH)), ["1EMH0004321349 5 x25"]);
  assertEquals(decoder.framer.stats, { frames: 1, rejected: 1, skippedBytes: EMH.length });
});

Deno.test("a frame whose messages do not decode is a decode rejection", () => {
  const decoder = new SmlDecoder();
  assertEquals(summary(decoder.push(encodeSmlFrame(Uint8Array.of(0x76, 0x01)))), ["decode"]);
  assertEquals(summary(decoder.push(encodeSmlFrame(message(0x0201, CLOSE_RESPONSE)))), ["decode"]);
});

Deno.test("the KERMIT variant is found without configuration and reported", () => {
  const decoder = new SmlDecoder();
  const out = decoder.push(concat(EXPORTING, EMH, EXPORTING));
  assertEquals(summary(out), [
    "1HLY0200271520 3 kermit",
    "1EMH0004321349 5 x25",
    "1HLY0200271520 3 kermit",
  ]);
  assertEquals(decoder.framer.crc, "kermit");
  const values = unwrap(out[0]).values.map((v) => `${v.node}/${v.property}=${v.value}`);
  assertEquals(values, ["import/total=4499.8962", "power/import=0", "power/export=177.2"]);
  assertOk(summary(new SmlDecoder({ crc: "x25" }).push(EXPORTING))[0] === "crc");
  assertEquals(summary(new SmlDecoder().push(KERMIT)), ["1EMH0004321349 5 kermit"]);
});
