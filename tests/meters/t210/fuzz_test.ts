/**
 * Seeded, bounded fuzzing of the finder and the decrypter: random bytes and
 * mutated real frames in random chunk sizes. Deterministic: a failure names
 * its case number, and the same seed replays it.
 */
import { assertEquals, assertOk } from "../../assert.ts";
import { FrameDecrypter } from "../../../src/meters/t210/decrypt.ts";
import { type FoundFrame, FrameFinder } from "../../../src/meters/t210/finder.ts";
import { parseGloFrame } from "../../../src/meters/t210/frame.ts";
import { KEYED, NOKEY, readT210Hex } from "./vectors.ts";
import { concat } from "../../../src/bytes.ts";
import { seededRandom } from "../../random.ts";

const FRAMES = [...KEYED.map((v) => v.frame), ...NOKEY.map((v) => readT210Hex(`${v.name}.hex`))];

/** Bytes that make headers likely: tag, title length, length forms, security byte. */
const HEADER_BYTES = [0xdb, 0x08, 0x30, 0x82, 0x81, 0x80, 0x01, 0x12, 0x20, 0xf2, 0x00, 0xff];

function fuzzer(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const byte = () => random() < 0.3 ? HEADER_BYTES[int(HEADER_BYTES.length)] : int(256);
  /** Random bytes, sometimes with a plausible header (short or long body) inside. */
  const noise = (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = byte();
    if (length >= 16 && random() < 0.3) {
      const at = int(length - 15);
      out.set([0xdb, 0x08], at);
      if (random() < 0.5) {
        out.set([0x82, int(16), int(256), 0x30], at + 10);
      } else {
        out.set([18 + int(40), 0x30], at + 10);
      }
    }
    return out;
  };
  /** 1 to 3 random edits; `kinds` 2 keeps the length (byte changes only). */
  const mutate = (frame: Uint8Array, kinds = 6): Uint8Array => {
    let bytes = frame.slice();
    for (let n = 1 + int(3); n > 0; n--) {
      const at = int(bytes.length);
      const span = 1 + int(40);
      switch (int(kinds)) {
        case 0:
          bytes[at] ^= 1 << int(8);
          break;
        case 1:
          bytes[at] = byte();
          break;
        case 2:
          bytes = concat(bytes.subarray(0, at), bytes.subarray(at + span));
          break;
        case 3:
          bytes = concat(bytes.subarray(0, at), noise(span), bytes.subarray(at));
          break;
        case 4:
          bytes = concat(bytes.subarray(0, at), bytes.subarray(at, at + span), bytes.subarray(at));
          break;
        default:
          bytes = bytes.subarray(0, at);
      }
    }
    return bytes;
  };
  return { random, int, noise, mutate };
}

/** Pushes in random chunks, checks every candidate and settles it with `settle`. */
function drive(
  finder: FrameFinder,
  stream: Uint8Array,
  int: (n: number) => number,
  maxChunk: number,
  settle: (frame: FoundFrame) => boolean,
  maxBuffered: number,
): void {
  for (let at = 0; at < stream.length;) {
    const size = 1 + int(maxChunk);
    finder.push(stream.subarray(at, at + size));
    at += size;
    assertOk(finder.buffered <= maxBuffered, `buffered ${finder.buffered}`);
    for (let frame = finder.next(); frame; frame = finder.next()) {
      const parsed = parseGloFrame(frame.bytes);
      assertOk(parsed.ok, "a candidate is a well-formed frame");
      assertEquals(frame.securityControl, 0x30);
      if (settle(frame)) finder.accept(frame);
      else finder.reject(frame);
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const DEFAULT_BUFFERED = 4 * (15 + 4096);

Deno.test("fuzz: 200000 random streams through the finder", () => {
  const { int, noise } = fuzzer(0x7210_0001);
  let candidates = 0;
  for (let n = 0; n < 200_000; n++) {
    const finder = new FrameFinder();
    drive(finder, noise(int(80)), int, 24, () => {
      candidates++;
      return int(2) === 0;
    }, DEFAULT_BUFFERED);
  }
  assertOk(candidates > 1000, `only ${candidates} candidates`);
});

Deno.test("fuzz: 20000 real frames in random noise are each found exactly once", () => {
  const { int, noise } = fuzzer(0x7210_0002);
  for (let n = 0; n < 20_000; n++) {
    const real = FRAMES[int(FRAMES.length)];
    const prefix = noise(int(700));
    const stream = concat(prefix, real, noise(int(64)));
    const found: number[] = [];
    drive(new FrameFinder(), stream, int, 600, (frame) => {
      const isReal = equalBytes(frame.bytes, real);
      if (isReal) found.push(frame.offset);
      return isReal;
    }, DEFAULT_BUFFERED);
    assertEquals(found, [prefix.length], `case ${n}`);
  }
});

Deno.test("fuzz: 80000 mutated frames through finders of random limits", () => {
  const { int, noise, mutate } = fuzzer(0x7210_0003);
  for (let n = 0; n < 80_000; n++) {
    const maxBodyLength = [64, 600, 4096][int(3)];
    const maxBuffered = [0, 1024, 8192][int(3)] || 4 * (15 + maxBodyLength);
    const finder = new FrameFinder({ maxBodyLength, maxBuffered });
    const parts = [noise(int(20)), mutate(FRAMES[int(FRAMES.length)])];
    if (int(4) === 0) parts.push(mutate(FRAMES[int(FRAMES.length)]));
    const bound = Math.max(maxBuffered, 2 * finder.maxFrameLength);
    drive(finder, concat(...parts), int, 700, () => int(3) === 0, bound);
  }
});

Deno.test("fuzz: 3000 mutated frames never pass the GCM tag; 2000 more through AES-CTR", async () => {
  const { int, mutate } = fuzzer(0x7210_0004);
  const gcm = KEYED.filter((v) => v.authKey).map((v) => ({
    frame: v.frame,
    decrypter: new FrameDecrypter({ meterId: "fuzz", key: v.key, authKey: v.authKey }),
  }));
  const ctr = KEYED.map((v) => ({
    frame: v.frame,
    decrypter: new FrameDecrypter({ meterId: "fuzz", key: v.key }),
  }));
  let passed = 0;
  let decrypted = 0;
  for (let n = 0; n < 5000; n++) {
    const checked = n < 3000;
    const pick = checked ? gcm[int(gcm.length)] : ctr[int(ctr.length)];
    const mutated = mutate(pick.frame, int(2) === 0 ? 2 : 6);
    const finder = new FrameFinder();
    finder.push(mutated);
    for (let frame = finder.next(); frame; frame = finder.next()) {
      decrypted++;
      const result = await pick.decrypter.decrypt(frame);
      if (result.ok && checked) {
        passed++;
        assertOk(equalBytes(frame.bytes, pick.frame), `case ${n}: a changed frame passed the tag`);
      }
      if (result.ok) finder.accept(frame);
      else finder.reject(frame);
    }
  }
  assertOk(decrypted > 3500, `only ${decrypted} frames decrypted`);
  assertOk(passed < 3000);
});
