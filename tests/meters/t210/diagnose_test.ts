import { assertEquals, assertOk } from "../../assert.ts";
import { diagnoseKeys } from "../../../src/meters/t210/diagnose.ts";
import { parseGloFrame } from "../../../src/meters/t210/frame.ts";
import { keyed } from "./vectors.ts";
import { decodeHex } from "../../../src/bytes.ts";

const other = decodeHex("f0e1d2c3b4a5968778695a4b3c2d1e0f");

Deno.test("diagnoseKeys tells right, swapped and wrong keys apart", async () => {
  const vector = keyed("lux_nexxtlab");
  const frame = parseGloFrame(vector.frame);
  assertOk(frame.ok);
  const key = vector.key;
  const authKey = vector.authKey!;
  const verdict = async (keys: { key: Uint8Array; authKey?: Uint8Array }) =>
    (await diagnoseKeys(frame.value, keys)).verdict;
  assertEquals(await verdict({ key, authKey }), "ok");
  assertEquals(await verdict({ key }), "ok");
  assertEquals(await verdict({ key: authKey, authKey: key }), "swapped");
  assertEquals(await verdict({ key, authKey: other }), "wrong-auth-key");
  assertEquals(await verdict({ key: other, authKey }), "wrong-key");
  assertEquals(await verdict({ key: authKey }), "wrong-key");
  assertEquals(await verdict({ key: other }), "wrong-key");
});

Deno.test("diagnoseKeys works without an authentication key (Steiermark) and says what to do", async () => {
  const vector = keyed("steiermark_shrdzm");
  const frame = parseGloFrame(vector.frame);
  assertOk(frame.ok);
  assertEquals(await diagnoseKeys(frame.value, { key: vector.key }), {
    verdict: "ok",
    message: "the encryption key decrypts the frame (no tag check)",
  });
  assertEquals(await diagnoseKeys(frame.value, { key: other, authKey: vector.key }), {
    verdict: "swapped",
    message: "the keys are swapped: the configured authentication key is the encryption key",
  });
  const wrong = await diagnoseKeys(frame.value, { key: other });
  assertEquals(wrong.verdict, "wrong-key");
  assertEquals(
    wrong.message,
    "the encryption key does not decrypt the frame: it belongs to another meter or was mistyped",
  );
});
