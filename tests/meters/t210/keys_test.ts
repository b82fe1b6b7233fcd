import { assertEquals, assertOk } from "../../assert.ts";
import { parseKey } from "../../../src/meters/glo_keys.ts";
import { encodeHex } from "../../../src/bytes.ts";

Deno.test("parseKey takes 32 hex characters in either case, surrounding whitespace ignored", () => {
  const upper = parseKey("A89AE6C225E45130298B3CC3F4D23463", "meter.key");
  assertOk(upper.ok);
  assertEquals(encodeHex(upper.value), "a89ae6c225e45130298b3cc3f4d23463");
  const lower = parseKey("  0123456789abcdef0123456789ABCDEF\n", "meter.key");
  assertOk(lower.ok);
  assertEquals(encodeHex(lower.value), "0123456789abcdef0123456789abcdef");
});

Deno.test("parseKey says what is wrong without repeating the key", () => {
  const secret = "A89AE6C225E45130298B3CC3F4D234";
  const cases: [string, string][] = [
    [secret, "meter.key must be 32 hex characters (16 bytes), but it has 30"],
    [secret + "6301", "meter.key must be 32 hex characters (16 bytes), but it has 34"],
    ["", "meter.key must be 32 hex characters (16 bytes), but it has 0"],
    [secret + "6G", "meter.key must be 32 hex characters (0-9, A-F), but character 32 is not one"],
    [
      "A89AE6C2 5E45130298B3CC3F4D23463",
      "meter.key must be 32 hex characters (0-9, A-F), but character 9 is not one",
    ],
    [
      "0xA89AE6C225E45130298B3CC3F4D234",
      "meter.key must be 32 hex characters (0-9, A-F), but character 2 is not one",
    ],
  ];
  for (const [text, message] of cases) {
    const key = parseKey(text, "meter.key");
    assertOk(!key.ok, text);
    assertEquals(key.error, { reason: "decode", message });
  }
});
