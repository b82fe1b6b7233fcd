/**
 * Decryption of general-glo-ciphering frames with WebCrypto.
 *
 * The nonce is the system title followed by the frame counter. Without the
 * authentication key the ciphertext alone (never the tag bytes) is decrypted
 * as AES-128-CTR from counter block nonce || 00 00 00 02. That authenticates
 * nothing: the DSMR CRC of the telegram is then the integrity check, and a
 * plaintext that does not look like a telegram is the sign of a wrong key.
 * With the authentication key the frame is also checked as AES-128-GCM
 * (12-byte tag, AAD = security byte || authentication key).
 */
import { ok, reject, type Result } from "../../result.ts";
import { type Bytes, type GloFrame, SYSTEM_TITLE_LENGTH, TAG_LENGTH } from "./frame.ts";
import { KEY_LENGTH } from "./keys.ts";

/** Options of {@link FrameDecrypter}. */
export interface DecrypterOptions {
  /** The meter id, for messages. */
  meterId: string;
  /** The encryption key (GUEK), 16 bytes. */
  key: Uint8Array;
  /** The authentication key (GAK), 16 bytes; when given, every frame's tag is checked. */
  authKey?: Uint8Array;
  /** The setting holding the encryption key, for messages; `meter.key` by default. */
  keyName?: string;
  /** The setting holding the authentication key, for messages; `meter.auth_key` by default. */
  authKeyName?: string;
}

/** Bytes of the GCM/CTR nonce: system title and frame counter. */
const NONCE_LENGTH = SYSTEM_TITLE_LENGTH + 4;

/** How many leading plaintext bytes {@link looksLikeTelegram} inspects. */
const TELEGRAM_PREFIX = 5;

/**
 * Whether decrypted bytes start like a DSMR telegram: `/` and four printable
 * ASCII characters (`/EST5`, `/Lux5`). Random bytes (a wrong key) pass this
 * about once in 13 000 frames; the telegram CRC catches those.
 */
export function looksLikeTelegram(plaintext: Uint8Array): boolean {
  if (plaintext.length < TELEGRAM_PREFIX || plaintext[0] !== 0x2f) return false;
  for (let i = 1; i < TELEGRAM_PREFIX; i++) {
    if (plaintext[i] < 0x20 || plaintext[i] > 0x7e) return false;
  }
  return true;
}

/** The 12-byte nonce of a frame: system title || frame counter. */
export function frameNonce(frame: GloFrame): Bytes {
  const nonce = new Uint8Array(NONCE_LENGTH);
  nonce.set(frame.systemTitle);
  new DataView(nonce.buffer).setUint32(SYSTEM_TITLE_LENGTH, frame.frameCounter);
  return nonce;
}

interface CryptoKeys {
  ctr: CryptoKey;
  gcm?: CryptoKey;
}

/**
 * Decrypts the frames of one meter. Keys are imported into WebCrypto once,
 * on first use, not per frame. `decrypt` never throws: a wrong key, a failed
 * tag or a damaged frame is a rejection naming the setting to check.
 *
 * Deno's WebCrypto refuses to decrypt AES-GCM with a 96-bit tag, so the tag
 * is checked the other way round: the ciphertext is decrypted as AES-CTR and
 * the plaintext sealed again with AES-GCM (same key, nonce and AAD, 96-bit
 * tag), whose tag must equal the frame's.
 */
export class FrameDecrypter {
  /** Whether frames are authenticated (an authentication key was given). */
  readonly checksTag: boolean;
  readonly #meterId: string;
  readonly #key: Bytes;
  readonly #authKey: Bytes | undefined;
  readonly #keyName: string;
  readonly #authKeyName: string;
  #keys: Promise<Result<CryptoKeys>> | undefined;

  /** Creates a decrypter; keys are checked when the first frame comes. */
  constructor(options: DecrypterOptions) {
    this.#meterId = options.meterId;
    this.#key = options.key.slice();
    this.#authKey = options.authKey?.slice();
    this.checksTag = this.#authKey !== undefined;
    this.#keyName = options.keyName ?? "meter.key";
    this.#authKeyName = options.authKeyName ?? "meter.auth_key";
  }

  /** Decrypts one frame to the telegram bytes, checking the tag when an authentication key is set. */
  async decrypt(frame: GloFrame): Promise<Result<Uint8Array>> {
    this.#keys ??= this.#importKeys();
    const keys = await this.#keys;
    if (!keys.ok) return keys;
    const nonce = frameNonce(frame);
    const counter = new Uint8Array(16);
    counter.set(nonce);
    counter[15] = 2;
    let plain: Bytes;
    try {
      plain = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-CTR", counter, length: 32 },
          keys.value.ctr,
          frame.ciphertext,
        ),
      );
    } catch {
      return reject("decryption", `AES-CTR failed on a frame of meter ${this.#meterId}`);
    }
    if (keys.value.gcm && this.#authKey) {
      return await this.#checkTag(keys.value.gcm, this.#authKey, frame, nonce, plain);
    }
    if (!looksLikeTelegram(plain)) {
      return reject(
        "decryption",
        `decryption failed for meter ${this.#meterId}: check ${this.#keyName} ` +
          `(the encryption key, not the authentication key)`,
      );
    }
    return ok(plain);
  }

  async #importKeys(): Promise<Result<CryptoKeys>> {
    const bad = (name: string) =>
      reject<CryptoKeys>(
        "decryption",
        `cannot use the keys of meter ${this.#meterId}: ` +
          `${name} must be ${KEY_LENGTH} bytes (${2 * KEY_LENGTH} hex characters)`,
      );
    if (this.#key.length !== KEY_LENGTH) return bad(this.#keyName);
    if (this.#authKey && this.#authKey.length !== KEY_LENGTH) return bad(this.#authKeyName);
    try {
      const ctr = await crypto.subtle.importKey("raw", this.#key, "AES-CTR", false, ["decrypt"]);
      const gcm = this.#authKey
        ? await crypto.subtle.importKey("raw", this.#key, "AES-GCM", false, ["encrypt"])
        : undefined;
      return ok({ ctr, gcm });
    } catch {
      return bad(this.#keyName);
    }
  }

  async #checkTag(
    gcm: CryptoKey,
    authKey: Bytes,
    frame: GloFrame,
    nonce: Bytes,
    plain: Bytes,
  ): Promise<Result<Uint8Array>> {
    const aad = new Uint8Array(1 + authKey.length);
    aad[0] = frame.securityControl;
    aad.set(authKey, 1);
    let sealed: Uint8Array;
    try {
      sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 8 * TAG_LENGTH },
          gcm,
          plain,
        ),
      );
    } catch {
      return reject("tag", `AES-GCM failed on a frame of meter ${this.#meterId}`);
    }
    let diff = 0;
    for (let i = 0; i < TAG_LENGTH; i++) diff |= sealed[plain.length + i] ^ frame.tag[i];
    if (diff === 0) return ok(plain);
    const hint = looksLikeTelegram(plain)
      ? `the encryption key decrypts, so check ${this.#authKeyName} (the authentication key)`
      : `check ${this.#keyName} (the encryption key) and ${this.#authKeyName} ` +
        `(the authentication key): swapped keys fail like this`;
    return reject(
      "tag",
      `authentication tag mismatch for meter ${this.#meterId}: ${hint}; ` +
        `a damaged frame fails the same way`,
    );
  }
}
