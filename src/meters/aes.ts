/**
 * AES-128 in TypeScript: the forward cipher (FIPS-197) and the two modes of
 * general-glo-ciphering, CTR keystream XOR and GCM decryption with the tag
 * check (NIST SP 800-38D). Both modes decrypt with the forward cipher, so
 * the inverse cipher is left out.
 *
 * The cipher works on 32-bit big-endian words, one word per column of the
 * state. A round is sixteen lookups in a table that folds SubBytes,
 * ShiftRows and MixColumns together (the T-table, built at load from the
 * S-box, which is computed as FIPS-197 §5.1.1 defines it). GHASH multiplies
 * by the hash key one byte at a time, with a per-key table of the 256 byte
 * multiples of the key (Shoup's method, 4 KB). Nothing is allocated per
 * block or per call.
 */

const KEY_BYTES = 16;
const BLOCK = 16;
/** Words of the AES-128 key schedule: 4 for each of the 11 round keys. */
const SCHEDULE_WORDS = 44;
/** Bytes of a GCM nonce here: the 96-bit IV of SP 800-38D. */
const NONCE_BYTES = 12;

/** Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS-197 `xtime`). */
function xtime(b: number): number {
  return ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;
}

/** The S-box: the multiplicative inverse in GF(2^8), then the affine transformation. */
const SBOX = new Uint8Array(256);
/**
 * The round table, four parts of 256 words. Part 0 holds the column
 * [2·S(a), S(a), S(a), 3·S(a)] that state byte a in row 0 contributes to
 * MixColumns; parts 1 to 3 hold the same for rows 1 to 3, each rotated one
 * more byte to the right.
 */
const T = new Int32Array(4 * 256);

{
  // The powers of the generator 3 run through every non-zero element: the
  // inverse of 3^i is 3^(255-i).
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, p = 1; i < 255; i++, p ^= xtime(p)) {
    exp[i] = p;
    log[p] = i;
  }
  for (let a = 0; a < 256; a++) {
    const b = a === 0 ? 0 : exp[(255 - log[a]) % 255];
    const rotl = (n: number) => ((b << n) | (b >>> (8 - n))) & 0xff;
    const s = b ^ rotl(1) ^ rotl(2) ^ rotl(3) ^ rotl(4) ^ 0x63;
    SBOX[a] = s;
    const t = (xtime(s) << 24) | (s << 16) | (s << 8) | (xtime(s) ^ s);
    T[a] = t;
    T[256 + a] = (t >>> 8) | (t << 24);
    T[512 + a] = (t >>> 16) | (t << 16);
    T[768 + a] = (t >>> 24) | (t << 8);
  }
}

/** Reads four bytes big-endian as a 32-bit word. */
function word(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
}

/** Writes a 32-bit word as four bytes big-endian. */
function putWord(bytes: Uint8Array, at: number, w: number): void {
  bytes[at] = w >>> 24;
  bytes[at + 1] = w >>> 16;
  bytes[at + 2] = w >>> 8;
  bytes[at + 3] = w;
}

/** Throws a RangeError unless the key is 16 bytes. */
function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw new RangeError(`an AES-128 key is ${KEY_BYTES} bytes, not ${key.length}`);
  }
}

/** Throws a RangeError unless the nonce is 12 bytes. */
function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_BYTES) {
    throw new RangeError(`the nonce must be ${NONCE_BYTES} bytes, not ${nonce.length}`);
  }
}

/** The 44 words of the AES-128 key schedule (FIPS-197 §5.2, KeyExpansion). */
function expandKey(key: Uint8Array): Int32Array {
  checkKey(key);
  const w = new Int32Array(SCHEDULE_WORDS);
  for (let i = 0; i < 4; i++) w[i] = word(key, 4 * i);
  for (let i = 4, rcon = 1; i < SCHEDULE_WORDS; i++) {
    let t = w[i - 1];
    if (i % 4 === 0) {
      // SubWord(RotWord(t)) xor Rcon[i/4]
      t = (SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) |
        (SBOX[t & 0xff] << 8) | SBOX[t >>> 24];
      t ^= rcon << 24;
      rcon = xtime(rcon);
    }
    w[i] = w[i - 4] ^ t;
  }
  return w;
}

