/**
 * Reads the D0 vectors of `shared/vectors/d0`: each readout's bytes (from
 * its `.hex`) and the JSON beside it, for tests and benches.
 */
import { decodeHex } from "../../../src/bytes.ts";
import { sharedUrl } from "../../shared.ts";

/** One data set as the vector's author parsed it. */
export interface DecodedHere {
  code: string;
  value: string;
  unit: string | null;
}

/** The fields of a readout vector's JSON that the tests use. */
export interface D0VectorJson {
  name: string;
  identification: { manufacturer: string; baud_char: string; rest: string };
  bcc: { present: boolean; computed?: string; given?: string; ok?: boolean };
  /** Values the source asserts: code → [value, unit]. */
  expected: { values?: Record<string, [string, string]> };
  decoded_here: DecodedHere[];
}

/** One readout vector: its name, bytes and JSON. */
export interface D0Vector {
  name: string;
  bytes: Uint8Array;
  json: D0VectorJson;
}

/** One protocol case of the pwitab file. */
export interface BccCase {
  hex: string;
  source_says_valid: boolean | null;
  computed_here_valid: boolean | null;
  test: string;
}

/** Reads a vector folder's file by name: a `.hex` file as bytes. */
export function readHex(url: URL): Uint8Array {
  return decodeHex(Deno.readTextFileSync(url));
}

/** Every readout vector (`*.hex` with its `.json`), sorted by name. */
export function readD0Vectors(): D0Vector[] {
  const dir = sharedUrl("d0/");
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".hex"))
    .map((e) => e.name.replace(/\.hex$/, ""))
    .sort()
    .map((name) => ({
      name,
      bytes: readHex(new URL(`${name}.hex`, dir)),
      json: JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, dir))) as D0VectorJson,
    }));
}

/** The BCC and message cases of `bcc-and-message-cases_pwitab.json`. */
export function readBccCases(): BccCase[] {
  const url = sharedUrl("d0/bcc-and-message-cases_pwitab.json");
  return (JSON.parse(Deno.readTextFileSync(url)) as { cases: BccCase[] }).cases;
}
