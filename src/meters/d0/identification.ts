/**
 * The identification line of an IEC 62056-21 meter, `/XXXZ<ident>` CR LF:
 * the sign-on answer in modes A, B and C, and the first line of every mode D
 * push. `XXX` is the manufacturer's three-letter id (a lower-case third
 * letter says the meter reacts within 20 ms), `Z` the baud rate character
 * that also tells the mode, then an optional enhanced-capability marker `\d`
 * and the meter's own text.
 */
import { ok, reject, type Result } from "../../result.ts";

/**
 * Protocol mode a baud rate character stands for: `C` for `0`..`6` (switch
 * after an acknowledgement), `B` for `A`..`F` (the meter switches by itself),
 * `A` for any other character (no switch; data follows at 300 baud).
 */
export type SignOnMode = "A" | "B" | "C";

/** A parsed identification line. */
export interface Identification {
  /** The line as sent, `/` included, line end excluded (`/ESY5Q3DA1024 V3.03`). */
  line: string;
  /** Three-letter manufacturer id as sent (`ESY`, `Els`). */
  manufacturer: string;
  /** True when the third letter is lower case: the meter reacts within 20 ms, not 200 ms. */
  fastReaction: boolean;
  /** The baud rate character `Z` (`5`, `C`, or ` ` for some mode A meters). */
  baudChar: string;
  /** The mode the baud rate character stands for. */
  mode: SignOnMode;
  /**
   * Baud rate the character names: mode C `0`..`6` = 300 … 19200, mode B
   * `A`..`F` = 600 … 19200, mode A 300. A mode D push meter uses the same
   * character for the rate it pushes at (`5`: 9600).
   */
  baud: number;
  /** Digit of the enhanced-capability marker `\d` after `Z` (`2`: mode E capable), if any. */
  enhanced?: number;
  /** The meter's own text after `Z` and the marker (`Q3DA1024 V3.03`). */
  ident: string;
}

/** Baud rates of the mode C characters `0`..`6`. */
const MODE_C_RATES = [300, 600, 1200, 2400, 4800, 9600, 19200] as const;

/** Baud rates of the mode B letters `A`..`F`. */
const MODE_B_RATES = [600, 1200, 2400, 4800, 9600, 19200] as const;

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * The mode and baud rate a baud rate character stands for, or undefined for
 * the reserved characters `7`..`9` and `G`..`I`.
 */
export function baudOf(char: string): { mode: SignOnMode; baud: number } | undefined {
  const c = char.charCodeAt(0);
  if (c >= 0x30 && c <= 0x36) return { mode: "C", baud: MODE_C_RATES[c - 0x30] };
  if (c >= 0x41 && c <= 0x46) return { mode: "B", baud: MODE_B_RATES[c - 0x41] };
  if ((c >= 0x37 && c <= 0x39) || (c >= 0x47 && c <= 0x49)) return undefined;
  return { mode: "A", baud: 300 };
}

/** True when `text[at..at+3]` is `/` and three letters: the start of an identification line. */
export function isIdentificationStart(text: string, at = 0): boolean {
  return text.charCodeAt(at) === 0x2f && isLetter(text.charCodeAt(at + 1)) &&
    isLetter(text.charCodeAt(at + 2)) && isLetter(text.charCodeAt(at + 3));
}

/**
 * Parses an identification line (`/` included, CR LF excluded or included).
 * Rejects with `framing` when it is not `/`, three letters and a baud rate
 * character, with `decode` for a reserved baud rate character.
 */
export function parseIdentification(line: string): Result<Identification> {
  const text = line.replace(/\r?\n$/, "").replace(/\r$/, "");
  if (text.length < 5 || !isIdentificationStart(text)) {
    return reject("framing", `not an identification line /XXXZ…: ${JSON.stringify(text)}`);
  }
  const baudChar = text[4];
  const rate = baudOf(baudChar);
  if (!rate) {
    return reject("decode", `baud rate character ${JSON.stringify(baudChar)} is reserved`);
  }
  let rest = text.slice(5);
  let enhanced: number | undefined;
  if (
    rest.length >= 2 && rest[0] === "\\" && rest.charCodeAt(1) >= 0x30 && rest.charCodeAt(1) <= 0x39
  ) {
    enhanced = rest.charCodeAt(1) - 0x30;
    rest = rest.slice(2);
  }
  const third = text.charCodeAt(3);
  return ok({
    line: text,
    manufacturer: text.slice(1, 4),
    fastReaction: third >= 0x61 && third <= 0x7a,
    baudChar,
    mode: rate.mode,
    baud: rate.baud,
    ...(enhanced === undefined ? {} : { enhanced }),
    ident: rest,
  });
}
