import { assertEquals } from "../../assert.ts";
import { assertRangeError } from "./range_error.ts";
import { compare, normalize, shift } from "../../../src/decimal.ts";
import {
  decimalText,
  mantissaDigits,
  readNumber,
  resolutionText,
  sigexpExponent,
  writeNumber,
} from "../../../src/meters/kamstrup/number.ts";
import { decodeHex, encodeHex } from "../../../src/bytes.ts";

/** `shift`'s text with trailing fraction zeros dropped: the canonical form. */
function canonical(negative: boolean, digits: string, exponent: number): string {
  const text = shift((negative ? "-" : "") + digits, exponent)!;
  const trimmed = text.includes(".") ? text.replace(/\.?0+$/, "") : text;
  return normalize(trimmed)!;
}

Deno.test("sigexp: bit 7 sign, bit 6 exponent sign, bits 5..0 exponent", () => {
  assertEquals(sigexpExponent(0x00), 0);
  assertEquals(sigexpExponent(0x43), -3);
  assertEquals(sigexpExponent(0xc2), -2);
  assertEquals(sigexpExponent(0x11), 17);
  assertEquals(sigexpExponent(0xbf), 63);
  assertEquals(Object.is(sigexpExponent(0x40), 0), true, "0x40 is exponent +0, not -0");
});

Deno.test("decimalText matches decimal.ts shift, trailing zeros dropped", () => {
  const mantissas = [
    "0",
    "1",
    "6",
    "10",
    "100",
    "245",
    "6344",
    "187556",
    "191760",
    "20000",
    "4294967295",
  ];
  for (const digits of mantissas) {
    for (let exponent = -63; exponent <= 63; exponent++) {
      for (const negative of [false, true]) {
        const text = decimalText(negative, digits, exponent);
        assertEquals(
          text,
          canonical(negative, digits, exponent),
          `${negative} ${digits} ${exponent}`,
        );
        assertEquals(compare(text, shift((negative ? "-" : "") + digits, exponent)!), 0);
      }
    }
  }
  assertEquals(decimalText(false, "191760", -2), "1917.6");
  assertEquals(decimalText(false, "20000", -2), "200");
  assertEquals(decimalText(true, "0", -1), "0");
  assertEquals(decimalText(false, "5", -3), "0.005");
});

Deno.test("mantissaDigits reads big-endian unsigned integers of any length", () => {
  const bytes = decodeHex("ffffffffffffffffff");
  assertEquals(mantissaDigits(bytes, 0, 1), "255");
  assertEquals(mantissaDigits(bytes, 0, 6), "281474976710655");
  assertEquals(mantissaDigits(bytes, 0, 7), "72057594037927935");
  assertEquals(mantissaDigits(bytes, 0, 9), "4722366482869645213695");
  assertEquals(mantissaDigits(decodeHex("000000000000012a"), 0, 8), "298");
});

Deno.test("readNumber rejects truncation and zero length with undefined", () => {
  assertEquals(readNumber(decodeHex("")), undefined);
  assertEquals(readNumber(decodeHex("04")), undefined);
  assertEquals(readNumber(decodeHex("044300")), undefined);
  assertEquals(readNumber(decodeHex("0043")), undefined);
  assertEquals(readNumber(decodeHex("0243ffff"), 0, 3), undefined);
  assertEquals(readNumber(decodeHex("990243ffff"), 1)?.value, "65.535");
});

Deno.test("resolutionText keeps the meter's resolution", () => {
  const number = readNumber(decodeHex("04420002ed10"))!;
  assertEquals(number.value, "1917.6");
  assertEquals(resolutionText(number), "1917.60");
  assertEquals(resolutionText(readNumber(decodeHex("02410000"))!), "0.0");
  assertEquals(resolutionText(readNumber(decodeHex("02c10000"))!), "0.0");
  assertEquals(resolutionText(readNumber(decodeHex("02c20101"))!), "-2.57");
  assertEquals(resolutionText(readNumber(decodeHex("0103ff"))!), "255000");
});

Deno.test("writeNumber defaults: exponent from the text, 4 mantissa bytes", () => {
  assertEquals(encodeHex(writeNumber("1917.57")), "04420002ed0d");
  assertEquals(encodeHex(writeNumber("1917.60")), "04420002ed10");
  assertEquals(encodeHex(writeNumber("-123.45")), "04c200003039");
  assertEquals(encodeHex(writeNumber("0")), "040000000000");
  assertEquals(encodeHex(writeNumber("4294967296")), "05000100000000");
  assertEquals(encodeHex(writeNumber("255000", { exponent: 3, length: 1 })), "0103ff");
  assertEquals(encodeHex(writeNumber("1917.6", { exponent: -2 })), "04420002ed10");
  assertEquals(encodeHex(writeNumber("1917.60", { exponent: -1 })), "044100004ae8");
});

Deno.test("writeNumber throws for what the format cannot carry", () => {
  const cases: [string, { exponent?: number; length?: number }][] = [
    ["abc", {}],
    ["1e3", {}],
    ["1.5", { exponent: 0 }],
    ["1", { exponent: 64 }],
    ["1", { exponent: -64 }],
    ["1", { exponent: 0.5 }],
    ["0." + "0".repeat(63) + "1", {}],
    ["256", { length: 1 }],
    ["1", { length: 0 }],
    ["1", { length: 256 }],
  ];
  for (const [text, options] of cases) {
    assertRangeError(() => writeNumber(text, options), `${text} ${JSON.stringify(options)}`);
  }
});

Deno.test("writeNumber and readNumber round-trip", () => {
  for (
    const text of [
      "55.006",
      "-0.251",
      "63.44",
      "87654321000",
      "0.000",
      "-4660",
      "1959120400000000000000000",
    ]
  ) {
    const number = readNumber(writeNumber(text))!;
    assertEquals(compare(number.value, text), 0, text);
    assertEquals(resolutionText(number), normalize(text));
  }
});
