/**
 * The cipher of DLMS general-glo-ciphering (`0xDB`), shared by the Sagemcom
 * T210-D-r P1 port and the DLMS push meters: synchronous AES-128 through
 * `node:crypto`.
 *
 * The nonce is the 8-byte system title followed by the 4-byte frame counter.
 * With an authentication key the tag is mandatory: the frame is checked as
 * AES-128-GCM with a 12-byte tag and AAD = security control || authentication
 * key. Without the authentication key, or for a frame without a tag (security
 * control `0x20`, `0x21`), the ciphertext is decrypted as AES-128-CTR from
 * counter block nonce || 00 00 00 02: the GCM keystream, authenticating
 * nothing. The tag bytes are never decrypted as ciphertext.
 *
 * The CTR keystream comes from one AES-128-ECB cipher per key, created once
 * and fed the counter blocks of each frame: creating an `aes-128-ctr`
 * decipher per frame costs about twice as much in Deno.
 */
import { type Cipheriv, createCipheriv, createDecipheriv } from "node:crypto";
import { hexByte } from "../bytes.ts";
import { ok, reject, type Result } from "../result.ts";
import { KEY_LENGTH } from "./glo_keys.ts";

/** Bytes of the truncated GCM tag of a general-glo-ciphering frame. */
export const GLO_TAG_LENGTH = 12;

/** The security-control bit saying that the frame carries an authentication tag. */
export const GLO_AUTHENTICATED = 0x10;

/** What the cipher needs of one frame; the byte fields may be views into the frame. */
export interface GloCiphertext {
  /** The 8-byte system title (the first part of the nonce). */
  systemTitle: Uint8Array;
  /** The security control byte (part of the AAD). */
  securityControl: number;
  /** The frame (invocation) counter (the last part of the nonce). */
  frameCounter: number;
  /** The encrypted bytes, as long as the plaintext (no tag). */
  ciphertext: Uint8Array;
  /** The 12-byte tag, when the frame carries one. */
  tag?: Uint8Array;
}

const BLOCK = 16;
const SYSTEM_TITLE = 8;
const NONCE = 12;

/** GCM options: the tag of these frames is 12 bytes, not the default 16. */
const GCM_OPTIONS = { authTagLength: GLO_TAG_LENGTH };

/** A view of what `node:crypto` returns, as a plain Uint8Array. */
function view(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
}

/**
 * Decrypts the general-glo-ciphering frames of one meter: holds its keys and
 * an AES cipher made once. `decrypt` never throws.
 */
export class GloCipher {
  /** Whether frames are authenticated (an authentication key was given). */
  readonly checksTag: boolean;
  readonly #key: Uint8Array;
  readonly #aad: Uint8Array | undefined;
  readonly #ecb: Cipheriv;
  /** Counter blocks, reused from frame to frame. */
  #blocks = new Uint8Array(32 * BLOCK);

  /**
   * Creates the cipher of one encryption key and, when given, one
   * authentication key. Throws a RangeError for a key that is not 16 bytes
   * (a caller's mistake: keys are validated where they are configured).
   */
  constructor(key: Uint8Array, authKey?: Uint8Array) {
    if (key.length !== KEY_LENGTH) {
      throw new RangeError(`the encryption key must be ${KEY_LENGTH} bytes`);
    }
    if (authKey !== undefined && authKey.length !== KEY_LENGTH) {
      throw new RangeError(`the authentication key must be ${KEY_LENGTH} bytes`);
    }
    this.#key = key.slice();
    this.checksTag = authKey !== undefined;
    if (authKey !== undefined) {
      this.#aad = new Uint8Array(1 + KEY_LENGTH);
      this.#aad.set(authKey, 1);
    }
    this.#ecb = createCipheriv("aes-128-ecb", this.#key, null);
    this.#ecb.setAutoPadding(false);
  }

