/** Helpers for the Kamstrup KMP tests: the shared vectors and hex conversion. */

/** The folder of the KMP vectors, resolved from this file. */
export const VECTORS = new URL("../../../../shared/vectors/kamstrup/", import.meta.url);

/** Reads one JSON file of the vectors folder. */
export async function loadJson<T>(name: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(name, VECTORS))) as T;
}

/** Bytes from hex text (no separators). */
export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Lowercase hex text of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The value of an ok Result, or a thrown error naming the rejection. */
export function unwrap<T>(
  result: { ok: true; value: T } | { ok: false; error: { reason: string; message: string } },
): T {
  if (!result.ok) throw new Error(`rejected (${result.error.reason}): ${result.error.message}`);
  return result.value;
}
