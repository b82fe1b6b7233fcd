/** The shared Kamstrup KMP vectors, read by path. */

/** The folder of the KMP vectors, resolved from this file. */
export const VECTORS = new URL("../../../../shared/vectors/kamstrup/", import.meta.url);

/** Reads one JSON file of the vectors folder. */
export async function loadJson<T>(name: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(name, VECTORS))) as T;
}
