/** Test vectors of shared/vectors (read by path), and small helpers for the T210 tests. */
import { ok, reject, type Result } from "../../../src/result.ts";
import type { Bytes } from "../../../src/meters/t210/frame.ts";
import { decodeHex } from "../../../src/bytes.ts";
import { crc16Arc } from "../../../src/crc.ts";
import { sharedUrl } from "../../shared.ts";

/** Reads a file of shared/vectors as bytes. */
export function readVector(path: string): Bytes {
  return Deno.readFileSync(sharedUrl(path));
}

/** Reads a hex file of shared/vectors/t210. */
export function readT210Hex(name: string): Bytes {
  return decodeHex(Deno.readTextFileSync(sharedUrl(`t210/${name}`)));
}

/** A frame with its keys and the exact plaintext it must decrypt to. */
export interface KeyedVector {
  name: string;
  frame: Bytes;
  key: Bytes;
  authKey?: Bytes;
  plain: Bytes;
}

function readT210Keyed(name: string, withAuthKey: boolean): KeyedVector {
  return {
    name,
    frame: readT210Hex(`${name}.hex`),
    key: readT210Hex(`${name}.key`),
    authKey: withAuthKey ? readT210Hex(`${name}.ak`) : undefined,
    plain: readVector(`t210/${name}.plain.txt`),
  };
}

/**
 * The Luxembourg spec example as athombv encrypted it: without the blank line
 * after the header and without the CRLF after the CRC (see its JSON).
 */
function luxSpecPlain(): Bytes {
  const text = new TextDecoder().decode(readVector("dsmr/smarty_lu_spec-example-lux5_at.txt"));
  return new TextEncoder().encode(text.replace("\r\n\r\n", "\r\n").replace(/\r\n$/, ""));
}

function readLuxBin(variant: "aad" | "noaad"): KeyedVector {
  const name = `smarty_lu_spec-example_${variant}_at`;
  const meta = JSON.parse(Deno.readTextFileSync(sharedUrl(`dsmr/encrypted/${name}.json`)));
  const aad: string | null = meta.aes_128_gcm.aad_hex;
  return {
    name,
    frame: readVector(`dsmr/encrypted/${name}.bin`),
    key: decodeHex(meta.aes_128_gcm.key_hex),
    authKey: aad ? decodeHex(aad).slice(1) : undefined,
    plain: luxSpecPlain(),
  };
}

/** Every vector with a known encryption key; `authKey` where the tag verifies with AAD 30 || AK. */
export const KEYED: KeyedVector[] = [
  readT210Keyed("steiermark_shrdzm", false),
  readT210Keyed("lux_nexxtlab", true),
  readT210Keyed("synthetic_dlmscosem_t210", true),
  readLuxBin("aad"),
  readLuxBin("noaad"),
];

/** A vector by name. */
export function keyed(name: string): KeyedVector {
  const vector = KEYED.find((v) => v.name === name);
  if (!vector) throw new Error(`no vector ${name}`);
  return vector;
}

/** Frames without keys: name, system title and frame counter from the README. */
export const NOKEY = [
  { name: "nokey_debugrichard", systemTitle: "5341473500004059", frameCounter: 0x49 },
  { name: "nokey_mheiit", systemTitle: "5341473500066c0e", frameCounter: 0x174 },
  { name: "nokey_energyagent", systemTitle: "5341473500046c9b", frameCounter: 0x807d },
  { name: "nokey_esphome16549", systemTitle: "534147350003d82e", frameCounter: 0x25aa3 },
];

/**
 * A stand-in for the DSMR core's check: the telegram's `!XXXX` CRC over `/`
 * through `!`. Rejects with reason "crc".
 */
export function checkTelegramCrc(telegram: Uint8Array): Result<Uint8Array> {
  const bang = telegram.lastIndexOf(0x21);
  const given = bang < 0
    ? NaN
    : parseInt(new TextDecoder().decode(telegram.subarray(bang + 1, bang + 5)), 16);
  if (bang < 0 || crc16Arc(telegram.subarray(0, bang + 1)) !== given) {
    return reject("crc", "telegram CRC mismatch");
  }
  return ok(telegram);
}
