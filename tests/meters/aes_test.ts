/**
 * AES-128, CTR and GCM in TypeScript against the published vectors and
 * against `node:crypto`. Every published value is first checked against
 * `node:crypto` here, so a mistyped vector fails as such. The fuzz cases
 * are seeded: a failure names its case, and the seed replays it.
 */
import { createCipheriv } from "node:crypto";
import { assertEquals, assertOk } from "../assert.ts";
import { Aes128, Aes128Gcm } from "../../src/meters/aes.ts";
import { concat, decodeHex, encodeHex } from "../../src/bytes.ts";
import { seededRandom } from "../random.ts";

const FUZZ_CASES = 4000;

function bytes(random: () => number, length: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

/** `node:crypto` AES-128-ECB of whole blocks: the reference cipher. */
function nodeEcb(key: Uint8Array, blocks: Uint8Array): string {
  const cipher = createCipheriv("aes-128-ecb", key, null);
  cipher.setAutoPadding(false);
  return encodeHex(concat(cipher.update(blocks), cipher.final()));
}

/** `node:crypto` AES-128-CTR from a 16-byte counter block (which it increments as 128 bits). */
function nodeCtr(key: Uint8Array, counterBlock: Uint8Array, text: Uint8Array): string {
  const cipher = createCipheriv("aes-128-ctr", key, counterBlock);
  return encodeHex(concat(cipher.update(text), cipher.final()));
}

/** `node:crypto` AES-128-GCM encryption: ciphertext and the full 16-byte tag, in hex. */
function nodeGcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array) {
  const cipher = createCipheriv("aes-128-gcm", key, nonce);
  if (aad.length > 0) cipher.setAAD(aad);
  const ciphertext = encodeHex(concat(cipher.update(plain), cipher.final()));
  return { ciphertext, tag: encodeHex(cipher.getAuthTag()) };
}

/** Whether `fn` throws a RangeError. */
function throwsRange(fn: () => unknown): boolean {
  try {
    fn();
  } catch (e) {
    return e instanceof RangeError;
  }
  return false;
}

Deno.test("FIPS-197 Appendix B and C.1: the AES-128 examples", () => {
  const vectors = [
    // Appendix B, cipher example
    ["2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734"],
    // Appendix C.1, AES-128
    ["000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff"],
  ];
  const expected = ["3925841d02dc09fbdc118597196a0b32", "69c4e0d86a7b0430d8cdb78070b4c55a"];
  for (const [n, [key, plain]] of vectors.entries()) {
    assertEquals(nodeEcb(decodeHex(key), decodeHex(plain)), expected[n], `node, vector ${n}`);
    const out = new Uint8Array(16);
    new Aes128(decodeHex(key)).encryptBlock(decodeHex(plain), out);
    assertEquals(encodeHex(out), expected[n], `vector ${n}`);
    const inPlace = decodeHex(plain);
    new Aes128(decodeHex(key)).encryptBlock(inPlace, inPlace);
    assertEquals(encodeHex(inPlace), expected[n], `vector ${n}, in place`);
  }
});

Deno.test("SP 800-38A F.5.1: CTR-AES128 (a 32-bit counter that does not wrap)", () => {
  const key = decodeHex("2b7e151628aed2a6abf7158809cf4f3c");
  const counterBlock = decodeHex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const plain = decodeHex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
  );
  const expected = "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff" +
    "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee";
  assertEquals(nodeCtr(key, counterBlock, plain), expected);
  for (const length of [64, 63, 17, 16, 1, 0]) {
    const out = new Uint8Array(length);
    new Aes128(key).ctr(counterBlock.subarray(0, 12), 0xfcfdfeff, plain.subarray(0, length), out);
    assertEquals(encodeHex(out), expected.slice(0, 2 * length), `${length} bytes`);
  }
});

