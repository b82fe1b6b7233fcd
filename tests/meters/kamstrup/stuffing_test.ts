import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import {
  ESCAPE,
  isReserved,
  stuff,
  unstuff,
  unstuffInto,
} from "../../../src/meters/kamstrup/stuffing.ts";
import { decodeHex, encodeHex } from "../../../src/bytes.ts";

Deno.test("exactly 06 0D 1B 40 80 are reserved", () => {
  const reserved = [];
  for (let byte = 0; byte < 256; byte++) if (isReserved(byte)) reserved.push(byte);
  assertEquals(reserved, [0x06, 0x0d, 0x1b, 0x40, 0x80]);
  assertEquals(ESCAPE, 0x1b);
});

Deno.test("stuff escapes each reserved byte as 1B and the byte xor FF", () => {
  assertEquals(encodeHex(stuff(decodeHex("060d1b4080"))), "1bf91bf21be41bbf1b7f");
  assertEquals(encodeHex(stuff(decodeHex("3f10003c"))), "3f10003c");
  assertEquals(encodeHex(stuff(new Uint8Array())), "");
});

Deno.test("unstuff reverses stuff for every byte value", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const stuffed = stuff(all);
  assertEquals(stuffed.length, 256 + 5);
  assertEquals(unwrap(unstuff(stuffed)), all);
});

Deno.test("unstuff rejects broken stuffing as framing", () => {
  for (const hex of ["3f1b", "1b00", "1bff", "3f0d", "40", "80", "06"]) {
    const result = unstuff(decodeHex(hex));
    assertOk(!result.ok, hex);
    assertEquals(result.error.reason, "framing");
  }
});

Deno.test("unstuffInto writes a range and says why stuffing is broken", () => {
  const out = new Uint8Array(8);
  assertEquals(unstuffInto(decodeHex("401b7f001bf20d"), 1, 6, out), 3);
  assertEquals(encodeHex(out.subarray(0, 3)), "80000d");
  assertEquals(unstuffInto(decodeHex("001b"), 0, 2, out), "escape byte 1B at the end");
  assertEquals(
    unstuffInto(decodeHex("1b00"), 0, 2, out),
    "1B 00 does not stand for a reserved byte",
  );
  assertEquals(unstuffInto(decodeHex("0040"), 0, 2, out), "reserved byte 40 not stuffed");
});
