import { createCipheriv } from "node:crypto";
import { assertEquals, assertMatch, assertOk, assertThrows } from "../assert.ts";
import { GloCipher, type GloCiphertext } from "../../src/meters/glo_cipher.ts";
import { encodeHex } from "../../src/bytes.ts";
import { seededRandom } from "../random.ts";

function bytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

/** Seals a plaintext as a general-glo-ciphering frame with node's AES-GCM (the reference). */
function seal(
  key: Uint8Array,
  authKey: Uint8Array,
  systemTitle: Uint8Array,
  frameCounter: number,
  plain: Uint8Array,
  securityControl = 0x30,
): Required<GloCiphertext> {
  const nonce = new Uint8Array(12);
  nonce.set(systemTitle);
  new DataView(nonce.buffer).setUint32(8, frameCounter);
  const cipher = createCipheriv("aes-128-gcm", key, nonce, { authTagLength: 12 });
  const aad = new Uint8Array(17);
  aad[0] = securityControl;
  aad.set(authKey, 1);
  cipher.setAAD(aad);
  const ciphertext = new Uint8Array(cipher.update(plain));
  cipher.final();
  return {
    systemTitle,
    securityControl,
    frameCounter,
    ciphertext,
    tag: new Uint8Array(cipher.getAuthTag()),
  };
}

Deno.test("CTR and GCM decryption equal node's AES-GCM for 3000 random frames", () => {
  const random = seededRandom(0x61c0_0001);
  for (let n = 0; n < 3000; n++) {
    const key = bytes(random, 16);
    const authKey = bytes(random, 16);
    const plain = bytes(random, Math.floor(random() * 700));
    const counter = n % 7 === 0 ? 0xffffffff : Math.floor(random() * 2 ** 32);
    const frame = seal(key, authKey, bytes(random, 8), counter, plain);
    const ctr = new GloCipher(key).decrypt(frame);
    assertOk(ctr.ok, `case ${n}`);
    assertEquals(encodeHex(ctr.value), encodeHex(plain), `case ${n}`);
    const gcm = new GloCipher(key, authKey).decrypt(frame);
    assertOk(gcm.ok, `case ${n}`);
    assertEquals(encodeHex(gcm.value), encodeHex(plain), `case ${n}`);
  }
});

Deno.test("one cipher decrypts frame after frame (the keystream cipher keeps no state)", () => {
  const random = seededRandom(0x61c0_0002);
  const key = bytes(random, 16);
  const authKey = bytes(random, 16);
  const cipher = new GloCipher(key);
  for (let n = 0; n < 200; n++) {
    const plain = bytes(random, 1 + Math.floor(random() * 1200));
    const result = cipher.decrypt(seal(key, authKey, bytes(random, 8), n, plain));
    assertOk(result.ok);
    assertEquals(encodeHex(result.value), encodeHex(plain));
  }
});

Deno.test("a changed byte, tag, counter, title or security byte fails the tag", () => {
  const random = seededRandom(0x61c0_0003);
  const key = bytes(random, 16);
  const authKey = bytes(random, 16);
  const frame = seal(key, authKey, bytes(random, 8), 77, bytes(random, 300));
  const cipher = new GloCipher(key, authKey);
  const changed: GloCiphertext[] = [
    { ...frame, ciphertext: frame.ciphertext.map((b, i) => i === 150 ? b ^ 1 : b) },
    { ...frame, tag: frame.tag.map((b, i) => i === 11 ? b ^ 0x80 : b) },
    { ...frame, frameCounter: 78 },
    { ...frame, systemTitle: frame.systemTitle.map((b, i) => i === 0 ? b ^ 1 : b) },
    { ...frame, securityControl: 0x31 },
  ];
  for (const [n, bad] of changed.entries()) {
    const result = cipher.decrypt(bad);
    assertOk(!result.ok, `change ${n}`);
    assertEquals(result.error.reason, "tag");
    assertEquals(result.error.message, "authentication tag mismatch");
  }
  assertOk(new GloCipher(key, bytes(random, 16)).decrypt(frame).ok === false);
});

Deno.test("with an authentication key the tag is mandatory", () => {
  const random = seededRandom(0x61c0_0004);
  const key = bytes(random, 16);
  const frame = seal(key, bytes(random, 16), bytes(random, 8), 1, bytes(random, 40), 0x20);
  const untagged = { ...frame, tag: undefined };
  const result = new GloCipher(key, bytes(random, 16)).decrypt(untagged);
  assertOk(!result.ok);
  assertEquals(result.error.reason, "tag");
  assertMatch(result.error.message, /no authentication tag \(security control 0x20\)/);
  assertOk(new GloCipher(key).decrypt(untagged).ok);
  const short = new GloCipher(key, bytes(random, 16)).decrypt({
    ...frame,
    tag: frame.tag.subarray(0, 8),
  });
  assertOk(!short.ok && short.error.reason === "tag");
});

Deno.test("keys of the wrong length are the caller's mistake; a bad system title is a rejection", () => {
  assertThrows(() => new GloCipher(new Uint8Array(15)));
  assertThrows(() => new GloCipher(new Uint8Array(16), new Uint8Array(17)));
  const result = new GloCipher(new Uint8Array(16)).decrypt({
    systemTitle: new Uint8Array(7),
    securityControl: 0x20,
    frameCounter: 0,
    ciphertext: new Uint8Array(4),
  });
  assertOk(!result.ok && result.error.reason === "decryption");
});

Deno.test("an empty ciphertext decrypts to nothing", () => {
  const key = new Uint8Array(16);
  const frame = seal(key, key, new Uint8Array(8), 5, new Uint8Array(0));
  const ctr = new GloCipher(key).decrypt(frame);
  assertOk(ctr.ok && ctr.value.length === 0);
  const gcm = new GloCipher(key, key).decrypt(frame);
  assertOk(gcm.ok && gcm.value.length === 0);
});