/**
 * Encrypts the block of words s0..s3 with the key schedule `rk` and writes
 * the four words of the result to `out`. The rounds are unrolled: round r
 * adds round key words 4r..4r+3; the last round has no MixColumns.
 */
function encryptWords(
  rk: Int32Array,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  out: Int32Array,
): void {
  s0 ^= rk[0];
  s1 ^= rk[1];
  s2 ^= rk[2];
  s3 ^= rk[3];
  let t0, t1, t2, t3;
  t0 = T[s0 >>> 24] ^ T[256 | ((s1 >>> 16) & 255)] ^ T[512 | ((s2 >>> 8) & 255)] ^
    T[768 | (s3 & 255)] ^ rk[4];
  t1 = T[s1 >>> 24] ^ T[256 | ((s2 >>> 16) & 255)] ^ T[512 | ((s3 >>> 8) & 255)] ^
    T[768 | (s0 & 255)] ^ rk[5];
  t2 = T[s2 >>> 24] ^ T[256 | ((s3 >>> 16) & 255)] ^ T[512 | ((s0 >>> 8) & 255)] ^
    T[768 | (s1 & 255)] ^ rk[6];
  t3 = T[s3 >>> 24] ^ T[256 | ((s0 >>> 16) & 255)] ^ T[512 | ((s1 >>> 8) & 255)] ^
    T[768 | (s2 & 255)] ^ rk[7];
  s0 = T[t0 >>> 24] ^ T[256 | ((t1 >>> 16) & 255)] ^ T[512 | ((t2 >>> 8) & 255)] ^
    T[768 | (t3 & 255)] ^ rk[8];
  s1 = T[t1 >>> 24] ^ T[256 | ((t2 >>> 16) & 255)] ^ T[512 | ((t3 >>> 8) & 255)] ^
    T[768 | (t0 & 255)] ^ rk[9];
  s2 = T[t2 >>> 24] ^ T[256 | ((t3 >>> 16) & 255)] ^ T[512 | ((t0 >>> 8) & 255)] ^
    T[768 | (t1 & 255)] ^ rk[10];
  s3 = T[t3 >>> 24] ^ T[256 | ((t0 >>> 16) & 255)] ^ T[512 | ((t1 >>> 8) & 255)] ^
    T[768 | (t2 & 255)] ^ rk[11];
  t0 = T[s0 >>> 24] ^ T[256 | ((s1 >>> 16) & 255)] ^ T[512 | ((s2 >>> 8) & 255)] ^
    T[768 | (s3 & 255)] ^ rk[12];
  t1 = T[s1 >>> 24] ^ T[256 | ((s2 >>> 16) & 255)] ^ T[512 | ((s3 >>> 8) & 255)] ^
    T[768 | (s0 & 255)] ^ rk[13];
  t2 = T[s2 >>> 24] ^ T[256 | ((s3 >>> 16) & 255)] ^ T[512 | ((s0 >>> 8) & 255)] ^
    T[768 | (s1 & 255)] ^ rk[14];
  t3 = T[s3 >>> 24] ^ T[256 | ((s0 >>> 16) & 255)] ^ T[512 | ((s1 >>> 8) & 255)] ^
    T[768 | (s2 & 255)] ^ rk[15];
  s0 = T[t0 >>> 24] ^ T[256 | ((t1 >>> 16) & 255)] ^ T[512 | ((t2 >>> 8) & 255)] ^
    T[768 | (t3 & 255)] ^ rk[16];
  s1 = T[t1 >>> 24] ^ T[256 | ((t2 >>> 16) & 255)] ^ T[512 | ((t3 >>> 8) & 255)] ^
    T[768 | (t0 & 255)] ^ rk[17];
  s2 = T[t2 >>> 24] ^ T[256 | ((t3 >>> 16) & 255)] ^ T[512 | ((t0 >>> 8) & 255)] ^
    T[768 | (t1 & 255)] ^ rk[18];
  s3 = T[t3 >>> 24] ^ T[256 | ((t0 >>> 16) & 255)] ^ T[512 | ((t1 >>> 8) & 255)] ^
    T[768 | (t2 & 255)] ^ rk[19];
  t0 = T[s0 >>> 24] ^ T[256 | ((s1 >>> 16) & 255)] ^ T[512 | ((s2 >>> 8) & 255)] ^
    T[768 | (s3 & 255)] ^ rk[20];
  t1 = T[s1 >>> 24] ^ T[256 | ((s2 >>> 16) & 255)] ^ T[512 | ((s3 >>> 8) & 255)] ^
    T[768 | (s0 & 255)] ^ rk[21];
  t2 = T[s2 >>> 24] ^ T[256 | ((s3 >>> 16) & 255)] ^ T[512 | ((s0 >>> 8) & 255)] ^
    T[768 | (s1 & 255)] ^ rk[22];
  t3 = T[s3 >>> 24] ^ T[256 | ((s0 >>> 16) & 255)] ^ T[512 | ((s1 >>> 8) & 255)] ^
    T[768 | (s2 & 255)] ^ rk[23];
  s0 = T[t0 >>> 24] ^ T[256 | ((t1 >>> 16) & 255)] ^ T[512 | ((t2 >>> 8) & 255)] ^
    T[768 | (t3 & 255)] ^ rk[24];
  s1 = T[t1 >>> 24] ^ T[256 | ((t2 >>> 16) & 255)] ^ T[512 | ((t3 >>> 8) & 255)] ^
    T[768 | (t0 & 255)] ^ rk[25];
  s2 = T[t2 >>> 24] ^ T[256 | ((t3 >>> 16) & 255)] ^ T[512 | ((t0 >>> 8) & 255)] ^
    T[768 | (t1 & 255)] ^ rk[26];
  s3 = T[t3 >>> 24] ^ T[256 | ((t0 >>> 16) & 255)] ^ T[512 | ((t1 >>> 8) & 255)] ^
    T[768 | (t2 & 255)] ^ rk[27];
  t0 = T[s0 >>> 24] ^ T[256 | ((s1 >>> 16) & 255)] ^ T[512 | ((s2 >>> 8) & 255)] ^
    T[768 | (s3 & 255)] ^ rk[28];
  t1 = T[s1 >>> 24] ^ T[256 | ((s2 >>> 16) & 255)] ^ T[512 | ((s3 >>> 8) & 255)] ^
    T[768 | (s0 & 255)] ^ rk[29];
  t2 = T[s2 >>> 24] ^ T[256 | ((s3 >>> 16) & 255)] ^ T[512 | ((s0 >>> 8) & 255)] ^
    T[768 | (s1 & 255)] ^ rk[30];
  t3 = T[s3 >>> 24] ^ T[256 | ((s0 >>> 16) & 255)] ^ T[512 | ((s1 >>> 8) & 255)] ^
    T[768 | (s2 & 255)] ^ rk[31];
  s0 = T[t0 >>> 24] ^ T[256 | ((t1 >>> 16) & 255)] ^ T[512 | ((t2 >>> 8) & 255)] ^
    T[768 | (t3 & 255)] ^ rk[32];
  s1 = T[t1 >>> 24] ^ T[256 | ((t2 >>> 16) & 255)] ^ T[512 | ((t3 >>> 8) & 255)] ^
    T[768 | (t0 & 255)] ^ rk[33];
  s2 = T[t2 >>> 24] ^ T[256 | ((t3 >>> 16) & 255)] ^ T[512 | ((t0 >>> 8) & 255)] ^
    T[768 | (t1 & 255)] ^ rk[34];
  s3 = T[t3 >>> 24] ^ T[256 | ((t0 >>> 16) & 255)] ^ T[512 | ((t1 >>> 8) & 255)] ^
    T[768 | (t2 & 255)] ^ rk[35];
  t0 = T[s0 >>> 24] ^ T[256 | ((s1 >>> 16) & 255)] ^ T[512 | ((s2 >>> 8) & 255)] ^
    T[768 | (s3 & 255)] ^ rk[36];
  t1 = T[s1 >>> 24] ^ T[256 | ((s2 >>> 16) & 255)] ^ T[512 | ((s3 >>> 8) & 255)] ^
    T[768 | (s0 & 255)] ^ rk[37];
  t2 = T[s2 >>> 24] ^ T[256 | ((s3 >>> 16) & 255)] ^ T[512 | ((s0 >>> 8) & 255)] ^
    T[768 | (s1 & 255)] ^ rk[38];
  t3 = T[s3 >>> 24] ^ T[256 | ((s0 >>> 16) & 255)] ^ T[512 | ((s1 >>> 8) & 255)] ^
    T[768 | (s2 & 255)] ^ rk[39];
  const S = SBOX;
  out[0] = ((S[t0 >>> 24] << 24) | (S[(t1 >>> 16) & 255] << 16) | (S[(t2 >>> 8) & 255] << 8) |
    S[t3 & 255]) ^ rk[40];
  out[1] = ((S[t1 >>> 24] << 24) | (S[(t2 >>> 16) & 255] << 16) | (S[(t3 >>> 8) & 255] << 8) |
    S[t0 & 255]) ^ rk[41];
  out[2] = ((S[t2 >>> 24] << 24) | (S[(t3 >>> 16) & 255] << 16) | (S[(t0 >>> 8) & 255] << 8) |
    S[t1 & 255]) ^ rk[42];
  out[3] = ((S[t3 >>> 24] << 24) | (S[(t0 >>> 16) & 255] << 16) | (S[(t1 >>> 8) & 255] << 8) |
    S[t2 & 255]) ^ rk[43];
}

