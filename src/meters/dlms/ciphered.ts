/**
 * The general-glo-ciphering APDU (`0xDB`) of a DLMS push meter, parsed from
 * a reassembled APDU:
 *
 * ```
 * DB 08 <system title: 8> <length> <SC> <FC: 4> <ciphertext> [tag: 12]
 * ```
 * The length (an A-XDR length in any form: `4D`, `81 F8`, `82 01 09`) counts
 * SC, FC, ciphertext and tag. SC is the security control: `0x20` (suite 0)
 * and `0x21` (suite 1) encrypt only and carry no tag, so the ciphertext runs
 * to the end; `0x30` and `0x31` also authenticate, with a 12-byte tag last.
 */
import { ok, reject, type Result } from "../../result.ts";
import { GLO_AUTHENTICATED, GLO_TAG_LENGTH, type GloCiphertext } from "../glo_cipher.ts";
import { axdrLength } from "./axdr.ts";

/** The general-glo-ciphering tag. */
export const GLO_CIPHERING = 0xdb;

/** One general-glo-ciphering APDU; the byte fields are views into the APDU. */
export interface CipheredApdu extends GloCiphertext {
  /** The system title (its first three bytes are the manufacturer's FLAG id, `KFM`, `SAG`, `LGZ`). */
  systemTitle: Uint8Array;
}

/** Security controls accepted: encryption, with or without authentication, suite 0 or 1. */
const ACCEPTED = new Set([0x20, 0x21, 0x30, 0x31]);

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, "0").toUpperCase();
}

/**
 * Parses a general-glo-ciphering APDU; the whole input must be the APDU.
 * Rejects with reason "framing" when its length does not match the bytes
 * given (a segment lost or added on the way), "decode" for anything else.
 */
export function parseCipheredApdu(apdu: Uint8Array): Result<CipheredApdu> {
  if (apdu.length < 2 || apdu[0] !== GLO_CIPHERING) {
    return reject("decode", "not a general-glo-ciphering APDU (DB)");
  }
  if (apdu[1] !== 8) {
    return reject("decode", `general-glo-ciphering with a system title of ${apdu[1]} bytes, not 8`);
  }
  const length = axdrLength(apdu, 10);
  if (length === undefined) {
    return reject("framing", "general-glo-ciphering APDU truncated in its header");
  }
  if (length.end + length.length !== apdu.length) {
    return reject(
      "framing",
      `general-glo-ciphering length says ${length.end + length.length} bytes ` +
        `but the APDU has ${apdu.length}`,
    );
  }
  const sc = apdu[length.end];
  if (length.length < 5 || sc === undefined) {
    return reject("decode", "general-glo-ciphering APDU without security header");
  }
  if (!ACCEPTED.has(sc)) {
    return reject(
      "decode",
      `security control 0x${hex2(sc)} is not supported (0x20, 0x21, 0x30 and 0x31 are)`,
    );
  }
  const counterAt = length.end + 1;
  const text = counterAt + 4;
  const tagged = (sc & GLO_AUTHENTICATED) !== 0;
  const textEnd = tagged ? apdu.length - GLO_TAG_LENGTH : apdu.length;
  if (textEnd < text) {
    return reject("decode", "general-glo-ciphering APDU too short for its tag");
  }
  const frameCounter = ((apdu[counterAt] << 24) | (apdu[counterAt + 1] << 16) |
    (apdu[counterAt + 2] << 8) | apdu[counterAt + 3]) >>> 0;
  const parsed: CipheredApdu = {
    systemTitle: apdu.subarray(2, 10),
    securityControl: sc,
    frameCounter,
    ciphertext: apdu.subarray(text, textEnd),
  };
  if (tagged) parsed.tag = apdu.subarray(textEnd);
  return ok(parsed);
}