Deno.test("CTR: the 32-bit counter wraps to 0 without carrying into the nonce (GCM's inc32)", () => {
  const random = seededRandom(0xae5_0001);
  const key = bytes(random, 16);
  const nonce = bytes(random, 12);
  const counterBlocks = concat(
    ...[0xfffffffe, 0xffffffff, 0, 1].map((c) => {
      const block = new Uint8Array(16);
      block.set(nonce);
      new DataView(block.buffer).setUint32(12, c);
      return block;
    }),
  );
  const out = new Uint8Array(64);
  new Aes128(key).ctr(nonce, 0xfffffffe, new Uint8Array(64), out);
  assertEquals(encodeHex(out), nodeEcb(key, counterBlocks));
});

/** The AES-128 test cases 1 to 4 of the GCM specification (McGrew and Viega). */
const GCM_CASES = [
  {
    key: "00000000000000000000000000000000",
    nonce: "000000000000000000000000",
    aad: "",
    plain: "",
    ciphertext: "",
    tag: "58e2fccefa7e3061367f1d57a4e7455a",
  },
  {
    key: "00000000000000000000000000000000",
    nonce: "000000000000000000000000",
    aad: "",
    plain: "00000000000000000000000000000000",
    ciphertext: "0388dace60b6a392f328c2b971b2fe78",
    tag: "ab6e47d42cec13bdf53a67b21257bddf",
  },
  {
    key: "feffe9928665731c6d6a8f9467308308",
    nonce: "cafebabefacedbaddecaf888",
    aad: "",
    plain: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
    ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
    tag: "4d5c2af327cd64a62cf35abd2ba6fab4",
  },
  {
    key: "feffe9928665731c6d6a8f9467308308",
    nonce: "cafebabefacedbaddecaf888",
    aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
    plain: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    tag: "5bc94fbc3221a5db94fae95ae7121a47",
  },
];

Deno.test("GCM specification test cases 1-4 (AES-128): decrypt, truncated tags, tampering", () => {
  for (const [n, v] of GCM_CASES.entries()) {
    const [key, nonce, aad, plain, ciphertext, tag] = [
      v.key,
      v.nonce,
      v.aad,
      v.plain,
      v.ciphertext,
      v.tag,
    ].map(decodeHex);
    const name = `test case ${n + 1}`;
    assertEquals(nodeGcm(key, nonce, aad, plain), { ciphertext: v.ciphertext, tag: v.tag }, name);
    const gcm = new Aes128Gcm(key);
    for (const length of [16, 15, 14, 13, 12, 8, 4]) {
      const out = new Uint8Array(ciphertext.length);
      assertOk(gcm.decrypt(nonce, aad, ciphertext, tag.subarray(0, length), out), name);
      assertEquals(encodeHex(out), v.plain, `${name}, ${length}-byte tag`);
    }
    const inPlace = ciphertext.slice();
    assertOk(gcm.decrypt(nonce, aad, inPlace, tag, inPlace));
    assertEquals(encodeHex(inPlace), v.plain, `${name}, in place`);
    const flip = (b: Uint8Array, at: number) => b.map((x, i) => i === at ? x ^ 1 : x);
    const tampered = [
      [nonce, aad, ciphertext, flip(tag, 15)],
      [nonce, aad, ciphertext, flip(tag, 0).subarray(0, 12)],
      [flip(nonce, 11), aad, ciphertext, tag],
      ...(aad.length > 0 ? [[nonce, flip(aad, aad.length - 1), ciphertext, tag]] : []),
      ...(ciphertext.length > 0 ? [[nonce, aad, flip(ciphertext, 0), tag]] : []),
      [nonce, concat(aad, new Uint8Array(1)), ciphertext, tag],
    ];
    for (const [k, [badNonce, badAad, badText, badTag]] of tampered.entries()) {
      const out = new Uint8Array(badText.length).fill(0xa5);
      assertOk(!gcm.decrypt(badNonce, badAad, badText, badTag, out), `${name}, tampering ${k}`);
      assertOk(out.every((b) => b === 0xa5), `${name}, tampering ${k}: the output is untouched`);
    }
  }
});

