/**
 * The DLMS push reader: serial chunks in, one decoded push per APDU out.
 *
 * M-Bus or HDLC framing (with segment reassembly), then general-block-
 * transfer when the meter uses it, then the APDU: a general-glo-ciphering
 * one is decrypted (the tag checked when an authentication key is set) and
 * must hold a data-notification, which a plain push is already. Its body
 * becomes values (payload.ts). Everything that fails is a rejection naming
 * what to check; nothing throws. Synchronous: `push` fits the `StreamDecoder`
 * of stream_meter.ts as it is.
 */
import type { MeterInfo } from "../../reading.ts";
import { encodeHex, hexByte } from "../../bytes.ts";
import { ok, reject, type Result } from "../../result.ts";
import { GloCipher, tagMismatch } from "../glo_cipher.ts";
import { KEY_LENGTH } from "../glo_keys.ts";
import { BLOCK_TRANSFER, BlockAssembler } from "./gbt.ts";
import { GLO_CIPHERING, parseCipheredApdu } from "./ciphered.ts";
import { HdlcFramer } from "./hdlc.ts";
import { MbusFramer } from "./mbus.ts";
import { DATA_NOTIFICATION, parseNotification } from "./notification.ts";
import { type DlmsPush, type PositionalRegister, pushValues } from "./payload.ts";

/** How the meter frames its APDUs: wired M-Bus long frames, or HDLC. */
export type DlmsFraming = "mbus" | "hdlc";

/** Options of a {@link DlmsReader}. */
export interface DlmsReaderOptions {
  framing: DlmsFraming;
  /** The encryption key (GUEK), 16 bytes; needed when the meter encrypts. */
  key?: Uint8Array;
  /** The authentication key (GAK), 16 bytes; when set, every APDU must carry a valid tag. */
  authKey?: Uint8Array;
  /** The meter id, for messages (`dlms` by default). */
  meterId?: string;
  /** The setting holding the encryption key, for messages; `meter.key` by default. */
  keyName?: string;
  /** The setting holding the authentication key, for messages; `meter.auth_key` by default. */
  authKeyName?: string;
  /** What the bare values of a positional layout are (none by default; see payload.ts). */
  positions?: readonly PositionalRegister[];
}

/** One decoded push: its values and registers, and where it came from. */
export interface DlmsDecoded extends DlmsPush {
  /** The meter's identity as far as the push tells (its serial), for `StreamMeter`. */
  info?: Partial<MeterInfo>;
  /** The system title of a ciphered push, as hex (`4b464d675000...`). */
  systemTitle?: string;
  /** The frame counter of a ciphered push. */
  frameCounter?: number;
  /** Whether the push's tag was checked with the authentication key. */
  authenticated: boolean;
}

/** Counters of a {@link DlmsReader}'s framing. */
export interface DlmsStats {
  /** Valid frames. */
  frames: number;
  /** APDUs reassembled from them. */
  apdus: number;
  /** Bytes skipped outside valid frames. */
  skippedBytes: number;
}

/** Reads DLMS pushes from a byte stream; see the module doc. */
export class DlmsReader {
  readonly #framer: MbusFramer | HdlcFramer;
  readonly #blocks = new BlockAssembler();
  readonly #cipher: GloCipher | undefined;
  readonly #key: Uint8Array | undefined;
  readonly #meterId: string;
  readonly #keyName: string;
  readonly #authKeyName: string;
  readonly #positions: readonly PositionalRegister[];

  /**
   * Creates a reader. Throws a RangeError for keys that are not 16 bytes or
   * an authentication key without an encryption key (the configuration
   * checks these first).
   */
  constructor(options: DlmsReaderOptions) {
    const { key, authKey } = options;
    if (options.framing !== "mbus" && options.framing !== "hdlc") {
      throw new RangeError(`framing must be "mbus" or "hdlc"`);
    }
    if (key !== undefined && key.length !== KEY_LENGTH) {
      throw new RangeError(`the encryption key must be ${KEY_LENGTH} bytes`);
    }
    if (authKey !== undefined && (authKey.length !== KEY_LENGTH || key === undefined)) {
      throw new RangeError(
        `the authentication key must be ${KEY_LENGTH} bytes and needs an encryption key`,
      );
    }
    this.#framer = options.framing === "mbus" ? new MbusFramer() : new HdlcFramer();
    this.#key = key?.slice();
    this.#cipher = key ? new GloCipher(key, authKey) : undefined;
    this.#meterId = options.meterId ?? "dlms";
    this.#keyName = options.keyName ?? "meter.key";
    this.#authKeyName = options.authKeyName ?? "meter.auth_key";
    this.#positions = options.positions ?? [];
  }

