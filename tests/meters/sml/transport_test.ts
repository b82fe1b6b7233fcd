import { assertEquals, assertOk, assertThrows, unwrap } from "../../assert.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import { crc16Kermit, crc16X25 } from "../../../src/crc.ts";
import type { Result } from "../../../src/result.ts";
import { encodeSmlFrame, type SmlFrame, SmlFramer } from "../../../src/meters/sml/transport.ts";
import { seededRandom } from "../../random.ts";
import { testdataFrame } from "./vectors.ts";

/** The EMH frame kept in the repository, and the same messages sent with KERMIT. */
const EMH = testdataFrame();
const EMH_PAYLOAD = unwrap(new SmlFramer().push(EMH)[0]).payload;
const KERMIT = encodeSmlFrame(EMH_PAYLOAD, "kermit");
/** Frames of other lengths and with escaped escapes, both CRCs. */
const FRAMES = [
  EMH,
  KERMIT,
  encodeSmlFrame(decodeHex("1b1b1b1b761b1b1b1b0000aa"), "x25"),
  encodeSmlFrame(decodeHex("76aa1b1b1b1b1b1b1b1b01010101"), "kermit"),
  encodeSmlFrame(EMH_PAYLOAD.subarray(0, 101), "x25"),
];

function frames(results: Result<SmlFrame>[]): SmlFrame[] {
  return results.filter((r) => r.ok).map((r) => unwrap(r));
}

function reasons(results: Result<SmlFrame>[]): string[] {
  return results.map((r) => r.ok ? "ok" : r.error.reason);
}

Deno.test("the transport CRC is X-25 sent low byte first, or KERMIT sent high byte first", () => {
  // EMH: …1A 03 E5 66, X-25 = 0x66E5 over everything before the CRC.
  assertEquals(encodeHex(EMH.subarray(-4)), "1a03e566");
  assertEquals(crc16X25(EMH, 0, EMH.length - 2), 0x66e5);
  const kermit = crc16Kermit(KERMIT, 0, KERMIT.length - 2);
  assertEquals([KERMIT.at(-2), KERMIT.at(-1)], [kermit >> 8, kermit & 0xff]);
  const emh = unwrap(new SmlFramer().push(EMH)[0]);
  assertEquals([emh.crc, emh.fill, emh.wire.length], ["x25", 3, 332]);
  assertEquals(emh.wire, EMH);
  assertEquals(unwrap(new SmlFramer().push(KERMIT)[0]).crc, "kermit");
});

Deno.test("the framer remembers the variant that matched and still accepts the other", () => {
  const framer = new SmlFramer();
  assertEquals(framer.crc, undefined);
  framer.push(KERMIT);
  assertEquals(framer.crc, "kermit");
  assertEquals(frames(framer.push(EMH)).map((f) => f.crc), ["x25"]);
  assertEquals(framer.crc, "x25");
});

Deno.test("a framer limited to one variant rejects the other as a CRC error", () => {
  assertEquals(reasons(new SmlFramer({ crc: "x25" }).push(KERMIT)), ["crc"]);
  assertEquals(reasons(new SmlFramer({ crc: "kermit" }).push(EMH)), ["crc"]);
  assertEquals(reasons(new SmlFramer({ crc: "kermit" }).push(KERMIT)), ["ok"]);
  assertThrows(() => new SmlFramer({ crc: "crc32" as "x25" }));
  assertThrows(() => new SmlFramer({ maxBytes: 15 }));
});

Deno.test("encoding the payload again gives the wire bytes", () => {
  assertEquals(encodeHex(encodeSmlFrame(EMH_PAYLOAD, "x25")), encodeHex(EMH));
});

