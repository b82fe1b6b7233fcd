/**
 * Exact decimal arithmetic on decimal text, for meter values.
 *
 * Meter values are decimal on the wire (`014159934*Wh`, mantissa × 10^exp in
 * KMP). Converting them through float64 produces binary tails
 * (`14159.934000000001`), so every operation here works on BigInt digits and
 * a decimal scale, and results are plain decimal text without exponent.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** A decimal as integer digits and the number of digits after the point. */
interface Exact {
  digits: bigint;
  scale: number;
}

function parse(text: string): Exact | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ""] = match;
  if (whole === "" && fraction === "") return undefined;
  const digits = BigInt((whole || "0") + fraction);
  return { digits: sign === "-" ? -digits : digits, scale: fraction.length };
}

function format({ digits, scale }: Exact): string {
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, "0");
  const whole = text.slice(0, text.length - scale);
  const fraction = scale > 0 ? "." + text.slice(text.length - scale) : "";
  return (negative ? "-" : "") + whole + fraction;
}

function rescale(value: Exact, scale: number): Exact {
  return { digits: value.digits * 10n ** BigInt(scale - value.scale), scale };
}

/** A decimal as sign, digit string (leading zeros allowed) and digits after the point. */
interface Digits {
  negative: boolean;
  digits: string;
  scale: number;
}

/** Splits decimal text without regex or BigInt (the hot path of every meter value). */
function digitsOf(text: string): Digits | undefined {
  const n = text.length;
  let i = 0;
  let negative = false;
  if (n > 0 && (text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43)) {
    negative = text.charCodeAt(0) === 45;
    i = 1;
  }
  let point = -1;
  for (let j = i; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 46 && point < 0) point = j;
    else if (c < 48 || c > 57) return undefined;
  }
  if (point < 0) return n > i ? { negative, digits: text.slice(i), scale: 0 } : undefined;
  if (n - i === 1) return undefined;
  return { negative, digits: text.slice(i, point) + text.slice(point + 1), scale: n - point - 1 };
}

/** Formats digits with a scale: no leading zeros, no `-0`. */
function formatDigits({ negative, digits, scale }: Digits): string {
  let first = 0;
  while (first < digits.length - scale - 1 && digits.charCodeAt(first) === 48) first++;
  let text = digits.slice(first);
  if (text.length <= scale) text = "0".repeat(scale + 1 - text.length) + text;
  const whole = text.slice(0, text.length - scale);
  const result = scale > 0 ? `${whole}.${text.slice(text.length - scale)}` : whole;
  return negative && /[1-9]/.test(text) ? "-" + result : result;
}

/** True when `text` is a plain decimal number (`-1.5`, `007`, `.5`). */
export function isDecimal(text: string): boolean {
  return digitsOf(text.trim()) !== undefined;
}

/**
 * Canonical form of a decimal: no leading zeros, no `+`, no `-0`, the number
 * of fraction digits kept as given (`014159.934` → `14159.934`,
 * `-0.000` → `0.000`). Returns undefined for anything that is not a decimal.
 */
export function normalize(text: string): string | undefined {
  const value = digitsOf(text.trim());
  return value && formatDigits(value);
}

/**
 * A decimal as an integer when its fraction is zero (`1193.000` → `1193`),
 * else undefined (`1688.21`, or not a decimal).
 */
export function whole(text: string): string | undefined {
  const canonical = normalize(text)?.replace(/\.0+$/, "");
  return canonical !== undefined && !canonical.includes(".") ? canonical : undefined;
}

/**
 * Multiplies a decimal by 10^exponent exactly. The result keeps the input's
 * resolution: `shift("014159934", -3)` → `14159.934`,
 * `shift("01.193", 3)` → `1193`, `shift("5", 2)` → `500`.
 */
export function shift(text: string, exponent: number): string | undefined {
  const value = digitsOf(text.trim());
  if (!value) return undefined;
  const scale = value.scale - exponent;
  if (scale >= 0) value.scale = scale;
  else {
    value.digits += "0".repeat(-scale);
    value.scale = 0;
  }
  return formatDigits(value);
}

/** Exact sum of decimals, with the largest resolution among them. */
export function sum(texts: readonly string[]): string | undefined {
  const values = texts.map(parse);
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  const exact = values as Exact[];
  const scale = Math.max(...exact.map((v) => v.scale));
  const digits = exact.reduce((total, v) => total + rescale(v, scale).digits, 0n);
  return format({ digits, scale });
}

/** Compares two decimals numerically: negative, zero or positive. */
export function compare(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) throw new RangeError(`not a decimal: ${!x ? a : b}`);
  const scale = Math.max(x.scale, y.scale);
  const difference = rescale(x, scale).digits - rescale(y, scale).digits;
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/**
 * Formats a float for a payload with a fixed number of fraction digits and
 * no binary tail, exponent or `-0` (for simulated values only: measured
 * values stay decimal text end to end).
 */
export function fixed(value: number, fractionDigits: number): string {
  const factor = 10 ** fractionDigits;
  const digits = BigInt(Math.round(value * factor));
  return format({ digits, scale: fractionDigits });
}
