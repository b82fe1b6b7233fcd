import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import type { Result } from "../../../src/result.ts";
import { BlockAssembler, parseTransferBlock } from "../../../src/meters/dlms/gbt.ts";
import { blocks } from "./build.ts";

function apdu(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff);
}

function outcome(results: Result<Uint8Array>[]): string[] {
  return results.map((r) =>
    r.ok ? `apdu ${r.value.length}` : `${r.error.reason}: ${r.error.message}`
  );
}

Deno.test("parseTransferBlock reads control, numbers and raw data", () => {
  const block = unwrap(parseTransferBlock(decodeHex("e0c1000200010403aabbcc")));
  assertEquals(
    [block.last, block.streaming, block.window, block.number, block.acknowledged],
    [true, true, 1, 2, 1],
  );
  assertEquals(encodeHex(block.data), "03aabbcc");
  for (
    const bad of ["e0400001", "db4000010000020000", "e04000010000050000", "e040000100000100ff"]
  ) {
    assertOk(!parseTransferBlock(decodeHex(bad)).ok, bad);
  }
});

Deno.test("blocks 1 … last reassemble; long raw data lengths work", () => {
  const whole = apdu(1000);
  const assembler = new BlockAssembler();
  const parts = blocks(whole, 300);
  assertEquals(parts.map((p) => p[1]), [0x40, 0x40, 0x40, 0xc0]);
  const results = parts.flatMap((p) => assembler.take(p));
  assertEquals(results.length, 1);
  assertEquals(encodeHex(unwrap(results[0])), encodeHex(whole));
  assertOk(!assembler.pending);
});

Deno.test("a missing, repeated or restarted block drops the APDU with one rejection", () => {
  const [b1, b2, b3] = blocks(apdu(90), 30);
  const next = blocks(apdu(10), 30);
  const run = (parts: Uint8Array[]) => {
    const assembler = new BlockAssembler();
    return outcome(parts.flatMap((p) => assembler.take(p)));
  };
  assertEquals(run([b1, b3, ...next]), [
    "framing: general-block-transfer block 2 missing before block 3; APDU dropped",
    "apdu 10",
  ]);
  assertEquals(run([b1, b2, b2, b3, ...next]), [
    "framing: general-block-transfer block 2 repeated; APDU dropped",
    "framing: general-block-transfer block 3 without block 1",
    "apdu 10",
  ]);
  assertEquals(run([b1, ...next]), [
    "framing: general-block-transfer block 2 is missing; APDU dropped",
    "apdu 10",
  ]);
  assertEquals(run([b2, b3, b1, b2, b3]), ["apdu 90"]);
  const small = new BlockAssembler({ maxApduBytes: 50 });
  assertEquals(outcome([b1, b2, b3, ...next].flatMap((p) => small.take(p))), [
    "framing: general-block-transfer the APDU grows past 50 bytes; APDU dropped",
    "framing: general-block-transfer block 3 without block 1",
    "apdu 10",
  ]);
  assertEquals(outcome(new BlockAssembler().take(concat(b1, Uint8Array.of(0)))).length, 1);
});
