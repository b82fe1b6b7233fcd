import { assertEquals, assertOk, assertThrows, unwrap } from "../../assert.ts";
import { concat, decodeHex, latin1 } from "../../../src/bytes.ts";
import { bcc } from "../../../src/meters/d0/readout.ts";
import { D0StreamDecoder } from "../../../src/meters/d0/decoder.ts";
import type { StreamDecoder } from "../../../src/meters/stream_meter.ts";

const HERE = new URL("../../testdata/d0/", import.meta.url);

/** The ACE readout copied into the project: decodes without ../shared. */
const ACE = decodeHex(
  Deno.readTextFileSync(new URL("actaris-ace_mode-c_smartmeter-obis.hex", HERE)),
);

const Q3D = latin1(
  "/ESY5Q3DA1024 V3.03\r\n\r\n1-0:0.0.0*255(111940207)\r\n1-0:1.8.0*255(00000000.7801269*kWh)\r\n" +
    "1-0:1.7.255*255(-000142.30*W)\r\n0-0:96.1.255*255(1ESY1127000167)\r\n!\r\n",
);

Deno.test("the copied ACE vector decodes to the values its source asserts", () => {
  const decoder = new D0StreamDecoder();
  const [decoded] = [...decoder.push(ACE), ...decoder.flush()].map(unwrap);
  const total = decoded.values.find((v) => v.node === "import" && v.property === "total");
  assertEquals([total?.value, total?.unit], ["285.4", "kWh"]);
  assertEquals(decoded.values.find((v) => v.property === "error")?.value, "00");
  assertEquals(decoded.info, {
    manufacturer: "Actaris",
    model: "k260V01.18",
    serial: "1234567890123456",
  });
});

Deno.test("the decoder plugs into StreamMeter and decodes a push stream in any chunks", () => {
  const decoder: StreamDecoder = new D0StreamDecoder();
  const stream = concat(latin1("\x00\xff noise"), Q3D, Q3D);
  let count = 0;
  for (let at = 0; at < stream.length; at += 7) {
    const results = decoder.push(stream.subarray(at, at + 7));
    assertOk(!(results instanceof Promise));
    for (const result of results) {
      const decoded = unwrap(result);
      assertEquals(decoded.values.map((v) => `${v.property}=${v.value}`), [
        "total=0.7801269",
        "import=0",
        "export=142.30",
      ]);
      assertEquals(decoded.info?.serial, "1ESY1127000167");
      count++;
    }
  }
  assertEquals(count, 2);
});

Deno.test("a block with a wrong BCC is a crc rejection; a cut readout a framing one", () => {
  const data = "F.F(00)\r\n1.8.0(000285.4*kWh)\r\n!\r\n\x03";
  const check = bcc(latin1(data));
  const good = latin1(`/ACE0\r\n\x02${data}${String.fromCharCode(check)}`);
  const bad = latin1(`/ACE0\r\n\x02${data}${String.fromCharCode(check ^ 0x40)}`);
  const decoder = new D0StreamDecoder();
  const results = decoder.push(concat(good, bad, latin1("/ACE0\r\n1.8.0(1"), good));
  assertEquals(results.map((r) => r.ok ? "ok" : r.error.reason), ["ok", "crc", "framing", "ok"]);
  assertEquals(decoder.stats, { readouts: 3, rejected: 1, skippedBytes: 0 });
  assertThrows(() => new D0StreamDecoder({ maxBytes: 1 }));
});