  /**
   * Decrypts one frame. With an authentication key the tag is mandatory and
   * checked: rejection reason "tag" when it is missing or does not match.
   * The plaintext is not judged here: without a tag, a wrong key gives
   * random bytes, and the caller must recognise them.
   */
  decrypt(frame: GloCiphertext): Result<Uint8Array<ArrayBuffer>> {
    if (frame.systemTitle.length !== SYSTEM_TITLE) {
      return reject("decryption", `the system title is not ${SYSTEM_TITLE} bytes`);
    }
    if (this.#aad === undefined) return this.#ctr(frame);
    const tag = frame.tag;
    if (tag === undefined || tag.length !== GLO_TAG_LENGTH) {
      return reject(
        "tag",
        `the frame carries no authentication tag (security control 0x${
          hexByte(frame.securityControl)
        }), but an authentication key is set`,
      );
    }
    return this.#gcm(frame, this.#aad, tag);
  }

  #ctr(frame: GloCiphertext): Result<Uint8Array<ArrayBuffer>> {
    const text = frame.ciphertext;
    const count = Math.ceil(text.length / BLOCK);
    if (this.#blocks.length < count * BLOCK) this.#blocks = new Uint8Array(count * 2 * BLOCK);
    const blocks = this.#blocks;
    const title = frame.systemTitle;
    const fc = frame.frameCounter;
    for (let n = 0, at = 0; n < count; n++, at += BLOCK) {
      for (let i = 0; i < SYSTEM_TITLE; i++) blocks[at + i] = title[i];
      blocks[at + 8] = fc >>> 24;
      blocks[at + 9] = fc >>> 16;
      blocks[at + 10] = fc >>> 8;
      blocks[at + 11] = fc;
      const counter = n + 2;
      blocks[at + 12] = counter >>> 24;
      blocks[at + 13] = counter >>> 16;
      blocks[at + 14] = counter >>> 8;
      blocks[at + 15] = counter;
    }
    let stream: Uint8Array;
    try {
      stream = view(this.#ecb.update(blocks.subarray(0, count * BLOCK)));
    } catch {
      return reject("decryption", "AES failed on a frame");
    }
    if (stream.length !== count * BLOCK) {
      return reject("decryption", "AES returned a short keystream on a frame");
    }
    const n = text.length;
    for (let i = 0; i < n; i++) stream[i] ^= text[i];
    return ok(view(stream.subarray(0, n)));
  }

  #gcm(frame: GloCiphertext, aad: Uint8Array, tag: Uint8Array): Result<Uint8Array<ArrayBuffer>> {
    const nonce = new Uint8Array(NONCE);
    nonce.set(frame.systemTitle);
    const fc = frame.frameCounter;
    nonce[8] = fc >>> 24;
    nonce[9] = fc >>> 16;
    nonce[10] = fc >>> 8;
    nonce[11] = fc;
    aad[0] = frame.securityControl;
    let text: Uint8Array;
    try {
      const decipher = createDecipheriv("aes-128-gcm", this.#key, nonce, GCM_OPTIONS);
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      text = decipher.update(frame.ciphertext);
      try {
        decipher.final();
      } catch {
        return reject("tag", "authentication tag mismatch");
      }
    } catch {
      return reject("decryption", "AES-GCM failed on a frame");
    }
    return ok(view(text));
  }
}

/** How a meter's settings are named in messages. */
export interface KeyNames {
  meterId: string;
  /** The setting of the encryption key, e.g. `meter.key`. */
  keyName: string;
  /** The setting of the authentication key, e.g. `meter.auth_key`. */
  authKeyName: string;
}

/**
 * The rejection of a frame whose tag did not match, saying which key to
 * check: `keyDecrypts` tells whether the encryption key alone decrypts the
 * frame to something sensible (then the authentication key is wrong).
 */
export function tagMismatch<T>(names: KeyNames, keyDecrypts: boolean): Result<T> {
  const { meterId, keyName, authKeyName } = names;
  const hint = keyDecrypts
    ? `the encryption key decrypts, so check ${authKeyName} (the authentication key)`
    : `check ${keyName} (the encryption key) and ${authKeyName} ` +
      `(the authentication key): swapped keys fail like this`;
  return reject(
    "tag",
    `authentication tag mismatch for meter ${meterId}: ${hint}; a damaged frame fails the same way`,
  );
}
