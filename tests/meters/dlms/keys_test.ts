import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { encodeHex } from "../../../src/bytes.ts";
import { parseDlmsKey } from "../../../src/meters/glo_keys.ts";

Deno.test("parseDlmsKey takes 32 hex characters or 16 printable ASCII characters", () => {
  assertEquals(
    encodeHex(unwrap(parseDlmsKey(" 36C66639E48A8CA4D6BC8B282A793BBB\n", "meter.key"))),
    "36c66639e48a8ca4d6bc8b282a793bbb",
  );
  assertEquals(
    encodeHex(unwrap(parseDlmsKey("9CoQ7w5LMFoLS3gJ", "meter.key"))),
    "39436f513777354c4d466f4c5333674a",
  );
  assertEquals(unwrap(parseDlmsKey("HpODO2mPPU03xL33", "meter.key")).length, 16);
});

Deno.test("parseDlmsKey says what is wrong without repeating the key", () => {
  const cases: [string, string][] = [
    ["9CoQ7w5LMFoLS3g", "meter.key must be 32 hex characters (16 bytes), but it has 15"],
    [
      "9CoQ7w5LMFoLS3g\u00e9",
      "meter.key must be 32 hex characters or 16 printable ASCII characters, but character 16 of the 16 is not printable",
    ],
    [
      "36C66639E48A8CA4D6BC8B282A793BBX",
      "meter.key must be 32 hex characters (0-9, A-F), but character 32 is not one",
    ],
  ];
  for (const [text, message] of cases) {
    const result = parseDlmsKey(text, "meter.key");
    assertOk(!result.ok);
    assertEquals(result.error, { reason: "decode", message });
  }
});
