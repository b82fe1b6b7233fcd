import { assertEquals, assertOk, assertThrows } from "../../assert.ts";
import { concat, latin1 } from "../../../src/bytes.ts";
import type { Result } from "../../../src/result.ts";
import { ReadoutFramer } from "../../../src/meters/d0/framer.ts";
import { decodeReadout } from "../../../src/meters/d0/readout.ts";
import { readD0Vectors } from "./vectors.ts";
import { seededRandom } from "../../random.ts";

const PUSH = "/ESY5Q3DA1024 V3.03\r\n\r\n1-0:1.8.0*255(00000000.7801269*kWh)\r\n!\r\n";
const BLOCK = "/KAM MC\r\n\x020.0(00005077354)\r\n6.8(00433.65*GJ)!\r\n\x03a";

function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** Feeds `input` in chunks of `size` bytes and returns everything the framer reported. */
function feed(framer: ReadoutFramer, input: Uint8Array, size: number): Result<Uint8Array>[] {
  const out: Result<Uint8Array>[] = [];
  for (let at = 0; at < input.length; at += size) {
    out.push(...framer.push(input.subarray(at, at + size)));
  }
  return out;
}

function readouts(results: Result<Uint8Array>[]): string[] {
  return results.flatMap((r) => r.ok ? [text(r.value)] : []);
}

function rejections(results: Result<Uint8Array>[]): string[] {
  return results.flatMap((r) => r.ok ? [] : [r.error.reason]);
}

Deno.test("every chunk size frames the same readouts, pushed or in blocks, noise skipped", () => {
  const stream = latin1(`junk\xff${PUSH}/?!\r\n${BLOCK}\r\n${PUSH}`);
  for (let size = 1; size <= stream.length; size++) {
    const framer = new ReadoutFramer();
    const out = feed(framer, stream, size);
    assertEquals(readouts(out), [PUSH, BLOCK, PUSH], `chunk size ${size}`);
    assertEquals(framer.stats, { readouts: 3, rejected: 0, skippedBytes: 12 });
  }
});

Deno.test("a readout ends at !, ! CR, ! LF or ! CR LF; the next byte closes a bare one", () => {
  const base = "/HAG5eHZ\r\n1.8.0(1*kWh)\r\n!";
  for (const end of ["\r\n", "\n", "\r"]) {
    const framer = new ReadoutFramer();
    assertEquals(readouts(framer.push(latin1(`${base}${end}/HAG5eHZ`))), [base + end], end);
  }
  const framer = new ReadoutFramer();
  assertEquals(readouts(framer.push(latin1(base))), []);
  assertEquals(readouts(framer.flush()), [base]);
});

Deno.test("! and / inside a value group are data; / with three letters there starts anew", () => {
  const odd = "/ABC5x\r\n0.9.1(a!b/c)\r\n0.9.2(1/2/34)\r\n!\r\n";
  assertEquals(readouts(new ReadoutFramer().push(latin1(odd))), [odd]);
  const framer = new ReadoutFramer();
  const out = framer.push(latin1(`/ABC5x\r\n1.8.0(0001${PUSH}`));
  assertEquals(readouts(out), [PUSH]);
  assertEquals(rejections(out), ["framing"]);
});

Deno.test("a cut readout is a framing rejection and the next one is found", () => {
  const framer = new ReadoutFramer();
  const out = framer.push(latin1(`/ESY5Q3D\r\n1-0:1.8.0*255(0000${"\r\n"}${PUSH}`));
  assertEquals(rejections(out), ["framing"]);
  assertEquals(readouts(out), [PUSH]);
  assertEquals(framer.stats.rejected, 1);
  // A fragment whose identification line is not complete is only skipped.
  const quiet = new ReadoutFramer();
  assertEquals(rejections(quiet.push(latin1(`/ESY5Q${PUSH}`))), []);
  assertEquals(quiet.stats.skippedBytes, 6);
});

Deno.test("memory is bounded: an endless readout is dropped, the next one framed", () => {
  const framer = new ReadoutFramer({ maxBytes: 256 });
  const long = `/ABC5x\r\n${"1.8.0(1)".repeat(100)}`;
  const out = framer.push(latin1(long + PUSH));
  assertEquals(rejections(out), ["framing"]);
  assertEquals(readouts(out), [PUSH]);
  const endless = new ReadoutFramer({ maxBytes: 256 });
  assertEquals(rejections(endless.push(latin1(`/ABC${"x".repeat(500)}${PUSH}`))), []);
  assertThrows(() => new ReadoutFramer({ maxBytes: 10 }));
});

Deno.test("a block cut after ! CR LF ends at the next byte that is not ETX", () => {
  const cut = "/ACE0\\3k260V01.18\r\n\x02F.F(00)\r\n!\r\n";
  const framer = new ReadoutFramer();
  assertEquals(readouts(framer.push(latin1(cut + PUSH))), [cut, PUSH]);
  const atEnd = new ReadoutFramer();
  assertEquals(readouts([...atEnd.push(latin1(cut)), ...atEnd.flush()]), [cut]);
  const noBcc = new ReadoutFramer();
  noBcc.push(latin1(`${cut}\x03`));
  assertEquals(rejections(noBcc.flush()), ["framing"]);
});

Deno.test("all vectors back to back with noise, in random chunks, frame and decode", () => {
  const random = seededRandom(0xd0);
  const vectors = readD0Vectors();
  const parts: Uint8Array[] = [];
  let expected = 0;
  for (let round = 0; round < 40; round++) {
    const vector = vectors[Math.floor(random() * vectors.length)];
    const noise = Uint8Array.from({ length: Math.floor(random() * 40) }, () => {
      const byte = Math.floor(random() * 256);
      return byte === 0x2f ? 0x20 : byte;
    });
    parts.push(noise, latin1("\r\n"), vector.bytes);
    expected += vector.name.startsWith("hager") ? 2 : 1;
  }
  const stream = concat(...parts);
  const framer = new ReadoutFramer();
  const out: Result<Uint8Array>[] = [];
  for (let at = 0; at < stream.length;) {
    const size = 1 + Math.floor(random() * 300);
    out.push(...framer.push(stream.subarray(at, at + size)));
    at += size;
  }
  out.push(...framer.flush());
  assertEquals(rejections(out), []);
  assertEquals(out.length, expected);
  for (const framed of out) {
    assertOk(framed.ok && decodeReadout(framed.value, { bcc: "ignore" }).ok);
  }
});
