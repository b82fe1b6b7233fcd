/**
 * One framed telegram, checked and split: header line, CRC-16/ARC over `/`
 * through `!`, and the body parsed into objects. Bytes are read as latin-1:
 * header lines are opaque and may hold any byte (0x02, 0xAB).
 */
import { ok, reject, type Result } from "../../result.ts";
import { crc16Arc } from "../../crc.ts";
import { hexDigit, latin1Text } from "../../bytes.ts";
import { type ParsedLines, parseLines } from "./lines.ts";

/**
 * How to treat the CRC: `required` rejects a telegram without one (DSMR 4,
 * 5 and the country variants), `optional` accepts a bare `!` but still checks
 * a CRC that is present (DSMR 2.2/3, Q3D), `ignore` skips the check (tools
 * and tests reading captures with known-bad CRCs; never for live data).
 */
export type CrcMode = "required" | "optional" | "ignore";

/** Options of {@link parseTelegram}. */
export interface TelegramOptions {
  crc: CrcMode;
}

/** A checked telegram: its header, its CRC and its objects. */
export interface ParsedTelegram extends ParsedLines {
  /** The header line as sent, `/` included, without the line end (`/ISk5\2MT382-1000`). */
  header: string;
  /** The CRC the telegram carries as four hex digits; absent for a bare `!`. */
  crc?: string;
}

const SLASH = 0x2f;
const BANG = 0x21;
const LF = 0x0a;
const CR = 0x0d;

/** Index of the footer `!` (first `!` at the start of a line after `from`), or -1. */
function footer(bytes: Uint8Array, from: number): number {
  let at = bytes.indexOf(BANG, from);
  while (at >= 0 && bytes[at - 1] !== LF) at = bytes.indexOf(BANG, at + 1);
  return at;
}

/**
 * Checks and parses one telegram: the bytes from the first `/` to the footer
 * `!` at the start of a line, then up to four hex CRC digits and the line end;
 * anything after that (Q3D gateway lines, padding) is ignored. Rejects with
 * `framing` when there is no header or footer, with `crc` on a missing (when
 * required), malformed or wrong CRC. Never throws.
 */
export function parseTelegram(bytes: Uint8Array, options: TelegramOptions): Result<ParsedTelegram> {
  const start = bytes.indexOf(SLASH);
  if (start < 0) return reject("framing", "no telegram header '/' found");
  const headerEnd = bytes.indexOf(LF, start);
  const bang = headerEnd < 0 ? -1 : footer(bytes, headerEnd);
  if (bang < 0) return reject("framing", "no telegram footer '!' at the start of a line");
  let given = 0;
  let digits = 0;
  let at = bang + 1;
  for (; at < bytes.length && digits < 5; at++, digits++) {
    const nibble = hexDigit(bytes[at]);
    if (nibble < 0) break;
    given = given * 16 + nibble;
  }
  if (digits > 4 || (at < bytes.length && bytes[at] !== CR && bytes[at] !== LF)) {
    return reject("crc", "malformed footer: expected '!' and up to four hex digits");
  }
  const text = latin1Text(bytes, start, bang);
  const crc = digits > 0 ? formatCrc(given) : undefined;
  if (options.crc !== "ignore") {
    if (crc === undefined && options.crc === "required") {
      return reject("crc", "telegram has no CRC (bare '!') but this meter's spec requires one");
    }
    if (crc !== undefined) {
      const computed = crc16Arc(bytes, start, bang + 1);
      if (computed !== given) {
        return reject(
          "crc",
          `CRC mismatch: telegram says ${crc}, computed ${formatCrc(computed)} over ${
            bang + 1 - start
          } bytes`,
        );
      }
    }
  }
  let headerLine = headerEnd - start;
  while (headerLine > 0 && text.charCodeAt(headerLine - 1) === CR) headerLine--;
  const { objects, skipped } = parseLines(text, headerEnd - start + 1, text.length);
  return ok({ header: text.slice(0, headerLine), crc, objects, skipped });
}

/** Formats a CRC as the four upper-case hex digits a telegram carries (`0B9F`). */
export function formatCrc(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, "0");
}
