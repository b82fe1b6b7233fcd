/**
 * The shared SML vectors of `shared/vectors/sml`, and the one copied into
 * `tests/testdata/sml` so a bare clone can run the unit tests.
 */
import { decodeHex } from "../../../src/bytes.ts";
import { sharedUrl } from "../../shared.ts";

/** One item of a vector's `decoded_here` list (decoded by the research, not by its source). */
export interface DecodedHere {
  obis: string;
  obis_hex: string;
  value_hex?: string;
  value_ascii?: string;
  status?: number;
  raw?: number;
  scaler?: number | null;
  unit_code?: number | null;
  value?: string;
}

/** The fields of a vector's JSON that the tests use. */
export interface SmlVectorJson {
  name: string;
  /** What the source asserts: OBIS code → [value, unit] ("" for text). */
  expected: { asserted_by: string[]; values?: Record<string, [string, string]> };
  transport: {
    bytes: number;
    padding_bytes: number;
    crc_match: string;
  } | null;
  messages: { tag: string; crc16_x25_matches: boolean; crc16_kermit_matches: boolean }[];
  decoded_here: DecodedHere[];
}

/** One vector: name, bytes and JSON. */
export interface SmlVector {
  name: string;
  bytes: Uint8Array;
  json: SmlVectorJson;
}

/** Every shared SML vector, sorted by name. */
export function readSmlVectors(): SmlVector[] {
  const dir = sharedUrl("sml/");
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".hex"))
    .map((e) => e.name.replace(/\.hex$/, ""))
    .sort()
    .map((name) => ({
      name,
      bytes: decodeHex(Deno.readTextFileSync(new URL(`${name}.hex`, dir))),
      json: JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, dir))) as SmlVectorJson,
    }));
}

/** The vector kept inside the repository (EMH eHZ, from smartmeter-obis; see its README). */
export function testdataFrame(): Uint8Array {
  const url = new URL("../../testdata/sml/de_emh_ehz_smartmeter-obis.hex", import.meta.url);
  return decodeHex(Deno.readTextFileSync(url));
}
