/** Shared inputs of the benches: the captured vectors beside the project. */
import { sharedUrl } from "../shared.ts";

/** A vector file as bytes. */
export function vectorBytes(path: string): Uint8Array<ArrayBuffer> {
  return Deno.readFileSync(sharedUrl(path));
}

/** A vector file as text. */
export function vectorText(path: string): string {
  return Deno.readTextFileSync(sharedUrl(path));
}

/** The top-level DSMR vectors: name and bytes. */
export function dsmrVectors(): { name: string; bytes: Uint8Array<ArrayBuffer> }[] {
  return [...Deno.readDirSync(sharedUrl("dsmr/"))]
    .filter((e) => e.isFile && e.name.endsWith(".txt"))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name: name.replace(/\.txt$/, ""), bytes: vectorBytes(`dsmr/${name}`) }));
}
