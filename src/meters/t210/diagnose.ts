/**
 * Tells which of the two configured keys is wrong, from one captured frame.
 * Users often swap the encryption and the authentication key; this is what
 * `smr decode` reports when a frame does not decrypt.
 */
import { FrameDecrypter } from "./decrypt.ts";
import type { GloFrame } from "./frame.ts";

/** The verdict of {@link diagnoseKeys}. */
export type KeyVerdict = "ok" | "swapped" | "wrong-key" | "wrong-auth-key";

/** A verdict and a sentence saying what to change. */
export interface KeyDiagnosis {
  verdict: KeyVerdict;
  message: string;
}

/** The keys to try, as configured. */
export interface ConfiguredKeys {
  /** What is configured as the encryption key. */
  key: Uint8Array;
  /** What is configured as the authentication key, if anything. */
  authKey?: Uint8Array;
}

/**
 * Tries the configured keys on one frame: the encryption key alone, the tag
 * with both, and the authentication key as the encryption key (swapped).
 */
export function diagnoseKeys(frame: GloFrame, keys: ConfiguredKeys): KeyDiagnosis {
  const decrypts = (key: Uint8Array, authKey?: Uint8Array) =>
    new FrameDecrypter({ meterId: "diagnosis", key, authKey }).decrypt(frame).ok;
  if (decrypts(keys.key)) {
    if (!keys.authKey) {
      return { verdict: "ok", message: "the encryption key decrypts the frame (no tag check)" };
    }
    if (decrypts(keys.key, keys.authKey)) {
      return { verdict: "ok", message: "the encryption key decrypts and the tag verifies" };
    }
    return {
      verdict: "wrong-auth-key",
      message: "the encryption key is right but the authentication key does not verify the tag: " +
        "correct the authentication key, or remove it to skip the tag check",
    };
  }
  if (keys.authKey && decrypts(keys.authKey)) {
    return {
      verdict: "swapped",
      message: "the keys are swapped: the configured authentication key is the encryption key",
    };
  }
  return {
    verdict: "wrong-key",
    message: "the encryption key does not decrypt the frame" +
      (keys.authKey ? " and neither does the authentication key" : "") +
      ": it belongs to another meter or was mistyped",
  };
}
