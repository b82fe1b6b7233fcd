import { assertEquals, assertMatch, assertOk, unwrap } from "../../assert.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import type { Result } from "../../../src/result.ts";
import { HdlcFramer, parseHdlcFrame } from "../../../src/meters/dlms/hdlc.ts";
import { hdlcFrame, hdlcSegments } from "./build.ts";
import { seededRandom } from "../../random.ts";
import { dlmsVector } from "./vectors.ts";

function apdu(length: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

function outcome(results: Result<Uint8Array>[]): string[] {
  return results.map((r) =>
    r.ok ? `apdu ${r.value.length}` : `${r.error.reason}: ${r.error.message}`
  );
}

const LLC = decodeHex("e6e700");

Deno.test("parseHdlcFrame checks format, addresses, HCS and FCS", () => {
  const wire = dlmsVector("at_burgenland_landisgyr-e450_gh501-1_hdlc").wire!;
  const frame = unwrap(parseHdlcFrame(wire));
  assertEquals(
    [
      encodeHex(frame.destination),
      encodeHex(frame.source),
      frame.control,
      frame.segmented,
      frame.bytes.length,
    ],
    ["ceff", "03", 0x13, false, 0x76],
  );
  assertEquals(encodeHex(frame.info.subarray(0, 5)), "e6e700db08");
  const fcs = wire.slice();
  fcs[60] ^= 1;
  const damaged = parseHdlcFrame(fcs);
  assertOk(!damaged.ok);
  assertEquals(damaged.error, { reason: "crc", message: "HDLC frame check sequence mismatch" });
  const hcs = wire.slice();
  hcs[4] ^= 1;
  assertOk(!parseHdlcFrame(hcs).ok);
  assertMatch(
    (parseHdlcFrame(wire.subarray(0, 50)) as { error: { message: string } }).error.message,
    /truncated/,
  );
  assertOk(!parseHdlcFrame(concat(wire, Uint8Array.of(0x7e))).ok);
});

Deno.test("frames of 1- to 4-byte addresses, and a frame without information field", () => {
  for (const destination of [[0x41], [0x02, 0x23], [0x00, 0x02, 0x00, 0x23]]) {
    const frame = unwrap(parseHdlcFrame(hdlcFrame(decodeHex("e6e700aa"), { destination })));
    assertEquals(encodeHex(frame.destination), encodeHex(Uint8Array.from(destination)));
    assertEquals(encodeHex(frame.info), "e6e700aa");
  }
  const empty = unwrap(parseHdlcFrame(hdlcFrame(new Uint8Array(0))));
  assertEquals(empty.info.length, 0);
  assertOk(!parseHdlcFrame(hdlcFrame(LLC, { destination: [0, 0, 0, 0, 1] })).ok);
});

Deno.test("one frame gives its APDU without the LLC header", () => {
  const framer = new HdlcFramer();
  const results = framer.push(hdlcFrame(concat(LLC, decodeHex("0f00000001000100"))));
  assertEquals(encodeHex(unwrap(results[0])), "0f00000001000100");
  assertEquals(framer.stats, { frames: 1, apdus: 1, rejected: 0, skippedBytes: 0 });
});

Deno.test("segmented frames (A8 … A0) reassemble; UI and I-frames", () => {
  const data = apdu(1000, 2);
  for (const iFrames of [false, true]) {
    const segments = hdlcSegments(data, 230, iFrames);
    assertEquals(segments.map((s) => s[1] & 0xf8), [0xa8, 0xa8, 0xa8, 0xa8, 0xa0]);
    const results = new HdlcFramer().push(concat(...segments));
    assertEquals(results.length, 1);
    assertEquals(encodeHex(unwrap(results[0])), encodeHex(data));
  }
});

Deno.test("a lost last segment or an I-frame out of sequence drops the APDU", () => {
  const first = hdlcSegments(apdu(500, 3), 200);
  const other = hdlcSegments(apdu(50, 4), 200);
  assertEquals(outcome(new HdlcFramer().push(concat(first[0], first[1], ...other))), [
    "framing: HDLC an APDU's last segment is missing; APDU dropped",
    "apdu 50",
  ]);
  const iFrames = hdlcSegments(apdu(500, 5), 200, true);
  assertEquals(outcome(new HdlcFramer().push(concat(iFrames[0], iFrames[2], ...other))), [
    "framing: HDLC an I-frame segment is out of sequence; APDU dropped",
    "apdu 50",
  ]);
  const small = new HdlcFramer({ maxApduBytes: 300 });
  assertEquals(outcome(small.push(concat(...first, ...other))), [
    "framing: HDLC the APDU grows past 300 bytes; APDU dropped",
    "apdu 50",
  ]);
});

Deno.test("continuations whose first segment was missed are skipped without a rejection", () => {
  const segments = hdlcSegments(apdu(700, 9), 200);
  const framer = new HdlcFramer();
  assertEquals(outcome(framer.push(concat(...segments.slice(1), ...segments))), ["apdu 700"]);
  assertEquals(framer.stats.rejected, 0);
  assertEquals(outcome(framer.push(hdlcFrame(decodeHex("0f00000001000100")))), ["apdu 8"]);
});

Deno.test("without LLC headers, an APDU starts only right after the last segment of another", () => {
  const framer = new HdlcFramer();
  const bare = (n: number) => hdlcFrame(concat(decodeHex("0f000000"), Uint8Array.of(n)));
  assertEquals(outcome(framer.push(concat(bare(1), bare(2), bare(3)))), ["apdu 5", "apdu 5"]);
  assertEquals(outcome(framer.push(concat(decodeHex("55"), bare(4), bare(5)))), ["apdu 5"]);
  assertEquals(framer.stats.skippedBytes, 2 * bare(1).length + 1);
});

Deno.test("frames sharing one flag are both found; FCS errors are crc rejections", () => {
  const a = hdlcFrame(concat(LLC, apdu(30, 6)));
  const b = hdlcFrame(concat(LLC, apdu(40, 7)));
  assertEquals(outcome(new HdlcFramer().push(concat(a, b.subarray(1)))), ["apdu 30", "apdu 40"]);
  const bad = a.slice();
  bad[20] ^= 4;
  assertEquals(outcome(new HdlcFramer().push(concat(bad, b))), [
    "crc: HDLC frame check sequence mismatch; frame skipped",
    "apdu 40",
  ]);
});

Deno.test("a false start with a long length never holds back a complete frame after it", () => {
  const framer = new HdlcFramer();
  const frame = hdlcFrame(concat(LLC, apdu(40, 8)));
  assertEquals(outcome(framer.push(concat(decodeHex("7ea7ff0102"), frame))), ["apdu 40"]);
  assertEquals(framer.stats.skippedBytes, 5);
});

Deno.test("noise and random chunks: every APDU comes out whole and in order", () => {
  const random = seededRandom(0xd1a5_0002);
  const apdus = Array.from({ length: 30 }, (_, i) => apdu(1 + Math.floor(random() * 1500), 50 + i));
  const parts: Uint8Array[] = [];
  for (const one of apdus) {
    const noise = Uint8Array.from(
      { length: Math.floor(random() * 40) },
      () => random() < 0.3 ? 0x7e : random() < 0.3 ? 0xa0 : Math.floor(random() * 256),
    );
    parts.push(noise, ...hdlcSegments(one, 20 + Math.floor(random() * 400), random() < 0.5));
  }
  const stream = concat(...parts);
  for (const maxChunk of [1, 9, 128, 2100, stream.length]) {
    const framer = new HdlcFramer();
    const got: string[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + Math.floor(random() * maxChunk);
      for (const r of framer.push(stream.subarray(at, at + size))) {
        if (r.ok) got.push(encodeHex(r.value));
      }
      at += size;
    }
    assertEquals(got, apdus.map(encodeHex), `chunks up to ${maxChunk}`);
  }
});
