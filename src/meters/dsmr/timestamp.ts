/**
 * DSMR timestamps (`YYMMDDhhmmssX`) to ISO 8601 with an explicit offset.
 *
 * `X` is `S` (summer, CEST, +02:00) or `W` (winter, CET, +01:00). DSMR 2.2
 * gas readings carry the 12-digit form without `X`; its offset follows the
 * EU summer-time rule of Europe/Amsterdam (the repeated October hour reads as
 * summer time). Two-digit years pivot as in POSIX `strptime`: 69..99 are
 * 1969..1999 (the epoch placeholder `700101010000W` is 1970). Placeholders that are not dates (`632525252525S`, month 25)
 * give no value rather than an error.
 */

import { isEuropeanSummer } from "../european_time.ts";

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDigits(text: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function field(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/**
 * Parses a DSMR timestamp to ISO 8601 with offset, e.g. `221006081550S` →
 * `2022-10-06T08:15:50+02:00`. Returns undefined for anything that is not a
 * valid date and time (wrong length, bad letter, month 25, 30 February).
 */
export function parseTimestamp(text: string): string | undefined {
  const length = text.length;
  if (length !== 12 && length !== 13) return undefined;
  if (!isDigits(text, 12)) return undefined;
  const yy = field(text, 0);
  const year = yy < 69 ? 2000 + yy : 1900 + yy;
  const month = field(text, 2);
  const day = field(text, 4);
  const hour = field(text, 6);
  const minute = field(text, 8);
  const second = field(text, 10);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  let summer: boolean;
  if (length === 12) summer = isEuropeanSummer(year, month, day, hour);
  else if (text[12] === "S") summer = true;
  else if (text[12] === "W") summer = false;
  else return undefined;
  return `${year}-${text.slice(2, 4)}-${text.slice(4, 6)}T${text.slice(6, 8)}:${
    text.slice(8, 10)
  }:${text.slice(10, 12)}${summer ? "+02:00" : "+01:00"}`;
}
