/**
 * The 16-byte keys of general-glo-ciphering (the encryption key GUEK and the
 * authentication key GAK) as grid operators hand them out: 32 hex characters
 * from a customer portal, or at some operators (VKW, Stoen) 16 printable
 * ASCII characters that are the key bytes themselves. Messages never repeat
 * a key, not even in part.
 */
import { ConfigError } from "../config/error.ts";
import { ok, reject, type Result } from "../result.ts";
import { hexDigit } from "../bytes.ts";

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

/**
 * Parses a key of 32 hex characters (either case) or of 16 printable ASCII
 * characters (taken as its bytes); surrounding whitespace is ignored.
 * `name` is the setting, for the message (`meter.key`); rejects with reason
 * "decode".
 */
export function parseDlmsKey(text: string, name: string): Result<Uint8Array> {
  const trimmed = text.trim();
  if (trimmed.length !== KEY_LENGTH) return parseKey(trimmed, name);
  const key = new Uint8Array(KEY_LENGTH);
  for (let i = 0; i < KEY_LENGTH; i++) {
    const code = trimmed.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      return reject(
        "decode",
        `${name} must be 32 hex characters or 16 printable ASCII characters, ` +
          `but character ${i + 1} of the 16 is not printable`,
      );
    }
    key[i] = code;
  }
  return ok(key);
}

/**
 * The bytes of a configured key, parsed with `parse` ({@link parseKey} or
 * {@link parseDlmsKey}); throws `ConfigError` with the parser's message
 * (which names the setting, never the key) when it is not one.
 */
export function configuredKey(
  text: string,
  name: string,
  parse: (text: string, name: string) => Result<Uint8Array>,
): Uint8Array {
  const parsed = parse(text, name);
  if (!parsed.ok) throw new ConfigError(parsed.error.message);
  return parsed.value;
}