/**
 * XORs `input` with the CTR keystream into `output`: keystream block i is
 * the encryption of the words n0 n1 n2 (counter + i), the counter wrapping
 * at 32 bits. `ks` is scratch for the keystream words.
 */
function ctrXor(
  rk: Int32Array,
  ks: Int32Array,
  n0: number,
  n1: number,
  n2: number,
  counter: number,
  input: Uint8Array,
  output: Uint8Array,
): void {
  const length = input.length;
  const full = length - (length % BLOCK);
  let at = 0;
  for (; at < full; at += BLOCK, counter++) {
    encryptWords(rk, n0, n1, n2, counter | 0, ks);
    for (let j = 0; j < 4; j++) {
      const k = ks[j];
      const p = at + 4 * j;
      output[p] = input[p] ^ (k >>> 24);
      output[p + 1] = input[p + 1] ^ (k >>> 16);
      output[p + 2] = input[p + 2] ^ (k >>> 8);
      output[p + 3] = input[p + 3] ^ k;
    }
  }
  if (at < length) {
    encryptWords(rk, n0, n1, n2, counter | 0, ks);
    for (let j = 0; at < length; j++, at++) {
      output[at] = input[at] ^ (ks[j >> 2] >>> (24 - 8 * (j & 3)));
    }
  }
}

