import { assertEquals, assertMatch, assertOk, assertThrows, unwrap } from "../../assert.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import { axdrLength, type CosemData, decodeData, readData } from "../../../src/meters/dlms/axdr.ts";
import { ax, axdrLen } from "./build.ts";

function decoded(hex: string): CosemData {
  return unwrap(decodeData(decodeHex(hex)));
}

function rejected(hex: string): string {
  const result = decodeData(decodeHex(hex));
  assertOk(!result.ok, `${hex} decoded`);
  assertEquals(result.error.reason, "decode");
  return result.error.message;
}

Deno.test("every simple type decodes to its value", () => {
  assertEquals(decoded("00"), { type: "null-data" });
  assertEquals(decoded("0301"), { type: "boolean", value: true });
  assertEquals(decoded("0300"), { type: "boolean", value: false });
  assertEquals(decoded("05fffffffe"), { type: "double-long", value: -2 });
  assertEquals(decoded("0600328902"), { type: "double-long-unsigned", value: 3311874 });
  assertEquals(decoded("06ffffffff"), { type: "double-long-unsigned", value: 4294967295 });
  assertEquals(decoded("0d42"), { type: "bcd", value: 42 });
  assertEquals(decoded("0fff"), { type: "integer", value: -1 });
  assertEquals(decoded("0f7f"), { type: "integer", value: 127 });
  assertEquals(decoded("108000"), { type: "long", value: -32768 });
  assertEquals(decoded("10ff9c"), { type: "long", value: -100 });
  assertEquals(decoded("11ff"), { type: "unsigned", value: 255 });
  assertEquals(decoded("1203e8"), { type: "long-unsigned", value: 1000 });
  assertEquals(decoded("14ffffffffffffffff"), { type: "long64", value: -1n });
  assertEquals(decoded("15ffffffffffffffff"), {
    type: "long64-unsigned",
    value: 18446744073709551615n,
  });
  assertEquals(decoded("161e"), { type: "enum", value: 30 });
  assertEquals(decoded("173fc00000"), { type: "float32", value: 1.5 });
  assertEquals(decoded("18400921fb54442d18"), { type: "float64", value: Math.PI });
});

Deno.test("strings, bit-strings and the date types keep their bytes", () => {
  const octets = decoded("0903010203");
  assertOk(octets.type === "octet-string");
  assertEquals(encodeHex(octets.bytes), "010203");
  assertEquals(decoded("0a0548656c6c6f"), { type: "visible-string", value: "Hello" });
  assertEquals(decoded("0c04c3a46bc3"), { type: "utf8-string", value: "äk\ufffd" });
  const bits = decoded("040aff80");
  assertOk(bits.type === "bit-string");
  assertEquals([bits.bits, encodeHex(bits.bytes)], [10, "ff80"]);
  const time = decoded("1907e5091b01092f0f00ff8880");
  assertOk(time.type === "date-time");
  assertEquals(encodeHex(time.bytes), "07e5091b01092f0f00ff8880");
  const date = decoded("1a07e5091b01");
  assertOk(date.type === "date" && date.bytes.length === 5);
  const clock = decoded("1b092f0f00");
  assertOk(clock.type === "time" && clock.bytes.length === 4);
});

Deno.test("arrays and structures nest; counts use every length form", () => {
  assertEquals(decoded("020212000116ff"), {
    type: "structure",
    items: [{ type: "long-unsigned", value: 1 }, { type: "enum", value: 255 }],
  });
  assertEquals(decoded("0100"), { type: "array", items: [] });
  for (const form of [0, 1, 2, 3, 4]) {
    const items = Array.from({ length: 3 }, (_, i) => ax.u8(i));
    const bytes = concat(Uint8Array.of(0x01), axdrLen(3, form), ...items);
    const array = unwrap(decodeData(bytes));
    assertOk(array.type === "array");
    assertEquals(array.items.map((i) => "value" in i && i.value), [0, 1, 2], `form ${form}`);
  }
  const long = ax.octets(new Uint8Array(300), 2);
  assertEquals(encodeHex(long.subarray(0, 4)), "0982012c");
  const string = unwrap(decodeData(long));
  assertOk(string.type === "octet-string" && string.bytes.length === 300);
});

Deno.test("axdrLength reads short and long forms and refuses the rest", () => {
  assertEquals(axdrLength(decodeHex("4d"), 0), { length: 0x4d, end: 1 });
  assertEquals(axdrLength(decodeHex("81f8"), 0), { length: 0xf8, end: 2 });
  assertEquals(axdrLength(decodeHex("820109"), 0), { length: 0x109, end: 3 });
  assertEquals(axdrLength(decodeHex("8300ffff"), 0), { length: 0xffff, end: 4 });
  assertEquals(axdrLength(decodeHex("847fffffff"), 0), { length: 0x7fffffff, end: 5 });
  for (const bad of ["", "80", "81", "8201", "85000000000001", "8480000000"]) {
    assertEquals(axdrLength(decodeHex(bad), 0), undefined, bad);
  }
});

Deno.test("truncated, unknown and oversized input is a decode rejection saying where", () => {
  assertMatch(rejected(""), /truncated at byte 0/);
  assertMatch(rejected("06000001"), /tag 0x06 truncated at byte 0/);
  assertMatch(rejected("0905010203"), /string of 5 bytes truncated/);
  assertMatch(rejected("020312000112"), /truncated/);
  assertMatch(rejected("0203"), /structure of 3 elements truncated/);
  assertMatch(rejected("01847fffffff00"), /array of 2147483647 elements truncated/);
  assertMatch(rejected("ee"), /unknown data tag 0xEE at byte 0/);
  assertMatch(rejected("020212000177"), /unknown data tag 0x77 at byte 5/);
  assertMatch(rejected("1300"), /compact-array at byte 0 is not supported/);
  assertMatch(rejected("0980"), /bad string length/);
  assertMatch(rejected("0d4a"), /bcd byte is not two digits/);
  assertMatch(rejected("040901"), /bit-string truncated/);
  assertMatch(rejected("110100"), /1 bytes left after the value/);
});

Deno.test("nesting deeper than the bound is rejected, at the bound accepted", () => {
  const nested = (depth: number) => {
    let bytes: Uint8Array = ax.u8(1);
    for (let i = 0; i < depth; i++) bytes = ax.structure(bytes);
    return bytes;
  };
  assertOk(decodeData(nested(16)).ok);
  const deep = decodeData(nested(17));
  assertOk(!deep.ok);
  assertMatch(deep.error.message, /nested deeper than 16/);
  assertOk(decodeData(nested(4), 4).ok);
  assertOk(!decodeData(nested(5), 4).ok);
  assertOk(decodeData(nested(200), 256).ok);
  assertThrows(() => decodeData(nested(1), 0));
  assertThrows(() => decodeData(nested(1), 100000));
});

Deno.test("readData reads one value and leaves the rest", () => {
  const bytes = decodeHex("1203e8 0fff 00");
  const first = unwrap(readData(bytes, 0));
  assertEquals(first, { data: { type: "long-unsigned", value: 1000 }, end: 3 });
  assertEquals(unwrap(readData(bytes, 3)).end, 5);
  assertOk(!readData(bytes, 6).ok);
});

Deno.test("byte values are views of the input, not copies", () => {
  const bytes = decodeHex("0903aabbcc");
  const data = unwrap(decodeData(bytes));
  assertOk(data.type === "octet-string");
  assertEquals(data.bytes.buffer, bytes.buffer);
});
