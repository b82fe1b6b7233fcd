/** Byte helpers: hex text, concatenation and Latin-1 text. */

/**
 * Bytes from hex text; whitespace is ignored. Throws a `TypeError` for text
 * that is not an even number of hex digits, so callers validate user input
 * with {@link isHex} first.
 */
export function decodeHex(text: string): Uint8Array<ArrayBuffer> {
  const compact = text.replace(/\s+/g, "");
  if (!isHex(compact)) throw new TypeError("expected an even number of hex digits");
  const out = new Uint8Array(compact.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Whether `text` is an even number of hex digits, nothing else. */
export function isHex(text: string): boolean {
  return text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text);
}

/** Lower-case hex text of bytes. */
export function encodeHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** One byte as two upper-case hex digits, for messages (`0D`, `DB`). */
export function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, "0").toUpperCase();
}

/** The value of one ASCII hex digit (`0`-`9`, `A`-`F`, `a`-`f`), or -1. */
export function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** The byte arrays one after the other, in a new array. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Latin-1 text as bytes, one byte per character (code points below 256). */
export function latin1(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const ASCII = new TextDecoder();

/** Decodes `bytes[start, end)` as latin-1 (every byte one code point). */
export function latin1Text(bytes: Uint8Array, start = 0, end: number = bytes.length): string {
  let high = 0;
  for (let i = start; i < end; i++) high |= bytes[i];
  if (high < 0x80) return ASCII.decode(bytes.subarray(start, end));
  let text = "";
  for (let at = start; at < end; at += 4096) {
    const piece = bytes.subarray(at, Math.min(end, at + 4096));
    text += String.fromCharCode.apply(null, piece as unknown as number[]);
  }
  return text;
}
