/** Shared inputs of the benches: the captured vectors beside the project. */

const SHARED = new URL("../../shared/vectors/", import.meta.url);

/** A vector file as bytes. */
export function vectorBytes(path: string): Uint8Array<ArrayBuffer> {
  return Deno.readFileSync(new URL(path, SHARED));
}

/** A vector file as text. */
export function vectorText(path: string): string {
  return Deno.readTextFileSync(new URL(path, SHARED));
}

/** The top-level DSMR vectors: name and bytes. */
export function dsmrVectors(): { name: string; bytes: Uint8Array<ArrayBuffer> }[] {
  return [...Deno.readDirSync(new URL("dsmr/", SHARED))]
    .filter((e) => e.isFile && e.name.endsWith(".txt"))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name: name.replace(/\.txt$/, ""), bytes: vectorBytes(`dsmr/${name}`) }));
}
