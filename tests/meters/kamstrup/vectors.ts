/** The shared Kamstrup KMP vectors, read by path. */
import { sharedUrl } from "../../shared.ts";

/** The folder of the KMP vectors. */
export const VECTORS = sharedUrl("kamstrup/");

/** Reads one JSON file of the vectors folder. */
export async function loadJson<T>(name: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(name, VECTORS))) as T;
}
