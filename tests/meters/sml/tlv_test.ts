import { assertEquals, assertOk, assertThrows, unwrap } from "../../assert.ts";
import { decodeHex } from "../../../src/bytes.ts";
import { parseSmlNode, type SmlNode } from "../../../src/meters/sml/tlv.ts";

function parse(hex: string): SmlNode {
  return unwrap(parseSmlNode(decodeHex(hex)));
}

function integer(hex: string): number | bigint | undefined {
  const node = parse(hex);
  return node.kind === "integer" ? node.value : undefined;
}

function rejection(hex: string): string {
  const result = parseSmlNode(decodeHex(hex));
  assertOk(!result.ok, `${hex} was accepted`);
  assertEquals(result.error.reason, "decode");
  return result.error.message;
}

Deno.test("00 ends a message, 01 is an absent optional field", () => {
  assertEquals(parse("00"), { kind: "end", start: 0, end: 1 });
  assertEquals(parse("01"), { kind: "absent", start: 0, end: 1 });
});

Deno.test("octet strings: the length counts the TL byte, a multi-byte TL counts all of them", () => {
  const short = parse("04454d48");
  assertEquals(short.kind === "octets" && [...short.bytes], [0x45, 0x4d, 0x48]);
  // 0x83 0x02: length 0x32 = 50 bytes, two of them TL: 48 bytes of public key.
  const key = parse("8302" + "ab".repeat(48));
  assertEquals(key.kind === "octets" && key.bytes.length, 48);
  assertEquals(key.end, 50);
  const empty = parse("8002");
  assertOk(empty.kind === "octets" && empty.bytes.length === 0);
});

Deno.test("booleans are one byte, any non-zero byte is true", () => {
  assertEquals(parse("4200").kind === "boolean" && parse("4200"), {
    kind: "boolean",
    value: false,
    start: 0,
    end: 2,
  });
  const yes = parse("4201");
  assertOk(yes.kind === "boolean" && yes.value === true);
  const ff = parse("42ff");
  assertOk(ff.kind === "boolean" && ff.value === true);
  assertOk(rejection("430000").includes("boolean"));
});

Deno.test("unsigned integers of 1 to 9 bytes, bigint beyond 6", () => {
  assertEquals(integer("62ff"), 255);
  assertEquals(integer("63e566"), 0xe566);
  assertEquals(integer("641c0104"), 1835268);
  assertEquals(integer("6501ddf5f4"), 31323636);
  assertEquals(integer("660102030405"), 0x0102030405);
  assertEquals(integer("67ffffffffffff"), 2 ** 48 - 1);
  assertEquals(integer("6801020304050607"), 0x01020304050607n);
  assertEquals(integer("690000000003152c45"), 51719237n);
  assertEquals(integer("69ffffffffffffffff"), 2n ** 64n - 1n);
  assertEquals(integer("6a01ffffffffffffffff"), 2n ** 65n - 1n);
});

Deno.test("signed integers are two's complement at every width", () => {
  assertEquals(integer("52ff"), -1);
  assertEquals(integer("527f"), 127);
  assertEquals(integer("5280"), -128);
  assertEquals(integer("53ff4c"), -180);
  assertEquals(integer("54fffffe"), -2);
  assertEquals(integer("55000089d9"), 35289);
  assertEquals(integer("55ffffff00"), -256);
  assertEquals(integer("560009247a55"), 153385557);
  assertEquals(integer("56ffffffffff"), -1);
  assertEquals(integer("57800000000000"), -(2 ** 47));
  assertEquals(integer("58ffffffffffffff"), -1n);
  assertEquals(integer("5900000000000000fb"), 251n);
  assertEquals(integer("598000000000000000"), -(2n ** 63n));
  assertEquals(integer("5a800000000000000000"), -(2n ** 71n));
});

Deno.test("integer widths outside 1 to 9 bytes are rejected", () => {
  assertOk(rejection("51").includes("0 bytes"));
  assertOk(rejection("61").includes("0 bytes"));
  assertOk(rejection("6b00000000000000000000").includes("10 bytes"));
});

Deno.test("lists count elements, nest, and record where each element lies", () => {
  const node = parse("7262016505471c2a");
  assertOk(node.kind === "list");
  assertEquals(node.items.map((item) => item.kind === "integer" && item.value), [1, 88546346]);
  assertEquals([node.start, node.end, node.items[1].start, node.items[1].end], [0, 8, 3, 8]);
  // F1 04: a list of 0x14 = 20 elements.
  const long = parse("f104" + "01".repeat(20));
  assertOk(long.kind === "list" && long.items.length === 20);
  const empty = parse("70");
  assertOk(empty.kind === "list" && empty.items.length === 0);
  const nested = parse("71717101");
  assertEquals(nested.end, 4);
});

Deno.test("nesting is bounded", () => {
  const deep = (n: number) => decodeHex("71".repeat(n) + "01");
  assertOk(parseSmlNode(deep(16)).ok);
  assertOk(!parseSmlNode(deep(17)).ok);
  assertOk(parseSmlNode(deep(17), 0, { maxDepth: 17 }).ok);
  assertOk(
    !parseSmlNode(deep(5000)).ok,
    "a deep stack of lists is a rejection, not a stack overflow",
  );
  assertThrows(() => parseSmlNode(deep(1), 0, { maxDepth: 0 }));
});

Deno.test("parsing starts at an offset", () => {
  const bytes = decodeHex("0062057200");
  const node = unwrap(parseSmlNode(bytes, 1));
  assertEquals([node.kind, node.end], ["integer", 3]);
  assertThrows(() => parseSmlNode(bytes, 6));
  assertThrows(() => parseSmlNode(bytes, -1));
});

Deno.test("truncated and malformed input is a decode rejection", () => {
  assertOk(rejection("").includes("input ends"));
  assertOk(rejection("0545").includes("needs 5 bytes"));
  assertOk(rejection("650102").includes("needs 5 bytes"));
  assertOk(rejection("726201").includes("input ends"), "a list missing an element");
  assertOk(rejection("83").includes("cut off"));
  assertOk(rejection("8392").includes("type bits"));
  assertOk(rejection("1234").includes("unknown type"));
  assertOk(rejection("2234").includes("unknown type"));
  assertOk(rejection("3234").includes("unknown type"));
  assertOk(rejection("02").includes("needs 2 bytes"));
  assertOk(rejection("8000").includes("shorter"), "a length of 0 with two TL bytes");
  assertOk(rejection("8001").includes("shorter"));
  assertOk(rejection("7f01").includes("claims 15 elements"));
  assertOk(rejection("8f8f8f8f8f8f8f0f").includes("too long"));
});
