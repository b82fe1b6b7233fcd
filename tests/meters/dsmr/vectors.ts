import { sharedUrl } from "../../shared.ts";
/**
 * Reads the captured DSMR vectors of `shared/vectors/dsmr` for tests and
 * benches, resolved from this file so any working directory works.
 */

/** The vector directory, `shared/vectors/dsmr/`. */
export const VECTOR_DIR: URL = sharedUrl("dsmr/");

/** One entry of a vector's `parsed` map as dsmr_parser reported it. */
export interface ParsedEntry {
  kind?: string;
  value?: unknown;
  type?: string;
  unit?: string | null;
  datetime?: string | null;
  channel?: number;
  [key: string]: unknown;
}

/** The fields of a vector's JSON that the tests use. */
export interface VectorJson {
  file: string;
  header_line: string;
  crc: { given: string | null; computed: string; status: string };
  key_values: Record<string, ParsedEntry>;
  parsed: Record<string, unknown>;
}

/** One vector: its file name (relative to the vector directory), bytes and JSON. */
export interface Vector {
  name: string;
  bytes: Uint8Array;
  json: VectorJson;
}

/** Reads every `.txt` vector of `subdir` ("" for the top level), sorted by name. */
export function readVectors(subdir = ""): Vector[] {
  const dir = new URL(subdir ? `${subdir}/` : "", VECTOR_DIR);
  return [...Deno.readDirSync(dir)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".txt"))
    .map((entry) => entry.name)
    .sort()
    .map((file) => {
      const name = subdir ? `${subdir}/${file}` : file;
      const json = JSON.parse(
        Deno.readTextFileSync(new URL(name.replace(/\.txt$/, ".json"), VECTOR_DIR)),
      ) as VectorJson;
      return { name, bytes: Deno.readFileSync(new URL(name, VECTOR_DIR)), json };
    });
}
