import { assertEquals, assertMatch, assertOk, unwrap } from "../../assert.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import type { Result } from "../../../src/result.ts";
import { MbusFramer, parseMbusFrame } from "../../../src/meters/dlms/mbus.ts";
import { mbusFrame, mbusSegments } from "./build.ts";
import { seededRandom } from "../../random.ts";

function apdu(length: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

function outcome(results: Result<Uint8Array>[]): string[] {
  return results.map((r) =>
    r.ok ? `apdu ${r.value.length}` : `${r.error.reason}: ${r.error.message}`
  );
}

Deno.test("parseMbusFrame reads one frame and says what is wrong with others", () => {
  const frame = mbusFrame(0x10, decodeHex("0f00000001000100"));
  const parsed = unwrap(parseMbusFrame(frame));
  assertEquals(
    [parsed.length, parsed.control, parsed.address, parsed.ci, parsed.stsap, parsed.dtsap],
    [13, 0x53, 0xff, 0x10, 0x01, 0x67],
  );
  assertEquals(encodeHex(parsed.data), "0f00000001000100");
  const bad = frame.slice();
  bad[10] ^= 1;
  assertEquals(parseMbusFrame(bad).ok ? "" : parseMbusFrame(bad), {
    ok: false,
    error: { reason: "crc", message: "M-Bus frame checksum mismatch" },
  });
  const noStop = frame.slice();
  noStop[noStop.length - 1] = 0x17;
  assertMatch(unwrapError(parseMbusFrame(noStop)), /stop byte wrong/);
  assertMatch(unwrapError(parseMbusFrame(frame.subarray(0, 10))), /truncated M-Bus frame: 10/);
  assertMatch(unwrapError(parseMbusFrame(concat(frame, Uint8Array.of(0)))), /but 20 were given/);
  assertMatch(unwrapError(parseMbusFrame(decodeHex("68030368"))), /not an M-Bus long frame/);
  assertMatch(unwrapError(parseMbusFrame(decodeHex("68050668"))), /not an M-Bus long frame/);
});

function unwrapError<T>(result: Result<T>): string {
  assertOk(!result.ok);
  return `${result.error.reason}: ${result.error.message}`;
}

Deno.test("a single frame (CI 10) and two segments (CI 00, 11) give one APDU each", () => {
  const framer = new MbusFramer();
  const small = apdu(60);
  assertEquals(outcome(framer.push(mbusFrame(0x10, small))), ["apdu 60"]);
  const large = apdu(300, 2);
  const segments = mbusSegments(large);
  assertEquals(segments.map((s) => s[6]), [0x00, 0x11]);
  const results = framer.push(concat(...segments));
  assertEquals(encodeHex(unwrap(results[0])), encodeHex(large));
  assertEquals(framer.stats, { frames: 3, apdus: 2, rejected: 0, skippedBytes: 0 });
});

Deno.test("sixteen segments reassemble in order", () => {
  const large = apdu(16 * 245, 3);
  const segments = mbusSegments(large);
  assertEquals(segments.length, 16);
  assertEquals(segments.at(-1)![6], 0x1f);
  const results = new MbusFramer().push(concat(...segments));
  assertEquals(encodeHex(unwrap(results[0])), encodeHex(large));
});

Deno.test("a missing, repeated or out-of-order segment drops the APDU with one rejection", () => {
  const [s0, s1, s2] = mbusSegments(apdu(600, 4));
  const next = mbusSegments(apdu(100, 5))[0];
  const cases: [Uint8Array[], string[]][] = [
    [[s0, s2, next], [
      "framing: M-Bus segment 1 missing before segment 2; APDU dropped",
      "apdu 100",
    ]],
    [[s0, s1, s1, s2, next], [
      "framing: M-Bus segment 1 repeated; APDU dropped",
      "framing: M-Bus segment 2 without segment 0; APDU dropped",
      "apdu 100",
    ]],
    [[s0, s1, s0, s1, s2], ["framing: M-Bus segment 2 is missing; APDU dropped", "apdu 600"]],
    [[s0, next], ["framing: M-Bus segment 1 is missing; APDU dropped", "apdu 100"]],
    [[s0, s0, s1, s2], ["framing: M-Bus segment 1 is missing; APDU dropped", "apdu 600"]],
  ];
  for (const [frames, expected] of cases) {
    const framer = new MbusFramer();
    assertEquals(outcome(framer.push(concat(...frames))), expected);
    assertEquals(framer.stats.rejected, expected.length - 1);
  }
});

Deno.test("segments before the first segment 0 of the stream are skipped, not rejected", () => {
  const [s0, s1] = mbusSegments(apdu(300, 6));
  const framer = new MbusFramer();
  assertEquals(outcome(framer.push(concat(s1, s0, s1))), ["apdu 300"]);
  assertEquals(framer.stats.rejected, 0);
  assertEquals(framer.stats.skippedBytes, s1.length);
  assertEquals(outcome(framer.push(s1)), [
    "framing: M-Bus segment 1 without segment 0; APDU dropped",
  ]);
});

Deno.test("the Sagemcom 68 01 01 68 first segment carries 257 bytes; only when sum and stop line up", () => {
  const data = apdu(252, 7);
  const first = mbusFrame(0x00, data);
  assertEquals(encodeHex(first.subarray(0, 4)), "68010168");
  assertEquals(first.length, 263);
  const second = mbusFrame(0x11, apdu(8, 8));
  const framer = new MbusFramer();
  const results = framer.push(concat(first, second));
  assertEquals(unwrap(results[0]).length, 260);
  assertEquals(unwrap(parseMbusFrame(first)).length, 257);
  const broken = first.slice();
  broken[100] ^= 0xff;
  const again = new MbusFramer();
  assertEquals(outcome(again.push(concat(broken, second, mbusFrame(0x10, apdu(20))))), [
    "apdu 20",
  ]);
  assertEquals(again.stats.rejected, 0);
});

Deno.test("a checksum error is a crc rejection; the frames after it are still found", () => {
  const frame = mbusFrame(0x10, apdu(50, 9));
  const bad = frame.slice();
  bad[20] ^= 0x10;
  const framer = new MbusFramer();
  assertEquals(outcome(framer.push(concat(bad, frame))), [
    "crc: M-Bus frame checksum mismatch; frame skipped",
    "apdu 50",
  ]);
});

Deno.test("a frame that is not DLMS transport (CI 72) is rejected whole", () => {
  const framer = new MbusFramer();
  const foreign = mbusFrame(0x72, apdu(30, 10));
  assertEquals(outcome(framer.push(concat(foreign, mbusFrame(0x10, apdu(10))))), [
    "framing: M-Bus frame with CI 0x72 is not DLMS transport",
    "apdu 10",
  ]);
});

Deno.test("a false start with a long L never holds back a complete frame after it", () => {
  const framer = new MbusFramer();
  const frame = mbusFrame(0x10, apdu(40, 11));
  assertEquals(outcome(framer.push(concat(decodeHex("68fafa68 5301"), frame))), ["apdu 40"]);
  assertEquals(framer.stats.skippedBytes, 6);
});

Deno.test("noise and byte-by-byte chunks: every APDU comes out whole and in order", () => {
  const random = seededRandom(0xd1a5_0001);
  const apdus = Array.from({ length: 30 }, (_, i) => apdu(1 + Math.floor(random() * 900), 100 + i));
  const parts: Uint8Array[] = [];
  for (const one of apdus) {
    const noise = Uint8Array.from(
      { length: Math.floor(random() * 40) },
      () => random() < 0.3 ? 0x68 : Math.floor(random() * 256),
    );
    const size = Math.max(Math.ceil(one.length / 16), 1 + Math.floor(random() * 245));
    parts.push(noise, ...mbusSegments(one, size));
  }
  const stream = concat(...parts);
  for (const maxChunk of [1, 7, 64, 300, stream.length]) {
    const framer = new MbusFramer();
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
