import { assertEquals } from "../../assert.ts";
import { crc16Arc } from "../../../src/crc.ts";
import { formatCrc } from "../../../src/meters/dsmr/telegram.ts";
import { readVectors } from "./vectors.ts";
import { latin1 } from "../../../src/bytes.ts";

/** Bit-by-bit reference: reflected 0x8005 (0xA001), init 0, no final XOR. */
function reference(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

Deno.test("crc16 has the CRC-16/ARC check value", () => {
  assertEquals(crc16Arc(latin1("123456789")), 0xbb3d);
  assertEquals(crc16Arc(new Uint8Array()), 0);
});

Deno.test("crc16 honours start and end", () => {
  const bytes = latin1("xx123456789yy");
  assertEquals(crc16Arc(bytes, 2, 11), 0xbb3d);
});

Deno.test("crc16 matches a bitwise reference on pseudo-random data", () => {
  let seed = 7;
  for (let n = 0; n < 200; n++) {
    const bytes = new Uint8Array(n * 7);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    assertEquals(crc16Arc(bytes), reference(bytes));
  }
});

Deno.test("formatCrc pads to four upper-case hex digits", () => {
  assertEquals(formatCrc(0xb9f), "0B9F");
  assertEquals(formatCrc(0x56dd), "56DD");
  assertEquals(formatCrc(0), "0000");
});

Deno.test("crc16 over '/' through '!' gives every vector's recomputed CRC", () => {
  const vectors = [...readVectors(), ...readVectors("nonconforming")];
  let checked = 0;
  for (const { name, bytes, json } of vectors) {
    if (json.crc.status === "NO_FOOTER") continue;
    const end = bytes.indexOf(0x21) + 1;
    assertEquals(formatCrc(crc16Arc(bytes, bytes.indexOf(0x2f), end)), json.crc.computed, name);
    checked++;
  }
  assertEquals(checked >= 33, true);
});
