import { assertEquals } from "../../assert.ts";
import { crc16Xmodem } from "../../../src/crc.ts";

/** Bit-by-bit CRC-16/XMODEM, independent of the table in crc.ts. */
function reference(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) ^ (byte >> bit)) & 1;
      crc = ((crc << 1) & 0xffff) ^ (top ? 0x1021 : 0);
    }
  }
  return crc;
}

Deno.test("crc16 gives the CRC-16/XMODEM check value", () => {
  assertEquals(crc16Xmodem(new TextEncoder().encode("123456789")), 0x31c3);
  assertEquals(crc16Xmodem(new Uint8Array()), 0);
});

Deno.test("crc16 over a payload and its own CRC is 0", () => {
  const payload = new Uint8Array([0x3f, 0x10, 0x01, 0x00, 0x3c, 0, 0]);
  const crc = crc16Xmodem(payload, 0, 5);
  payload[5] = crc >> 8;
  payload[6] = crc & 0xff;
  assertEquals(crc, 0xb25f);
  assertEquals(crc16Xmodem(payload), 0);
});

Deno.test("crc16 honours start and end", () => {
  const bytes = new TextEncoder().encode("xx123456789yy");
  assertEquals(crc16Xmodem(bytes, 2, 11), 0x31c3);
});

Deno.test("crc16 matches a bitwise reference on random data", () => {
  let seed = 7;
  for (let n = 0; n < 500; n++) {
    const bytes = new Uint8Array(n % 40);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    assertEquals(crc16Xmodem(bytes), reference(bytes));
  }
});
