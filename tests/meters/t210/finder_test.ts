import { assertEquals, assertOk } from "../../assert.ts";
import { type FoundFrame, FrameFinder } from "../../../src/meters/t210/finder.ts";
import { systemTitleHex } from "../../../src/meters/t210/frame.ts";
import { KEYED, keyed, NOKEY, readT210Hex } from "./vectors.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import { seededRandom } from "../../random.ts";

/**
 * Pushes `stream` in chunks of `size` and settles each candidate with
 * `isReal`; returns every candidate offered, in order, with its verdict.
 */
function run(
  stream: Uint8Array,
  isReal: (frame: FoundFrame) => boolean,
  size = stream.length,
  finder = new FrameFinder(),
): { offset: number; length: number; accepted: boolean }[] {
  const offered: { offset: number; length: number; accepted: boolean }[] = [];
  for (let at = 0; at < stream.length; at += size) {
    finder.push(stream.subarray(at, at + size));
    for (let frame = finder.next(); frame; frame = finder.next()) {
      const accepted = isReal(frame);
      offered.push({ offset: frame.offset, length: frame.bytes.length, accepted });
      if (accepted) finder.accept(frame);
      else finder.reject(frame);
    }
  }
  return offered;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

Deno.test("every vector frame is found once, whole and in chunks of 1 to 64 bytes", () => {
  const frames = [...KEYED.map((v) => v.frame), ...NOKEY.map((v) => readT210Hex(`${v.name}.hex`))];
  for (const bytes of frames) {
    for (let size = 1; size <= 64; size++) {
      const offered = run(bytes, (f) => equalBytes(f.bytes, bytes), size);
      assertEquals(offered, [{ offset: 0, length: bytes.length, accepted: true }], `size ${size}`);
    }
  }
});

Deno.test("frames without keys: exactly one frame of 511 bytes with the README's system title", () => {
  for (const vector of NOKEY) {
    const finder = new FrameFinder();
    finder.push(readT210Hex(`${vector.name}.hex`));
    const frame = finder.next();
    assertOk(frame, vector.name);
    assertEquals(frame.bytes.length, 511);
    assertEquals(systemTitleHex(frame), vector.systemTitle);
    assertEquals(frame.frameCounter, vector.frameCounter);
    finder.accept(frame);
    assertEquals(finder.next(), undefined);
    assertEquals(finder.buffered, 0);
  }
});

Deno.test("the EVN M-Bus contrast case yields no candidate", () => {
  const wire = readT210Hex("evn_netznoe_t210d_mbus.hex");
  for (const size of [1, 7, 64, wire.length]) {
    assertEquals(run(wire, () => true, size), []);
  }
});

Deno.test("stream_resync: the cut-off frame at 13 is offered, rejected, and the search resumes at 14", () => {
  const stream = readT210Hex("stream_resync_steiermark.hex");
  const real = keyed("steiermark_shrdzm").frame;
  assertEquals(stream.length, 727);
  for (const size of [1, 13, 100, 511, 727]) {
    const offered = run(stream, (f) => equalBytes(f.bytes, real), size);
    assertEquals(offered, [
      { offset: 13, length: 511, accepted: false },
      { offset: 213, length: 511, accepted: true },
    ], `size ${size}`);
  }
});

Deno.test("candidates come back until settled; settling a stale candidate does nothing", () => {
  const finder = new FrameFinder();
  finder.push(readT210Hex("stream_resync_steiermark.hex"));
  const first = finder.next();
  assertOk(first);
  assertEquals(finder.next(), first);
  finder.reject(first);
  const second = finder.next();
  assertOk(second);
  assertEquals(second.offset, 213);
  finder.reject(first);
  finder.accept(first);
  assertEquals(finder.next(), second);
  finder.accept(second);
  assertEquals(finder.next(), undefined);
});

Deno.test("a bogus length prefix in noise does not hold back the real frames after it", () => {
  const bogus = decodeHex("db 08 5341473500000001 82 0f 00 30 00000001");
  const real = keyed("steiermark_shrdzm").frame;
  const stream = concat(bogus, real, decodeHex("0d0a"), real);
  for (const size of [1, 64, 511]) {
    const offered = run(stream, (f) => equalBytes(f.bytes, real), size);
    assertEquals(offered, [
      { offset: 18, length: 511, accepted: true },
      { offset: 18 + 511 + 2, length: 511, accepted: true },
    ], `size ${size}`);
  }
});

Deno.test("a complete header inside an incomplete frame goes first; the outer frame still follows", () => {
  const real = keyed("lux_nexxtlab").frame.slice();
  real.set(decodeHex("db 08 5341473500000002 14 30 00000009"), 100);
  const finder = new FrameFinder();
  finder.push(real.subarray(0, 200));
  const inner = finder.next();
  assertOk(inner);
  assertEquals([inner.offset, inner.bytes.length], [100, 31]);
  finder.reject(inner);
  assertEquals(finder.next(), undefined);
  finder.push(real.subarray(200));
  const outer = finder.next();
  assertOk(outer);
  assertEquals([outer.offset, outer.bytes.length], [0, 647]);
  finder.accept(outer);
  assertEquals(finder.next(), undefined);
});

Deno.test("headers inside an accepted frame are dropped with it", () => {
  const real = keyed("lux_nexxtlab").frame.slice();
  real.set(decodeHex("db 08 5341473500000002 14 30 00000009"), 100);
  const offered = run(concat(real, real), (f) => f.bytes.length === 647);
  assertEquals(offered, [
    { offset: 0, length: 647, accepted: true },
    { offset: 647, length: 647, accepted: true },
  ]);
});

Deno.test("lengths above maxBodyLength are not headers", () => {
  const real = keyed("smarty_lu_spec-example_aad_at").frame;
  assertEquals(run(real, () => true, 64, new FrameFinder({ maxBodyLength: 1024 })), []);
  assertEquals(run(real, () => true, 64, new FrameFinder({ maxBodyLength: 1502 })).length, 1);
});

Deno.test("the buffer stays bounded on noise, on headers never settled and on one huge chunk", () => {
  const random = seededRandom(7);
  const noise = new Uint8Array(1 << 20);
  for (let i = 0; i < noise.length; i++) noise[i] = random() < 0.05 ? 0xdb : random() * 256;
  const finder = new FrameFinder({ maxBodyLength: 2048, maxBuffered: 8192 });
  let peak = 0;
  for (let at = 0; at < noise.length; at += 777) {
    finder.push(noise.subarray(at, at + 777));
    peak = Math.max(peak, finder.buffered);
    for (let frame = finder.next(); frame; frame = finder.next()) finder.reject(frame);
  }
  assertOk(peak <= 8192, `peak ${peak}`);
  assertOk(finder.discarded > noise.length - 8192);

  const lazy = new FrameFinder({ maxBodyLength: 1024, maxBuffered: 4096 });
  const real = keyed("steiermark_shrdzm").frame;
  for (let i = 0; i < 100; i++) lazy.push(real);
  assertOk(lazy.buffered <= 4096);
  const frame = lazy.next();
  assertOk(frame);
  assertEquals(encodeHex(frame.bytes), encodeHex(real));

  const huge = new FrameFinder({ maxBodyLength: 1024, maxBuffered: 4096 });
  huge.push(concat(noise.subarray(0, 100_000), real));
  assertOk(huge.buffered <= 4096);
  const last = huge.next();
  assertOk(last);
  assertEquals(last.offset, 100_000);
});

Deno.test("maxBuffered is at least two of the largest frames", () => {
  const finder = new FrameFinder({ maxBodyLength: 1000, maxBuffered: 10 });
  assertEquals(finder.maxFrameLength, 1015);
  const real = keyed("steiermark_shrdzm").frame;
  for (let i = 0; i < 5; i++) finder.push(real);
  assertOk(finder.buffered > 1015 && finder.buffered <= 2030, `${finder.buffered}`);
  assertEquals(finder.next()?.offset, 2 * 511);
});

Deno.test("discarded counts noise and rejected frames, not accepted ones", () => {
  const real = keyed("steiermark_shrdzm").frame;
  const stream = concat(decodeHex("00 11 22 33"), real, decodeHex("44 55"), real);
  const finder = new FrameFinder();
  assertEquals(run(stream, () => true, 5, finder).length, 2);
  assertEquals(finder.discarded, 6);
  assertEquals(finder.buffered, 0);
});