/** The AES-128 forward cipher with the round keys of one key, expanded once. */
export class Aes128 {
  readonly #rk: Int32Array;
  /** Scratch for the words of one block. */
  readonly #ks = new Int32Array(4);

  /** Expands a 16-byte key; a key of another length is a RangeError. */
  constructor(key: Uint8Array) {
    this.#rk = expandKey(key);
  }

  /** Encrypts the first 16 bytes of `input` into `output` (which may be the same array). */
  encryptBlock(input: Uint8Array, output: Uint8Array): void {
    if (input.length < BLOCK || output.length < BLOCK) {
      throw new RangeError(`an AES block is ${BLOCK} bytes`);
    }
    const ks = this.#ks;
    encryptWords(this.#rk, word(input, 0), word(input, 4), word(input, 8), word(input, 12), ks);
    for (let i = 0; i < 4; i++) putWord(output, 4 * i, ks[i]);
  }

  /**
   * XORs `input` with the CTR keystream into `output`, which must be at
   * least as long (it may be `input` itself). Keystream block i is the
   * encryption of the counter block `nonce` (12 bytes) || `counter` + i as a
   * 32-bit big-endian number, wrapping as GCM's inc32 does. CTR encryption
   * and decryption are this same XOR.
   */
  ctr(nonce: Uint8Array, counter: number, input: Uint8Array, output: Uint8Array): void {
    checkNonce(nonce);
    if (output.length < input.length) throw new RangeError("the output is shorter than the input");
    const n0 = word(nonce, 0);
    ctrXor(this.#rk, this.#ks, n0, word(nonce, 4), word(nonce, 8), counter, input, output);
  }
}

/**
 * Multiplies the GCM field element in words v[at]..v[at+3] by x, in place:
 * in the bit order of SP 800-38D (bit 0 is the top bit of the first byte)
 * a right shift by one, reduced by R = 11100001 || 0^120.
 */
function timesX(v: Int32Array, at: number): void {
  const carry = v[at + 3] & 1;
  v[at + 3] = (v[at + 3] >>> 1) | (v[at + 2] << 31);
  v[at + 2] = (v[at + 2] >>> 1) | (v[at + 1] << 31);
  v[at + 1] = (v[at + 1] >>> 1) | (v[at] << 31);
  v[at] = (v[at] >>> 1) ^ (carry ? 0xe1000000 : 0);
}

/**
 * The reduction of a multiplication by x^8: entry b is what the last byte
 * b, shifted out, adds back into the first word (its top 16 bits).
 */
const REDUCE8 = new Int32Array(256);

{
  const v = new Int32Array(4);
  for (let b = 0; b < 256; b++) {
    v.fill(0);
    v[3] = b;
    for (let i = 0; i < 8; i++) timesX(v, 0);
    REDUCE8[b] = v[0];
  }
}

/**
 * GHASH over the whole blocks of `bytes[0, end)`: Y = (Y xor X) · H for each
 * block X, from and back to the state words `y`. `m` is the table of the
 * byte multiples of H. The product is Horner's rule over the bytes of
 * Y xor X, last byte first: Z = Z · x^8 + b · H, unrolled.
 */
function ghashBlocks(m: Int32Array, y: Int32Array, bytes: Uint8Array, end: number): void {
  const R = REDUCE8;
  let y0 = y[0], y1 = y[1], y2 = y[2], y3 = y[3];
  let z0, z1, z2, z3, i, low;
  for (let at = 0; at + BLOCK <= end; at += BLOCK) {
    const x0 = y0 ^ word(bytes, at);
    const x1 = y1 ^ word(bytes, at + 4);
    const x2 = y2 ^ word(bytes, at + 8);
    const x3 = y3 ^ word(bytes, at + 12);
    i = (x3 & 255) << 2;
    z0 = m[i];
    z1 = m[i + 1];
    z2 = m[i + 2];
    z3 = m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x3 >>> 8) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x3 >>> 16) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = (x3 >>> 24) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = (x2 & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x2 >>> 8) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x2 >>> 16) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = (x2 >>> 24) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = (x1 & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x1 >>> 8) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x1 >>> 16) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = (x1 >>> 24) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = (x0 & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x0 >>> 8) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = ((x0 >>> 16) & 255) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    low = z3 & 255;
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    i = (x0 >>> 24) << 2;
    z0 = (z0 >>> 8) ^ R[low] ^ m[i];
    z1 ^= m[i + 1];
    z2 ^= m[i + 2];
    z3 ^= m[i + 3];
    y0 = z0;
    y1 = z1;
    y2 = z2;
    y3 = z3;
  }
  y[0] = y0;
  y[1] = y1;
  y[2] = y2;
  y[3] = y3;
}

