/**
 * The KMP number format: `[len][sigexp][mantissa × len]`, value
 * (-1)^SI × mantissa × 10^((-1)^SE × exp). sigexp bit 7 is SI (negative
 * value), bit 6 SE (negative exponent), bits 5..0 the exponent; the mantissa
 * is big-endian unsigned. Values become exact decimal text, never float64.
 */
import { normalize, shift } from "../../decimal.ts";

/** Largest exponent magnitude sigexp can carry. */
export const MAX_EXPONENT = 63;

/** A decoded KMP number. */
export interface KmpNumber {
  /** Exact decimal, trailing fraction zeros dropped: `1917.6`, `0`, `255000`. */
  value: string;
  /** Power of ten the mantissa is scaled by, -63..63. */
  exponent: number;
  /** Number of mantissa bytes on the wire. */
  length: number;
  /** The unsigned mantissa in decimal digits. */
  mantissa: string;
  /** SI, the sign bit (set on a zero mantissa too, where it has no effect). */
  negative: boolean;
}

/** The exponent a sigexp byte carries: bits 5..0, negated when bit 6 is set. */
export function sigexpExponent(sigexp: number): number {
  const magnitude = sigexp & 0x3f;
  return sigexp & 0x40 && magnitude ? -magnitude : magnitude;
}

/** The big-endian unsigned integer in `bytes[start..start+length)` as decimal digits. */
export function mantissaDigits(bytes: Uint8Array, start: number, length: number): string {
  const end = start + length;
  if (length <= 6) {
    let mantissa = 0;
    for (let i = start; i < end; i++) mantissa = mantissa * 256 + bytes[i];
    return String(mantissa);
  }
  let mantissa = 0n;
  for (let i = start; i < end; i++) mantissa = (mantissa << 8n) | BigInt(bytes[i]);
  return mantissa.toString();
}

/**
 * Exact decimal text of ±digits × 10^exponent with trailing fraction zeros
 * dropped: (false, "191760", -2) → `1917.6`, (true, "12345", -2) → `-123.45`,
 * a zero mantissa → `0`. `digits` has no leading zeros.
 */
export function decimalText(negative: boolean, digits: string, exponent: number): string {
  if (digits === "0") return "0";
  const sign = negative ? "-" : "";
  if (exponent >= 0) return exponent === 0 ? sign + digits : sign + digits + "0".repeat(exponent);
  let scale = -exponent;
  let end = digits.length;
  while (scale > 0 && digits.charCodeAt(end - 1) === 48) {
    end--;
    scale--;
  }
  const significant = end === digits.length ? digits : digits.slice(0, end);
  if (scale === 0) return sign + significant;
  if (end > scale) {
    return sign + significant.slice(0, end - scale) + "." + significant.slice(end - scale);
  }
  return sign + "0." + "0".repeat(scale - end) + significant;
}

/**
 * The value at the meter's resolution, via `shift`: mantissa 191760 with
 * exponent -2 → `1917.60`, 0 with -1 → `0.0`: payloads keep the meter's resolution.
 */
export function resolutionText(number: KmpNumber): string {
  return shift((number.negative ? "-" : "") + number.mantissa, number.exponent) ?? number.value;
}

/**
 * Reads `[len][sigexp][mantissa]` at `offset`; undefined when the bytes up to
 * `end` are too few or `len` is 0.
 */
export function readNumber(
  bytes: Uint8Array,
  offset = 0,
  end = bytes.length,
): KmpNumber | undefined {
  if (offset + 2 > end) return undefined;
  const length = bytes[offset];
  if (length === 0 || offset + 2 + length > end) return undefined;
  const sigexp = bytes[offset + 1];
  const negative = (sigexp & 0x80) !== 0;
  const exponent = sigexpExponent(sigexp);
  const mantissa = mantissaDigits(bytes, offset + 2, length);
  return { value: decimalText(negative, mantissa, exponent), exponent, length, mantissa, negative };
}

/** How to encode a number; both fields are optional. */
export interface NumberOptions {
  /**
   * Exponent to encode with, -63..63; the value must be a whole multiple of
   * 10^exponent. Default: minus the fraction digits of the text
   * (`1917.60` → -2, `245` → 0).
   */
  exponent?: number;
  /** Mantissa bytes, 1..255. Default: 4, or more when the mantissa needs it. */
  length?: number;
}

/**
 * Encodes decimal text as `[len][sigexp][mantissa]` (for simulators and
 * tests). Throws a RangeError for text that is not a decimal, an exponent out
 * of range or too coarse for the value, and a mantissa that does not fit the
 * length.
 */
export function writeNumber(text: string, options: NumberOptions = {}): Uint8Array {
  const canonical = normalize(text);
  if (canonical === undefined) throw new RangeError(`number: not a decimal: ${text}`);
  const negative = canonical.startsWith("-");
  const magnitude = negative ? canonical.slice(1) : canonical;
  const point = magnitude.indexOf(".");
  const exponent = options.exponent ?? (point < 0 ? 0 : point + 1 - magnitude.length);
  if (!Number.isInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    throw new RangeError(`number: exponent ${exponent} outside -63..63`);
  }
  const scaled = shift(magnitude, -exponent) as string;
  const [whole, fraction = ""] = scaled.split(".");
  if (/[^0]/.test(fraction)) {
    throw new RangeError(`number: ${text} is no whole multiple of 10^${exponent}`);
  }
  let mantissa = BigInt(whole);
  let needed = 1;
  while (mantissa >> BigInt(8 * needed) > 0n) needed++;
  const length = options.length ?? Math.max(4, needed);
  if (!Number.isInteger(length) || length < needed || length > 255) {
    throw new RangeError(`number: mantissa ${whole} does not fit ${length} bytes`);
  }
  const out = new Uint8Array(length + 2);
  out[0] = length;
  out[1] = (negative ? 0x80 : 0) | (exponent < 0 ? 0x40 : 0) | Math.abs(exponent);
  for (let i = length + 1; i >= 2; i--) {
    out[i] = Number(mantissa & 0xffn);
    mantissa >>= 8n;
  }
  return out;
}
