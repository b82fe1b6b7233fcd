/**
 * KMP byte stuffing: between start and stop byte, each of `06 0D 1B 40 80`
 * travels as `1B` followed by the byte xor `FF` (`0D` → `1B F2`), so that
 * start, stop and acknowledge bytes never occur inside a frame.
 */
import { ok, reject, type Result } from "../../result.ts";
import { hexByte } from "../../bytes.ts";

/** The escape byte that introduces a stuffed byte. */
export const ESCAPE = 0x1b;

const RESERVED = new Uint8Array(256);
for (const byte of [0x06, 0x0d, 0x1b, 0x40, 0x80]) RESERVED[byte] = 1;

/** True for the five bytes that are stuffed: `06 0D 1B 40 80`. */
export function isReserved(byte: number): boolean {
  return RESERVED[byte] === 1;
}

/** Stuffs bytes for the wire: `0D` → `1B F2`, `1B` → `1B E4`, and so on. */
export function stuff(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (const byte of bytes) if (isReserved(byte)) extra++;
  const out = new Uint8Array(bytes.length + extra);
  let j = 0;
  for (const byte of bytes) {
    if (isReserved(byte)) {
      out[j++] = ESCAPE;
      out[j++] = byte ^ 0xff;
    } else {
      out[j++] = byte;
    }
  }
  return out;
}

/**
 * Unstuffs `bytes[from..to)` into `out` (at least `to - from` long). Returns
 * the number of bytes written, or why the stuffing is broken: an escape at
 * the end, an escape that does not yield one of the five reserved bytes, or
 * a reserved byte that arrives unstuffed.
 */
export function unstuffInto(
  bytes: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
): number | string {
  let j = 0;
  for (let i = from; i < to; i++) {
    let byte = bytes[i];
    if (RESERVED[byte] === 1) {
      if (byte !== ESCAPE) return `reserved byte ${hexByte(byte)} not stuffed`;
      if (++i === to) return "escape byte 1B at the end";
      byte = bytes[i] ^ 0xff;
      if (RESERVED[byte] !== 1) return `1B ${hexByte(bytes[i])} does not stand for a reserved byte`;
    }
    out[j++] = byte;
  }
  return j;
}

/** Reverses `stuff`; rejects broken stuffing (see `unstuffInto`) with `framing`. */
export function unstuff(bytes: Uint8Array): Result<Uint8Array> {
  const out = new Uint8Array(bytes.length);
  const length = unstuffInto(bytes, 0, bytes.length, out);
  if (typeof length === "string") return reject("framing", `stuffing: ${length}`);
  return ok(out.subarray(0, length));
}
