/**
 * The encryption and authentication keys of a DLMS push meter as the grid
 * operators hand them out: 32 hex characters, or, at some operators (VKW,
 * Stoen), 16 printable ASCII characters that are the key bytes themselves.
 * Messages never repeat a key, not even in part.
 */
import { ok, reject, type Result } from "../../result.ts";
import { KEY_LENGTH, parseKey } from "../t210/keys.ts";

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
