/**
 * KMP dates and clock times: a register whose unit byte says `yy:mm:dd`,
 * `yyyy:mm:dd`, `mm:dd` or `hh:mm:ss` carries decimal digits (`220112` is
 * 2022-01-12, `200243` is 20:02:43), not a quantity. They are published as
 * ISO 8601 text: `2022-01-12`, `--01-12` (a date without year), `20:02:43`.
 * A two-digit year is 20yy. Digits that are no valid date or time (`0`, a
 * month 13) give no text, never a guess.
 */

/** The KMP units that mean a date or a clock time, not a quantity. */
export const DATE_UNITS: ReadonlySet<string> = new Set([
  "yy:mm:dd",
  "yyyy:mm:dd",
  "mm:dd",
  "hh:mm:ss",
]);

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function leap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** `--MM-DD`, `YYYY-MM-DD`, or undefined for a day the month lacks. */
function calendar(year: number | undefined, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) return undefined;
  if (year === undefined) return `--${pad(month, 2)}-${pad(day, 2)}`;
  if (month === 2 && day === 29 && !leap(year)) return undefined;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/**
 * The ISO 8601 text of a register value in one of {@link DATE_UNITS}, or
 * undefined when the value is not whole digits of a valid date or time, or
 * the unit is not one of them.
 */
export function dateText(unit: string, value: string): string | undefined {
  if (!/^\d{1,8}$/.test(value)) return undefined;
  const n = Number(value);
  const hi = Math.floor(n / 10000);
  const mid = Math.floor(n / 100) % 100;
  const lo = n % 100;
  switch (unit) {
    case "hh:mm:ss":
      return n < 1_000_000 && hi < 24 && mid < 60 && lo < 60
        ? `${pad(hi, 2)}:${pad(mid, 2)}:${pad(lo, 2)}`
        : undefined;
    case "yy:mm:dd":
      return n < 1_000_000 ? calendar(2000 + hi, mid, lo) : undefined;
    case "yyyy:mm:dd":
      return hi > 0 ? calendar(hi, mid, lo) : undefined;
    case "mm:dd":
      return n < 10_000 ? calendar(undefined, mid, lo) : undefined;
    default:
      return undefined;
  }
}