Deno.test("a fill count of 4 (a whole block, as DZG sends) is accepted", () => {
  const payload = EMH_PAYLOAD.subarray(0, 300);
  const wire = encodeSmlFrame(concat(payload, new Uint8Array(4)));
  wire[wire.length - 3] = 4;
  const crc = crc16X25(wire, 0, wire.length - 2);
  wire.set([crc & 0xff, crc >> 8], wire.length - 2);
  const frame = unwrap(new SmlFramer().push(wire)[0]);
  assertEquals([frame.fill, encodeHex(frame.payload)], [4, encodeHex(payload)]);
});

Deno.test("escapes inside the data are doubled on a 4-byte boundary and undone", () => {
  const cases = [
    "1b1b1b1b",
    "1b1b1b1b1b1b1b1b",
    "1b1b1b1b01010101",
    "1b1b1b1b1a000000",
    "aa1b1b1b1b",
    "00001b1b1b1b0000",
    "761b1b1b1b1b1b",
    "1b1b1b",
  ];
  for (const hex of cases) {
    const payload = decodeHex(hex);
    for (const crc of ["x25", "kermit"] as const) {
      const wire = encodeSmlFrame(payload, crc);
      const out = new SmlFramer().push(wire);
      assertEquals(reasons(out), ["ok"], hex);
      assertEquals(encodeHex(unwrap(out[0]).payload), hex, hex);
    }
  }
  assertEquals(
    encodeHex(encodeSmlFrame(decodeHex("1b1b1b1b"))).slice(16, 32),
    "1b1b1b1b1b1b1b1b",
    "an aligned escape in the data is sent twice",
  );
  assertEquals(encodeSmlFrame(decodeHex("aa1b1b1b1b")).length, 8 + 8 + 8, "unaligned: not doubled");
});

Deno.test("payloads of every length round-trip with their fill", () => {
  for (let length = 0; length < 12; length++) {
    const payload = Uint8Array.from({ length }, (_, i) => i + 0x70);
    const frame = unwrap(new SmlFramer().push(encodeSmlFrame(payload))[0]);
    assertEquals([frame.fill, [...frame.payload]], [(4 - length % 4) % 4, [...payload]]);
  }
});

Deno.test("noise before, between and after frames is skipped and counted", () => {
  const noise = decodeHex("ff001b1b1b0101011b1a00");
  const stream = concat(noise, EMH, noise, KERMIT, noise.subarray(0, 5));
  const framer = new SmlFramer();
  assertEquals(reasons(framer.push(stream)), ["ok", "ok"]);
  assertEquals(framer.stats.frames, 2);
  assertEquals(framer.stats.rejected, 0);
  assertEquals(framer.stats.skippedBytes + framer.buffered, 2 * noise.length + 5);
  assertEquals(reasons(framer.flush()), []);
  assertEquals(framer.stats.skippedBytes, 2 * noise.length + 5);
});

Deno.test("a stream that starts mid-frame skips to the next start sequence", () => {
  const framer = new SmlFramer();
  assertEquals(reasons(framer.push(concat(EMH.subarray(100), EMH))), ["ok"]);
  assertEquals(framer.stats.skippedBytes, EMH.length - 100);
});

Deno.test("random chunking gives the same frames as one push", () => {
  const random = seededRandom(0x5a1_0001);
  const stream = concat(...FRAMES, ...FRAMES);
  for (let n = 0; n < 60; n++) {
    const framer = new SmlFramer();
    const out: Result<SmlFrame>[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + Math.floor(random() * (n % 2 ? 7 : 400));
      out.push(...framer.push(stream.subarray(at, at + size)));
      at += size;
    }
    assertEquals(frames(out).map((f) => encodeHex(f.wire)), [
      ...FRAMES.map(encodeHex),
      ...FRAMES.map(encodeHex),
    ]);
  }
});

