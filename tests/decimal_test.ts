import { assertEquals, assertThrows } from "./assert.ts";
import { compare, fixed, isDecimal, normalize, shift, sum, whole } from "../src/decimal.ts";

Deno.test("normalize keeps resolution and drops leading zeros and signs", () => {
  assertEquals(normalize("014159.934"), "14159.934");
  assertEquals(normalize("-0.000"), "0.000");
  assertEquals(normalize("+5"), "5");
  assertEquals(normalize(".5"), "0.5");
  assertEquals(normalize("00000"), "0");
  assertEquals(normalize("1e3"), undefined);
  assertEquals(normalize(""), undefined);
  assertEquals(normalize("-"), undefined);
  assertEquals(normalize("12a"), undefined);
});

Deno.test("shift multiplies by powers of ten exactly", () => {
  assertEquals(shift("014159934", -3), "14159.934");
  assertEquals(shift("01.193", 3), "1193");
  assertEquals(shift("0.5", 3), "500");
  assertEquals(shift("5", 2), "500");
  assertEquals(shift("6344", -2), "63.44");
  assertEquals(shift("-12", -3), "-0.012");
  assertEquals(shift("000000", -3), "0.000");
  assertEquals(shift("1000000000000000000000", 0), "1000000000000000000000");
});

Deno.test("sum is exact and keeps the finest resolution", () => {
  assertEquals(sum(["0.1", "0.2"]), "0.3");
  assertEquals(sum(["5017.120", "1528.646"]), "6545.766");
  assertEquals(sum(["1", "0.25"]), "1.25");
  assertEquals(sum([]), undefined);
  assertEquals(sum(["1", "x"]), undefined);
});

Deno.test("compare orders decimals numerically", () => {
  assertEquals(compare("10.0", "9.99"), 1);
  assertEquals(compare("1.000", "1"), 0);
  assertEquals(compare("-1", "0"), -1);
  assertThrows(() => compare("a", "1"));
});

Deno.test("fixed formats floats without tails or exponents", () => {
  assertEquals(fixed(0.1 + 0.2, 3), "0.300");
  assertEquals(fixed(1e21, 0), "1000000000000000000000");
  assertEquals(fixed(-0.0001, 3), "0.000");
  assertEquals(fixed(230.14999, 1), "230.1");
  assertEquals(isDecimal("12.5"), true);
});

Deno.test("shift and normalize agree with exact BigInt arithmetic on random decimals", () => {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 20_000; i++) {
    const whole = String(Math.floor(random() * 1e9)).padStart(Math.floor(random() * 12), "0");
    const fraction = random() < 0.5 ? "" : "." + String(Math.floor(random() * 1e6));
    const sign = random() < 0.3 ? "-" : "";
    const text = sign + whole + fraction;
    const exponent = Math.floor(random() * 13) - 6;
    const scale = fraction.length > 0 ? fraction.length - 1 : 0;
    const digits = BigInt(sign + (whole + fraction.slice(1) || "0"));
    const expectedScale = Math.max(0, scale - exponent);
    const scaled = digits * 10n ** BigInt(expectedScale - scale + exponent);
    const abs = (scaled < 0n ? -scaled : scaled).toString().padStart(expectedScale + 1, "0");
    const body = expectedScale > 0
      ? `${abs.slice(0, abs.length - expectedScale)}.${abs.slice(abs.length - expectedScale)}`
      : abs;
    assertEquals(shift(text, exponent), (scaled < 0n ? "-" : "") + body, `${text} e${exponent}`);
    assertEquals(compare(normalize(text)!, text), 0);
  }
});

Deno.test("whole takes decimals without a fraction as integers, nothing else", () => {
  assertEquals(whole("1193"), "1193");
  assertEquals(whole("01193.000"), "1193");
  assertEquals(whole("-0.000"), "0");
  assertEquals(whole("-12.0"), "-12");
  assertEquals(whole("1688.21"), undefined);
  assertEquals(whole("0.001"), undefined);
  assertEquals(whole("1e3"), undefined);
  assertEquals(whole(""), undefined);
});
