/**
 * Who an SML meter is: its manufacturer and a readable serial, from the
 * list entries it sends and its server id.
 *
 * Server ids of German electricity meters follow the cross-manufacturer
 * identification number (DIN 43863-5): 10 bytes `0A 01 49534B 00 05020DE2`
 * (older meters `09 …`) hold the medium (1 = electricity), the manufacturer's
 * three-letter FLAG id (`ISK`), the production block (`00`) and a 4-byte
 * production number (0x05020DE2 = 84020706). smr writes them as the 14
 * characters of that number, `1ISK0084020706`: the production block as the
 * two hex digits of its byte (decimal digits when it is BCD; all blocks seen
 * so far are below 10, where both readings agree), the production number in
 * decimal with 8 digits. Other ids are kept as ASCII text when printable,
 * else as hex; an id of only zero bytes (an anonymised capture) is no serial
 * at all.
 */
import { encodeHex } from "../../bytes.ts";
import type { SmlListEntry } from "./messages.ts";

/** What a meter tells about itself. */
export interface SmlIdentity {
  /** The manufacturer's FLAG id as sent (`EMH`, `ISK`, `HLY`). */
  manufacturer?: string;
  /** The serial, e.g. `1ISK0084020706`. */
  serial?: string;
}

/** Codes of the manufacturer id: `1-0:96.50.1*1` (newer layout), `129-129:199.130.3*255` (older). */
const MANUFACTURER_CODES = [[1, 0, 96, 50, 1, 1], [129, 129, 199, 130, 3, 255]];
/** Codes of the server id (device id): `1-0:0.0.9*255`, `1-0:96.1.0*255`. */
const SERVER_ID_CODES = [[1, 0, 0, 0, 9, 255], [1, 0, 96, 1, 0, 255]];

function isOneOf(obis: Uint8Array, codes: readonly number[][]): boolean {
  return codes.some((code) => code.every((group, i) => obis[i] === group));
}

/**
 * The identity from list entries, else from a server id of the messages
 * (`serverIds` in order of preference). The manufacturer falls back to the
 * FLAG id inside the server id.
 */
export function smlIdentity(
  entries: readonly SmlListEntry[],
  serverIds: readonly Uint8Array[] = [],
): SmlIdentity {
  let manufacturer: string | undefined;
  const ids: Uint8Array[] = [];
  for (const entry of entries) {
    if (!(entry.value instanceof Uint8Array)) continue;
    if (isOneOf(entry.obis, MANUFACTURER_CODES)) {
      manufacturer ??= printable(entry.value)?.trim() || undefined;
    } else if (isOneOf(entry.obis, SERVER_ID_CODES)) ids.push(entry.value);
  }
  const identity: SmlIdentity = {};
  for (const id of [...ids, ...serverIds]) {
    const serial = smlSerial(id);
    if (serial === undefined) continue;
    identity.serial = serial;
    manufacturer ??= flagOf(id);
    break;
  }
  if (manufacturer) identity.manufacturer = manufacturer;
  return identity;
}

/**
 * A server id as readable text: `1ISK0084020706` for an identification
 * number of DIN 43863-5, ASCII when printable, hex otherwise; undefined for
 * an empty or all-zero id.
 */
export function smlSerial(id: Uint8Array): string | undefined {
  if (id.every((byte) => byte === 0)) return undefined;
  const flag = flagOf(id);
  if (flag !== undefined) {
    const number = ((id[6] << 24) | (id[7] << 16) | (id[8] << 8) | id[9]) >>> 0;
    const block = encodeHex(id.subarray(5, 6));
    return `${id[1].toString(16)}${flag}${block}${String(number).padStart(8, "0")}`;
  }
  return printable(id) ?? encodeHex(id);
}

/** The FLAG id of an identification number `09|0A, medium, 3 letters, block, 4 bytes`. */
function flagOf(id: Uint8Array): string | undefined {
  if (id.length !== 10 || (id[0] !== 0x09 && id[0] !== 0x0a) || id[1] > 0x0f) return undefined;
  for (let i = 2; i < 5; i++) if (id[i] < 0x41 || id[i] > 0x5a) return undefined;
  return String.fromCharCode(id[2], id[3], id[4]);
}

function printable(bytes: Uint8Array): string | undefined {
  if (!bytes.every((byte) => byte >= 0x20 && byte <= 0x7e)) return undefined;
  return String.fromCharCode(...bytes);
}
