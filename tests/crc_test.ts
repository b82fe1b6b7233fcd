import { assertEquals } from "./assert.ts";
import { crc16Arc, crc16Kermit, crc16X25, crc16Xmodem } from "../src/crc.ts";
import { latin1 } from "../src/bytes.ts";

const CHECK = latin1("123456789");

Deno.test("each CRC-16 variant gives its catalogue check value over 123456789", () => {
  assertEquals(crc16Arc(CHECK), 0xbb3d);
  assertEquals(crc16Xmodem(CHECK), 0x31c3);
  assertEquals(crc16X25(CHECK), 0x906e);
  assertEquals(crc16Kermit(CHECK), 0x2189);
});

Deno.test("a CRC over a range equals the CRC of that slice, for every start and end", () => {
  const bytes = latin1("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000404.822*kWh)\r\n!");
  for (const crc of [crc16Arc, crc16Xmodem, crc16X25, crc16Kermit]) {
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 7) {
        assertEquals(
          crc(bytes, start, end),
          crc(bytes.slice(start, end)),
          `${crc.name} ${start}..${end}`,
        );
      }
    }
  }
});
