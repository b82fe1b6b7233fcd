import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { FrameDecrypter, looksLikeTelegram } from "../../../src/meters/t210/decrypt.ts";
import { type GloFrame, parseGloFrame } from "../../../src/meters/t210/frame.ts";
import { KEYED, keyed } from "./vectors.ts";
import { decodeHex, encodeHex } from "../../../src/bytes.ts";

function frameOf(bytes: Uint8Array): GloFrame {
  const frame = parseGloFrame(bytes);
  assertOk(frame.ok);
  return frame.value;
}

Deno.test("every keyed vector decrypts to exactly its plaintext without the tag check", async () => {
  for (const vector of KEYED) {
    const decrypter = new FrameDecrypter({ meterId: "t210", key: vector.key });
    assertEquals(decrypter.checksTag, false);
    const plain = await decrypter.decrypt(frameOf(vector.frame));
    assertOk(plain.ok, vector.name);
    assertEquals(encodeHex(plain.value), encodeHex(vector.plain), vector.name);
  }
});

Deno.test("vectors with an authentication key verify the GCM tag and decrypt the same", async () => {
  const withTag = KEYED.filter((v) => v.authKey);
  assertEquals(withTag.map((v) => v.name), [
    "lux_nexxtlab",
    "synthetic_dlmscosem_t210",
    "smarty_lu_spec-example_aad_at",
  ]);
  for (const vector of withTag) {
    const decrypter = new FrameDecrypter({
      meterId: "t210",
      key: vector.key,
      authKey: vector.authKey,
    });
    assertEquals(decrypter.checksTag, true);
    const plain = await decrypter.decrypt(frameOf(vector.frame));
    assertOk(plain.ok, vector.name);
    assertEquals(encodeHex(plain.value), encodeHex(vector.plain), vector.name);
  }
});

Deno.test("a frame sealed without AAD fails the tag check but decrypts without it", async () => {
  const sealed = keyed("smarty_lu_spec-example_aad_at");
  const bare = keyed("smarty_lu_spec-example_noaad_at");
  const frame = frameOf(bare.frame);
  const checked = await new FrameDecrypter({
    meterId: "lux",
    key: bare.key,
    authKey: sealed.authKey,
  }).decrypt(frame);
  assertOk(!checked.ok);
  assertEquals(checked.error.reason, "tag");
  assertMatch(checked.error.message, /the encryption key decrypts, so check meter\.auth_key/);
  assertOk((await new FrameDecrypter({ meterId: "lux", key: bare.key }).decrypt(frame)).ok);
});

Deno.test("a wrong key without the tag check is a decryption rejection naming meter.key", async () => {
  const vector = keyed("steiermark_shrdzm");
  const wrong = decodeHex("00112233445566778899aabbccddeeff");
  const result = await new FrameDecrypter({ meterId: "t210", key: wrong }).decrypt(
    frameOf(vector.frame),
  );
  assertOk(!result.ok);
  assertEquals(result.error.reason, "decryption");
  assertEquals(
    result.error.message,
    "decryption failed for meter t210: check meter.key (the encryption key, not the authentication key)",
  );
});

Deno.test("the authentication key given as the encryption key is caught too", async () => {
  for (const vector of KEYED.filter((v) => v.authKey)) {
    const result = await new FrameDecrypter({ meterId: "m", key: vector.authKey! }).decrypt(
      frameOf(vector.frame),
    );
    assertOk(!result.ok, vector.name);
    assertEquals(result.error.reason, "decryption");
  }
});

Deno.test("with the tag check, wrong or swapped keys are tag rejections that say which to check", async () => {
  const vector = keyed("lux_nexxtlab");
  const frame = frameOf(vector.frame);
  const attempt = (key: Uint8Array, authKey: Uint8Array) =>
    new FrameDecrypter({
      meterId: "lux",
      key,
      authKey,
      keyName: "lux.key",
      authKeyName: "lux.auth_key",
    }).decrypt(frame);
  const swapped = await attempt(vector.authKey!, vector.key);
  assertOk(!swapped.ok);
  assertEquals(swapped.error.reason, "tag");
  assertMatch(swapped.error.message, /^authentication tag mismatch for meter lux: check lux\.key/);
  assertMatch(swapped.error.message, /swapped/);
  const wrongAuth = await attempt(vector.key, decodeHex("000102030405060708090a0b0c0d0e0f"));
  assertOk(!wrongAuth.ok);
  assertEquals(wrongAuth.error.reason, "tag");
  assertMatch(wrongAuth.error.message, /the encryption key decrypts, so check lux\.auth_key/);
});

