/** The DLMS push vectors of shared/vectors/dlms (read by path), with their JSON. */
import { decodeHex } from "../../../src/bytes.ts";
import { sharedUrl } from "../../shared.ts";

/** What a vector's JSON says of one M-Bus frame. */
export interface FrameFacts {
  offset: number;
  L_field: string;
  C: string;
  A: string;
  CI: string;
  checksum_given: string;
  total_bytes: number;
  payload_bytes: number;
}

/** One vector: its files (absent ones undefined) and its JSON. */
export interface DlmsVector {
  name: string;
  wire?: Uint8Array<ArrayBuffer>;
  key?: Uint8Array<ArrayBuffer>;
  authKey?: Uint8Array<ArrayBuffer>;
  plain?: Uint8Array<ArrayBuffer>;
  // deno-lint-ignore no-explicit-any
  json: any;
}

function optionalHex(path: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return decodeHex(Deno.readTextFileSync(sharedUrl(path)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Every vector, by the JSON files of the folder, in name order. */
export function dlmsVectors(): DlmsVector[] {
  return [...Deno.readDirSync(sharedUrl("dlms/"))]
    .filter((entry) => entry.isFile && entry.name.endsWith(".json"))
    .map((entry) => entry.name.slice(0, -".json".length))
    .sort()
    .map((name) => ({
      name,
      wire: optionalHex(`dlms/${name}.hex`),
      key: optionalHex(`dlms/${name}.key`),
      authKey: optionalHex(`dlms/${name}.ak`),
      plain: optionalHex(`dlms/${name}.plain.hex`),
      json: JSON.parse(Deno.readTextFileSync(sharedUrl(`dlms/${name}.json`))),
    }));
}

/** A vector by name. */
export function dlmsVector(name: string): DlmsVector {
  const vector = dlmsVectors().find((v) => v.name === name);
  if (!vector) throw new Error(`no DLMS vector ${name}`);
  return vector;
}

/** `1-0:1.8.0.255` (the JSON's spelling) as `formatObis` writes it, `1-0:1.8.0*255`. */
export function obisOfJson(code: string): string {
  const dot = code.lastIndexOf(".");
  return `${code.slice(0, dot)}*${code.slice(dot + 1)}`;
}

/** `2021-09-27 09:47:15 dow=…` (the JSON's date-time) as the ISO date and time without offset. */
export function wallClockOfJson(text: string): string {
  return text.slice(0, 19).replace(" ", "T");
}
