/**
 * The cipher of DLMS general-glo-ciphering (`0xDB`), shared by the Sagemcom
 * T210-D-r P1 port and the DLMS push meters: synchronous AES-128 in
 * TypeScript (aes.ts), so the daemon does not load the Node compatibility
 * layer of the crypto module.
 *
 * The nonce is the 8-byte system title followed by the 4-byte frame counter.
 * With an authentication key the tag is mandatory: the frame is checked as
 * AES-128-GCM with a 12-byte tag and AAD = security control || authentication
 * key. Without the authentication key, or for a frame without a tag (security
 * control `0x20`, `0x21`), the ciphertext is decrypted as AES-128-CTR from
 * counter block nonce || 00 00 00 02: the GCM keystream, authenticating
 * nothing. The tag bytes are never decrypted as ciphertext.
 */
import { hexByte } from "../bytes.ts";
import { ok, reject, type Result } from "../result.ts";
import { Aes128, Aes128Gcm } from "./aes.ts";
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

const SYSTEM_TITLE = 8;
const NONCE = 12;
/** The GCM counter of the first ciphertext block (counter 1 encrypts the tag). */
const FIRST_COUNTER = 2;

/** Bytes of each shared buffer that plaintexts are cut from. */
const POOL_SIZE = 8192;
let pool = new ArrayBuffer(POOL_SIZE);
let poolUsed = 0;

/**
 * Room for a plaintext: a view into a shared buffer, as Node's Buffer pool
 * does, because a fresh ArrayBuffer per frame costs a third of decrypting
 * it. Views never overlap; a buffer is freed once no view of it is left.
 * Plaintexts over half a buffer get their own.
 */
function plaintextBuffer(length: number): Uint8Array<ArrayBuffer> {
  if (length > POOL_SIZE / 2) return new Uint8Array(length);
  if (poolUsed + length > POOL_SIZE) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolUsed = 0;
  }
  const view = new Uint8Array(pool, poolUsed, length);
  poolUsed += (length + 7) & ~7;
  return view;
}

/**
 * Decrypts the general-glo-ciphering frames of one meter: holds its keys,
 * expanded once. `decrypt` never throws.
 */
export class GloCipher {
  /** Whether frames are authenticated (an authentication key was given). */
  readonly checksTag: boolean;
  /** The CTR cipher, without an authentication key. */
  readonly #ctrCipher: Aes128 | undefined;
  /** The GCM cipher, with an authentication key. */
  readonly #gcmCipher: Aes128Gcm | undefined;
  readonly #aad: Uint8Array | undefined;
  /** The nonce, reused from frame to frame. */
  readonly #nonce = new Uint8Array(NONCE);

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
    this.checksTag = authKey !== undefined;
    if (authKey !== undefined) {
      this.#aad = new Uint8Array(1 + KEY_LENGTH);
      this.#aad.set(authKey, 1);
      this.#gcmCipher = new Aes128Gcm(key);
    } else {
      this.#ctrCipher = new Aes128(key);
    }
  }

  /**
   * Decrypts one frame. With an authentication key the tag is mandatory and
   * checked: rejection reason "tag" when it is missing or does not match.
   * The plaintext is not judged here: without a tag, a wrong key gives
   * random bytes, and the caller must recognise them. It is a view into a
   * buffer shared with other plaintexts (mind its `byteOffset`).
   */
  decrypt(frame: GloCiphertext): Result<Uint8Array<ArrayBuffer>> {
    if (frame.systemTitle.length !== SYSTEM_TITLE) {
      return reject("decryption", `the system title is not ${SYSTEM_TITLE} bytes`);
    }
    const nonce = this.#nonce;
    nonce.set(frame.systemTitle);
    const fc = frame.frameCounter;
    nonce[8] = fc >>> 24;
    nonce[9] = fc >>> 16;
    nonce[10] = fc >>> 8;
    nonce[11] = fc;
    if (this.#ctrCipher !== undefined) {
      const plain = plaintextBuffer(frame.ciphertext.length);
      this.#ctrCipher.ctr(nonce, FIRST_COUNTER, frame.ciphertext, plain);
      return ok(plain);
    }
    const tag = frame.tag;
    if (tag === undefined || tag.length !== GLO_TAG_LENGTH) {
      return reject(
        "tag",
        `the frame carries no authentication tag (security control 0x${
          hexByte(frame.securityControl)
        }), but an authentication key is set`,
      );
    }
    const aad = this.#aad!;
    aad[0] = frame.securityControl;
    const plain = plaintextBuffer(frame.ciphertext.length);
    if (!this.#gcmCipher!.decrypt(nonce, aad, frame.ciphertext, tag, plain)) {
      return reject("tag", "authentication tag mismatch");
    }
    return ok(plain);
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