Deno.test("messages never contain a key", async () => {
  const vector = keyed("lux_nexxtlab");
  const frame = frameOf(vector.frame);
  const results = [
    await new FrameDecrypter({ meterId: "m", key: vector.authKey! }).decrypt(frame),
    await new FrameDecrypter({ meterId: "m", key: vector.authKey!, authKey: vector.key })
      .decrypt(frame),
    await new FrameDecrypter({ meterId: "m", key: vector.key.subarray(1) }).decrypt(frame),
  ];
  for (const result of results) {
    assertOk(!result.ok);
    const message = result.error.message.toLowerCase();
    for (const key of [vector.key, vector.authKey!]) {
      assertOk(!message.includes(encodeHex(key).slice(0, 8)));
    }
  }
});

Deno.test("keys of the wrong length are rejections, not exceptions", async () => {
  const frame = frameOf(keyed("lux_nexxtlab").frame);
  const short = await new FrameDecrypter({ meterId: "m", key: new Uint8Array(15) }).decrypt(frame);
  assertOk(!short.ok);
  assertEquals(short.error.reason, "decryption");
  assertMatch(short.error.message, /meter\.key must be 16 bytes/);
  const longAuth = await new FrameDecrypter({
    meterId: "m",
    key: new Uint8Array(16),
    authKey: new Uint8Array(17),
  }).decrypt(frame);
  assertOk(!longAuth.ok);
  assertMatch(longAuth.error.message, /meter\.auth_key must be 16 bytes/);
});

Deno.test("any changed byte of an authenticated frame fails the tag", async () => {
  const vector = keyed("synthetic_dlmscosem_t210");
  const decrypter = new FrameDecrypter({ meterId: "m", key: vector.key, authKey: vector.authKey });
  for (const at of [2, 9, 14, 17, 18, 200, 498, 499, 510]) {
    const bytes = vector.frame.slice();
    bytes[at] ^= 0x01;
    const result = await decrypter.decrypt(frameOf(bytes));
    assertOk(!result.ok, `byte ${at}`);
    assertEquals(result.error.reason, "tag");
  }
});

Deno.test("decrypting imports no WebCrypto key, neither per decrypter nor per frame", async () => {
  const subtle = crypto.subtle;
  const original = subtle.importKey;
  let imports = 0;
  Object.defineProperty(subtle, "importKey", {
    configurable: true,
    value: (...args: Parameters<SubtleCrypto["importKey"]>) => {
      imports++;
      return original.apply(subtle, args);
    },
  });
  try {
    const ctr = keyed("steiermark_shrdzm");
    const ctrDecrypter = new FrameDecrypter({ meterId: "m", key: ctr.key });
    const gcm = keyed("lux_nexxtlab");
    const gcmDecrypter = new FrameDecrypter({ meterId: "m", key: gcm.key, authKey: gcm.authKey });
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => ctrDecrypter.decrypt(frameOf(ctr.frame))),
      ...Array.from({ length: 10 }, () => gcmDecrypter.decrypt(frameOf(gcm.frame))),
    ]);
    assertOk(results.every((result) => result.ok));
    assertEquals(imports, 0);
  } finally {
    delete (subtle as unknown as Record<string, unknown>).importKey;
  }
  assertEquals(crypto.subtle.importKey, original);
});

Deno.test("looksLikeTelegram wants '/' and four printable characters", () => {
  const ascii = (text: string) => new TextEncoder().encode(text);
  assertOk(looksLikeTelegram(ascii("/EST5\\253")));
  assertOk(looksLikeTelegram(ascii("/Lux5")));
  assertOk(!looksLikeTelegram(ascii("/EST")));
  assertOk(!looksLikeTelegram(ascii("EST5\\253")));
  assertOk(!looksLikeTelegram(decodeHex("2f 45 53 00 35")));
  assertOk(!looksLikeTelegram(decodeHex("2f 45 53 54 ff")));
});