/**
 * AES-128-GCM decryption with a 12-byte nonce (SP 800-38D), for one key:
 * the key schedule and the GHASH table of the hash key are made once.
 */
export class Aes128Gcm {
  readonly #rk: Int32Array;
  /** Words 4b..4b+3: the hash key H times the byte b (its top bit is x^0). */
  readonly #table = new Int32Array(4 * 256);
  /** Scratch: the GHASH state, the words of one block, and a padded or lengths block. */
  readonly #y = new Int32Array(4);
  readonly #ks = new Int32Array(4);
  readonly #block = new Uint8Array(BLOCK);

  /** Expands a 16-byte key and tabulates its hash key; a key of another length is a RangeError. */
  constructor(key: Uint8Array) {
    this.#rk = expandKey(key);
    const m = this.#table;
    // H, the encryption of the zero block, is the multiple of byte 0x80 (the
    // polynomial 1); H·x ... H·x^7 those of 0x40 ... 0x01; the rest are sums.
    encryptWords(this.#rk, 0, 0, 0, 0, this.#ks);
    m.set(this.#ks, 4 * 0x80);
    for (let b = 0x40; b > 0; b >>= 1) {
      m.copyWithin(4 * b, 8 * b, 8 * b + 4);
      timesX(m, 4 * b);
    }
    for (let high = 2; high < 256; high <<= 1) {
      for (let low = 1; low < high; low++) {
        for (let i = 0; i < 4; i++) m[4 * (high + low) + i] = m[4 * high + i] ^ m[4 * low + i];
      }
    }
  }

  /**
   * Checks the tag of `ciphertext` and, when it matches, decrypts it into
   * `output` (at least as long; it may be `ciphertext` itself) and returns
   * true. On a mismatch returns false and leaves `output` untouched. The
   * nonce is 12 bytes; the tag is the leading 4, 8 or 12 to 16 bytes of the
   * full tag (SP 800-38D §5.2.1.2), and all of its bytes are compared
   * whatever the first difference. Other lengths are a RangeError.
   */
  decrypt(
    nonce: Uint8Array,
    aad: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    output: Uint8Array,
  ): boolean {
    checkNonce(nonce);
    const t = tag.length;
    if (t !== 4 && t !== 8 && (t < 12 || t > 16)) {
      throw new RangeError(`a GCM tag is 4, 8 or 12 to 16 bytes, not ${t}`);
    }
    if (output.length < ciphertext.length) {
      throw new RangeError("the output is shorter than the ciphertext");
    }
    const y = this.#y.fill(0);
    this.#hash(aad);
    this.#hash(ciphertext);
    const lengths = this.#block;
    putWord(lengths, 0, Math.floor(aad.length / 2 ** 29));
    putWord(lengths, 4, aad.length << 3);
    putWord(lengths, 8, Math.floor(ciphertext.length / 2 ** 29));
    putWord(lengths, 12, ciphertext.length << 3);
    ghashBlocks(this.#table, y, lengths, BLOCK);
    // The full tag is GHASH xor the encryption of nonce || 1.
    const n0 = word(nonce, 0);
    const n1 = word(nonce, 4);
    const n2 = word(nonce, 8);
    const ks = this.#ks;
    encryptWords(this.#rk, n0, n1, n2, 1, ks);
    let diff = 0;
    for (let i = 0; i < t; i++) {
      diff |= (((ks[i >> 2] ^ y[i >> 2]) >>> (24 - 8 * (i & 3))) ^ tag[i]) & 0xff;
    }
    if (diff !== 0) return false;
    ctrXor(this.#rk, ks, n0, n1, n2, 2, ciphertext, output);
    return true;
  }

  /** Feeds bytes to GHASH, the last block padded with zeros. */
  #hash(bytes: Uint8Array): void {
    const length = bytes.length;
    const whole = length - (length % BLOCK);
    ghashBlocks(this.#table, this.#y, bytes, whole);
    if (whole < length) {
      const last = this.#block.fill(0);
      for (let i = whole; i < length; i++) last[i - whole] = bytes[i];
      ghashBlocks(this.#table, this.#y, last, BLOCK);
    }
  }
}
