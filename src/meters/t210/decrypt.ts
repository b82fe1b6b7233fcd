/**
 * Decryption of the T210-D-r's general-glo-ciphering frames, with the messages
 * that say which key to check.
 *
 * The nonce is the system title followed by the frame counter. Without the
 * authentication key the ciphertext alone (never the tag bytes) is decrypted
 * as AES-128-CTR from counter block nonce || 00 00 00 02. That authenticates
 * nothing: the DSMR CRC of the telegram is then the integrity check, and a
 * plaintext that does not look like a telegram is the sign of a wrong key.
 * With the authentication key the frame is also checked as AES-128-GCM
 * (12-byte tag, AAD = security byte || authentication key).
 */
import { reject, type Result } from "../../result.ts";
import { GloCipher, tagMismatch } from "../glo_cipher.ts";
import type { Bytes, GloFrame } from "./frame.ts";
import { KEY_LENGTH } from "../glo_keys.ts";

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

/**
 * Decrypts the frames of one meter, synchronously (AES-128 in TypeScript,
 * see glo_cipher.ts). `decrypt` never throws: a wrong key, a failed tag or a
 * damaged frame is a rejection naming the setting to check.
 */
export class FrameDecrypter {
  /** Whether frames are authenticated (an authentication key was given). */
  readonly checksTag: boolean;
  readonly #meterId: string;
  readonly #key: Bytes;
  readonly #authKey: Bytes | undefined;
  readonly #keyName: string;
  readonly #authKeyName: string;
  readonly #keyProblem: Result<never> | undefined;
  readonly #cipher: GloCipher | undefined;

  /** Creates a decrypter; keys of the wrong length are reported for every frame. */
  constructor(options: DecrypterOptions) {
    this.#meterId = options.meterId;
    this.#key = options.key.slice();
    this.#authKey = options.authKey?.slice();
    this.checksTag = this.#authKey !== undefined;
    this.#keyName = options.keyName ?? "meter.key";
    this.#authKeyName = options.authKeyName ?? "meter.auth_key";
    this.#keyProblem = this.#checkKeys();
    if (!this.#keyProblem) this.#cipher = new GloCipher(this.#key, this.#authKey);
  }

  /** Decrypts one frame to the telegram bytes, checking the tag when an authentication key is set. */
  decrypt(frame: GloFrame): Result<Uint8Array> {
    if (!this.#cipher) return this.#keyProblem!;
    const plain = this.#cipher.decrypt(frame);
    if (!plain.ok) {
      if (plain.error.reason === "tag") return this.#tagMismatch(frame);
      return reject(plain.error.reason, `${plain.error.message} of meter ${this.#meterId}`);
    }
    if (this.#authKey === undefined && !looksLikeTelegram(plain.value)) {
      return reject(
        "decryption",
        `decryption failed for meter ${this.#meterId}: check ${this.#keyName} ` +
          `(the encryption key, not the authentication key)`,
      );
    }
    return plain;
  }

  #checkKeys(): Result<never> | undefined {
    const bad = (name: string) =>
      reject(
        "decryption",
        `cannot use the keys of meter ${this.#meterId}: ` +
          `${name} must be ${KEY_LENGTH} bytes (${2 * KEY_LENGTH} hex characters)`,
      );
    if (this.#key.length !== KEY_LENGTH) return bad(this.#keyName);
    if (this.#authKey && this.#authKey.length !== KEY_LENGTH) return bad(this.#authKeyName);
    return undefined;
  }

  /** The rejection of a failed tag, saying which key to check (the rare path: decrypts again). */
  #tagMismatch(frame: GloFrame): Result<Uint8Array> {
    const plain = new GloCipher(this.#key).decrypt(frame);
    const names = {
      meterId: this.#meterId,
      keyName: this.#keyName,
      authKeyName: this.#authKeyName,
    };
    return tagMismatch(names, plain.ok && looksLikeTelegram(plain.value));
  }
}