Deno.test("a broken transport CRC is a crc rejection, and the next frame still passes", () => {
  for (const at of [20, EMH.length - 1, EMH.length - 2, EMH.length - 3]) {
    const broken = EMH.slice();
    broken[at] ^= 0x10;
    const framer = new SmlFramer();
    const out = framer.push(concat(broken, EMH));
    assertEquals(reasons(out), ["crc", "ok"], `byte ${at}`);
    assertOk(!out[0].ok && out[0].error.message.includes("X-25"));
    assertEquals(framer.stats.rejected, 1);
  }
});

Deno.test("a cut-off frame is a framing rejection and the frame after it passes at once", () => {
  for (let cut = 1; cut <= 8; cut++) {
    const head = EMH.subarray(0, 120 + cut);
    const framer = new SmlFramer();
    const out = framer.push(concat(head, KERMIT));
    assertEquals(reasons(out), ["framing", "ok"], `cut ${cut}`);
    assertEquals(unwrap(out[1]).crc, "kermit");
    assertEquals(framer.buffered, 0);
  }
});

Deno.test("a frame cut off on a block boundary is interrupted by the next start sequence", () => {
  const out = new SmlFramer().push(concat(EMH.subarray(0, 120), EMH));
  assertEquals(reasons(out), ["framing", "ok"]);
  assertOk(!out[0].ok && out[0].error.message.includes("cut off"));
});

Deno.test("an unknown escape sequence is a framing rejection", () => {
  const wire = decodeHex("1b1b1b1b01010101" + "76050102" + "1b1b1b1b02000000");
  const out = new SmlFramer().push(wire);
  assertEquals(reasons(out), ["framing"]);
  assertOk(!out[0].ok && out[0].error.message.includes("1b1b1b1b 02000000"));
});

Deno.test("a frame longer than maxBytes is dropped and memory stays bounded", () => {
  const framer = new SmlFramer({ maxBytes: 256 });
  const out = framer.push(EMH);
  assertEquals(reasons(out), ["framing"]);
  assertOk(!out[0].ok && out[0].error.message.includes("longer than 256"));
  assertOk(framer.buffered <= 256);
  const endless = concat(decodeHex("1b1b1b1b01010101"), new Uint8Array(100_000).fill(0x42));
  const big = new SmlFramer({ maxBytes: 1024 });
  for (let at = 0; at < endless.length; at += 333) {
    big.push(endless.subarray(at, at + 333));
    assertOk(big.buffered <= 1024, `buffered ${big.buffered}`);
  }
  assertEquals(big.stats.rejected, 1);
  assertEquals(reasons(new SmlFramer({ maxBytes: EMH.length }).push(EMH)), ["ok"]);
  assertEquals(reasons(new SmlFramer({ maxBytes: EMH.length - 4 }).push(EMH)), ["framing"]);
});

Deno.test("a single push larger than the bound is taken in pieces", () => {
  const stream = concat(new Uint8Array(5000), EMH, new Uint8Array(3000), EMH);
  const framer = new SmlFramer({ maxBytes: 512 });
  assertEquals(reasons(framer.push(stream)), ["ok", "ok"]);
});

Deno.test("flush reports a frame still open", () => {
  const framer = new SmlFramer();
  assertEquals(framer.push(EMH.subarray(0, 200)), []);
  const out = framer.flush();
  assertEquals(reasons(out), ["framing"]);
  assertOk(!out[0].ok && out[0].error.message.includes("ended inside a frame after 200 bytes"));
  assertEquals(framer.buffered, 0);
  assertEquals(reasons(framer.push(EMH)), ["ok"]);
});

Deno.test("many start sequences without an end are bounded", () => {
  const start = decodeHex("1b1b1b1b01010101");
  // Each start one byte off the grid of the one before: none cuts another off.
  const stream = concat(...Array.from({ length: 20 }, () => concat(start, decodeHex("00"))));
  const framer = new SmlFramer();
  const out = framer.push(stream);
  assertOk(out.length >= 12 && out.every((r) => !r.ok && r.error.reason === "framing"));
  assertEquals(reasons(framer.push(EMH)).at(-1), "ok");
});