  /** Counters of the framing layer. */
  get stats(): DlmsStats {
    const { frames, apdus, skippedBytes } = this.#framer.stats;
    return { frames, apdus, skippedBytes };
  }

  /**
   * Feeds bytes read from the port. Returns the outcome of every APDU
   * completed by them, in stream order: decoded pushes, and rejections to
   * count and log.
   */
  push(chunk: Uint8Array): Result<DlmsDecoded>[] {
    const results: Result<DlmsDecoded>[] = [];
    for (const framed of this.#framer.push(chunk)) {
      if (!framed.ok) {
        results.push(framed);
        continue;
      }
      const apdu = framed.value;
      if (apdu.length > 0 && apdu[0] === BLOCK_TRANSFER) {
        for (const whole of this.#blocks.take(apdu)) {
          results.push(whole.ok ? this.decodeApdu(whole.value) : whole);
        }
      } else {
        results.push(this.decodeApdu(apdu));
      }
    }
    return results;
  }

  /**
   * Decodes one complete APDU: a data-notification, or a general-glo-ciphering
   * APDU holding one. Never throws.
   */
  decodeApdu(apdu: Uint8Array): Result<DlmsDecoded> {
    const tag = apdu[0];
    if (tag === DATA_NOTIFICATION) {
      if (this.#cipher?.checksTag) {
        return reject(
          "tag",
          `meter ${this.#meterId} sent an unauthenticated data-notification, ` +
            `but ${this.#authKeyName} is set`,
        );
      }
      const notification = parseNotification(apdu);
      if (!notification.ok) return notification;
      return this.#decoded(pushValues(notification.value, this.#positions), false);
    }
    if (tag !== GLO_CIPHERING) {
      return reject(
        "decode",
        `unsupported APDU 0x${hexByte(tag ?? 0)} from meter ` +
          `${this.#meterId} (a push is a data-notification 0F or ciphered DB)`,
      );
    }
    const ciphered = parseCipheredApdu(apdu);
    if (!ciphered.ok) return ciphered;
    if (this.#cipher === undefined) {
      return reject(
        "decryption",
        `meter ${this.#meterId} sends encrypted pushes: set ${this.#keyName}`,
      );
    }
    const plain = this.#cipher.decrypt(ciphered.value);
    if (!plain.ok) {
      if (plain.error.reason === "tag") {
        return this.#tagFailure(ciphered.value, plain.error.message);
      }
      return reject(plain.error.reason, `${plain.error.message} of meter ${this.#meterId}`);
    }
    const authenticated = this.#cipher.checksTag;
    if (plain.value[0] !== DATA_NOTIFICATION) {
      if (authenticated) {
        return reject(
          "decode",
          `meter ${this.#meterId} sent a ciphered APDU that is not a data-notification`,
        );
      }
      return reject(
        "decryption",
        `decryption failed for meter ${this.#meterId}: check ${this.#keyName} ` +
          `(the encryption key, not the authentication key)`,
      );
    }
    const notification = parseNotification(plain.value);
    if (!notification.ok) {
      return reject(
        "decode",
        `${notification.error.message} (meter ${this.#meterId}` +
          (authenticated ? ")" : `; if every push fails so, check ${this.#keyName})`),
      );
    }
    const decoded = this.#decoded(pushValues(notification.value, this.#positions), authenticated);
    if (decoded.ok) {
      decoded.value.systemTitle = encodeHex(ciphered.value.systemTitle);
      decoded.value.frameCounter = ciphered.value.frameCounter;
    }
    return decoded;
  }

  #decoded(push: DlmsPush, authenticated: boolean): Result<DlmsDecoded> {
    const decoded: DlmsDecoded = { ...push, authenticated };
    if (push.serial !== undefined) decoded.info = { serial: push.serial };
    return ok(decoded);
  }

  /** The rejection of a failed tag, saying which key to check (decrypts again, without the tag). */
  #tagFailure(
    ciphered: Parameters<GloCipher["decrypt"]>[0],
    message: string,
  ): Result<DlmsDecoded> {
    if (ciphered.tag === undefined) {
      return reject("tag", `${message} (meter ${this.#meterId}): remove ${this.#authKeyName}`);
    }
    const plain = new GloCipher(this.#key!).decrypt(ciphered);
    const names = {
      meterId: this.#meterId,
      keyName: this.#keyName,
      authKeyName: this.#authKeyName,
    };
    return tagMismatch(names, plain.ok && parseNotification(plain.value).ok);
  }
}
