/**
 * The two 16-byte keys a grid operator hands out for the T210-D-r P1 port,
 * parsed from the 32 hex characters its customer portal shows. Messages
 * never repeat a key, not even in part.
 */
import { ok, reject, type Result } from "../../result.ts";
import { hexDigit } from "../../bytes.ts";

/** Bytes of an AES-128 key. */
export const KEY_LENGTH = 16;

/**
 * Parses a key of 32 hex characters (either case, surrounding whitespace
 * ignored) into 16 bytes. `name` is the setting, for the message
 * (`meter.key`); rejects with reason "decode".
 */
export function parseKey(text: string, name: string): Result<Uint8Array> {
  const hex = text.trim();
  if (hex.length !== 2 * KEY_LENGTH) {
    return reject(
      "decode",
      `${name} must be ${2 * KEY_LENGTH} hex characters (${KEY_LENGTH} bytes), ` +
        `but it has ${hex.length}`,
    );
  }
  const key = new Uint8Array(KEY_LENGTH);
  for (let i = 0; i < hex.length; i++) {
    const nibble = hexDigit(hex.charCodeAt(i));
    if (nibble < 0) {
      return reject(
        "decode",
        `${name} must be ${2 * KEY_LENGTH} hex characters (0-9, A-F), ` +
          `but character ${i + 1} is not one`,
      );
    }
    key[i >> 1] |= i % 2 === 0 ? nibble << 4 : nibble;
  }
  return ok(key);
}
