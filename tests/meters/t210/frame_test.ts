import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import {
  judgeHeader,
  parseGloFrame,
  splitFrame,
  systemTitleHex,
} from "../../../src/meters/t210/frame.ts";
import { KEYED, keyed, NOKEY, readT210Hex } from "./vectors.ts";
import { concat, decodeHex } from "../../../src/bytes.ts";

/** Rebuilds the DB frame the EVN M-Bus long frames carry (68 L L 68 C A CI 01 67 … CS 16). */
function unwrapMbus(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes[at + 1];
    parts.push(bytes.subarray(at + 4 + 5, at + 4 + length));
    at += 4 + length + 2;
  }
  return concat(...parts);
}

/** The hex of ASCII text. */
function toHexText(ascii: string): string {
  return Array.from(ascii, (c) => c.charCodeAt(0).toString(16)).join("");
}

Deno.test("parseGloFrame splits every keyed vector as its README says", () => {
  const expected: Record<string, [number, string, number]> = {
    steiermark_shrdzm: [511, "534147350000d28f", 0x50a5],
    lux_nexxtlab: [647, "534147677001bd54", 0x5a8e3],
    synthetic_dlmscosem_t210: [511, toHexText("SYSTEMID"), 0x10000001],
    "smarty_lu_spec-example_aad_at": [1515, toHexText("systitle"), 0x11223344],
    "smarty_lu_spec-example_noaad_at": [1515, toHexText("systitle"), 0x11223344],
  };
  for (const vector of KEYED) {
    const frame = parseGloFrame(vector.frame);
    assertOk(frame.ok, vector.name);
    const [length, title, counter] = expected[vector.name];
    assertEquals(frame.value.bytes.length, length, vector.name);
    assertEquals(systemTitleHex(frame.value), title, vector.name);
    assertEquals(frame.value.frameCounter, counter, vector.name);
    assertEquals(frame.value.securityControl, 0x30, vector.name);
    assertEquals(frame.value.ciphertext.length, vector.plain.length, vector.name);
    assertEquals(frame.value.tag.length, 12, vector.name);
  }
});

Deno.test("parseGloFrame finds length 0x01F2 and the README's title and counter in frames without keys", () => {
  for (const vector of NOKEY) {
    const bytes = readT210Hex(`${vector.name}.hex`);
    assertEquals(bytes.length, 511, vector.name);
    assertEquals([bytes[10], bytes[11], bytes[12]], [0x82, 0x01, 0xf2], vector.name);
    const frame = parseGloFrame(bytes);
    assertOk(frame.ok, vector.name);
    assertEquals(systemTitleHex(frame.value), vector.systemTitle, vector.name);
    assertEquals(frame.value.frameCounter, vector.frameCounter, vector.name);
    assertEquals(frame.value.ciphertext.length, 481, vector.name);
  }
});

Deno.test("the EVN T210-D (M-Bus wrapped, security byte 0x20) is not a T210-D-r frame", () => {
  const wire = readT210Hex("evn_netznoe_t210d_mbus.hex");
  const inner = unwrapMbus(wire);
  assertEquals(inner.length, 260);
  assertEquals([inner[0], inner[1], inner[10], inner[11], inner[12]], [
    0xdb,
    0x08,
    0x81,
    0xf8,
    0x20,
  ]);
  for (const bytes of [wire, inner]) {
    const frame = parseGloFrame(bytes);
    assertOk(!frame.ok);
    assertEquals(frame.error.reason, "framing");
  }
  assertEquals(judgeHeader(inner, 0, inner.length).kind, "none");
});

Deno.test("the length form is parsed generally: short, 0x81 and 0x82", () => {
  const title = decodeHex("5341473500000001");
  const body = (length: number) => concat(decodeHex("30 00000007"), new Uint8Array(length - 5));
  const cases: [Uint8Array, number][] = [
    [decodeHex("20"), 0x20],
    [decodeHex("81 7f"), 0x7f],
    [decodeHex("81 f0"), 0xf0],
    [decodeHex("82 00 40"), 0x40],
    [decodeHex("82 01 f2"), 0x1f2],
  ];
  for (const [form, length] of cases) {
    const bytes = concat(decodeHex("db 08"), title, form, body(length));
    const frame = parseGloFrame(bytes);
    assertOk(frame.ok, `form ${form[0]}`);
    assertEquals(frame.value.bytes.length, 10 + form.length + length);
    assertEquals(frame.value.frameCounter, 7);
    assertEquals(frame.value.ciphertext.length, length - 17);
    assertEquals(systemTitleHex(frame.value), "5341473500000001");
  }
});

Deno.test("judgeHeader rejects impossible headers and asks for more bytes on partial ones", () => {
  const head = (rest: string) => decodeHex(`db 08 5341473500000001 ${rest}`);
  assertEquals(judgeHeader(head("80 30"), 0, 12).kind, "none");
  assertEquals(judgeHeader(head("85 00 00 00 00 01 30"), 0, 18).kind, "none");
  assertEquals(judgeHeader(head("11 30"), 0, 12).kind, "none");
  assertEquals(judgeHeader(head("12 30"), 0, 12).kind, "header");
  assertEquals(judgeHeader(head("82 10 01 30"), 0, 14).kind, "none");
  assertEquals(judgeHeader(head("82 10 01 30"), 0, 14, 0x1001).kind, "header");
  assertEquals(judgeHeader(head("82 01 f2 31"), 0, 14).kind, "none");
  assertEquals(judgeHeader(head("82 01 f2 20"), 0, 14).kind, "none");
  assertEquals(judgeHeader(decodeHex("db 07"), 0, 2).kind, "none");
  const full = head("82 01 f2 30");
  for (let end = 0; end < full.length; end++) {
    assertEquals(judgeHeader(full, 0, end).kind, "more", `end ${end}`);
  }
  assertEquals(judgeHeader(full, 0, full.length), {
    kind: "header",
    headerLength: 13,
    frameLength: 511,
  });
});

Deno.test("parseGloFrame rejects truncated and overlong input with reason framing", () => {
  const bytes = keyed("steiermark_shrdzm").frame;
  for (
    const input of [bytes.subarray(0, 5), bytes.slice(0, 510), concat(bytes, decodeHex("0d0a"))]
  ) {
    const frame = parseGloFrame(input);
    assertOk(!frame.ok);
    assertEquals(frame.error.reason, "framing");
    assertMatch(frame.error.message, /frame|T210/);
  }
  assertOk(!parseGloFrame(new Uint8Array(0)).ok);
});

Deno.test("splitFrame views, not copies, the frame bytes", () => {
  const bytes = keyed("lux_nexxtlab").frame.slice();
  const frame = splitFrame(bytes, 13);
  assertEquals(frame.ciphertext.buffer, bytes.buffer);
  assertEquals(frame.ciphertext.byteOffset, 18);
  assertEquals(frame.tag.byteOffset, bytes.length - 12);
});