Deno.test("wrong key, nonce, tag or output lengths are RangeErrors", () => {
  const key = new Uint8Array(16);
  assertOk(throwsRange(() => new Aes128(new Uint8Array(15))));
  assertOk(throwsRange(() => new Aes128(new Uint8Array(32))));
  assertOk(throwsRange(() => new Aes128Gcm(new Uint8Array(24))));
  const aes = new Aes128(key);
  assertOk(throwsRange(() => aes.encryptBlock(new Uint8Array(15), new Uint8Array(16))));
  assertOk(throwsRange(() => aes.ctr(new Uint8Array(16), 2, new Uint8Array(4), new Uint8Array(4))));
  assertOk(throwsRange(() => aes.ctr(new Uint8Array(12), 2, new Uint8Array(4), new Uint8Array(3))));
  const gcm = new Aes128Gcm(key);
  const none = new Uint8Array(0);
  for (const tagLength of [0, 3, 5, 7, 9, 11, 17]) {
    const tag = new Uint8Array(tagLength);
    assertOk(throwsRange(() => gcm.decrypt(new Uint8Array(12), none, none, tag, none)));
  }
  const tag = new Uint8Array(16);
  assertOk(throwsRange(() => gcm.decrypt(new Uint8Array(8), none, none, tag, none)));
  assertOk(throwsRange(() => gcm.decrypt(new Uint8Array(12), none, new Uint8Array(4), tag, none)));
});

Deno.test(`fuzz: the block cipher and CTR equal node's for ${FUZZ_CASES} random keys`, () => {
  const random = seededRandom(0xae5_f001);
  const int = (n: number) => Math.floor(random() * n);
  for (let n = 0; n < FUZZ_CASES; n++) {
    const key = bytes(random, 16);
    const aes = new Aes128(key);
    const block = bytes(random, 16);
    const out = new Uint8Array(16);
    aes.encryptBlock(block, out);
    assertEquals(encodeHex(out), nodeEcb(key, block), `case ${n}: block`);
    const nonce = bytes(random, 12);
    const text = bytes(random, int(601));
    // A counter that does not wrap within the text (node carries into the nonce).
    const counter = n % 5 === 0 ? 2 : int(2 ** 32 - 64);
    const counterBlock = concat(nonce, new Uint8Array(4));
    new DataView(counterBlock.buffer).setUint32(12, counter);
    const result = new Uint8Array(text.length);
    aes.ctr(nonce, counter, text, result);
    assertEquals(encodeHex(result), nodeCtr(key, counterBlock, text), `case ${n}: CTR`);
  }
});

Deno.test(`fuzz: GCM decryption equals node's, and tampering fails, for ${FUZZ_CASES} frames`, () => {
  const random = seededRandom(0xae5_f002);
  const int = (n: number) => Math.floor(random() * n);
  const TAG_LENGTHS = [4, 8, 12, 12, 12, 13, 14, 15, 16, 16];
  for (let n = 0; n < FUZZ_CASES; n++) {
    const key = bytes(random, 16);
    const nonce = bytes(random, 12);
    const aad = bytes(random, random() < 0.5 ? 17 : int(80));
    const plain = bytes(random, int(601));
    const sealed = nodeGcm(key, nonce, aad, plain);
    const ciphertext = decodeHex(sealed.ciphertext);
    const tag = decodeHex(sealed.tag).subarray(0, TAG_LENGTHS[int(TAG_LENGTHS.length)]);
    const gcm = new Aes128Gcm(key);
    const out = new Uint8Array(plain.length);
    assertOk(gcm.decrypt(nonce, aad, ciphertext, tag, out), `case ${n}`);
    assertEquals(encodeHex(out), encodeHex(plain), `case ${n}`);
    // One bit flipped in the tag, the ciphertext, the AAD or the nonce.
    const parts = [tag, ciphertext, aad, nonce].filter((p) => p.length > 0);
    const part = parts[int(parts.length)];
    const at = int(part.length);
    const bit = 1 << int(8);
    part[at] ^= bit;
    const untouched = new Uint8Array(plain.length).fill(0x5a);
    assertOk(!gcm.decrypt(nonce, aad, ciphertext, tag, untouched), `case ${n}: tampered`);
    assertOk(untouched.every((b) => b === 0x5a), `case ${n}: no plaintext on a mismatch`);
    part[at] ^= bit;
    assertOk(gcm.decrypt(nonce, aad, ciphertext, tag, out), `case ${n}: restored`);
  }
});
