/**
 * Bounded, deterministic fuzzing of the DSMR core: random bytes, mutated real
 * telegrams and chunked streams through the framer. Invariants: nothing
 * throws, every value is well-formed, and a telegram is accepted with a CRC
 * mode other than `ignore` only if an independent bitwise CRC-16/ARC over
 * `/` through `!` equals the CRC it carries (no values from a failed CRC).
 */
import { assertEquals, assertOk } from "../../assert.ts";
import { normalize } from "../../../src/decimal.ts";
import type { Value } from "../../../src/reading.ts";
import { decodeTelegram, type TelegramDecodeOptions } from "../../../src/meters/dsmr/decode.ts";
import { TelegramFramer } from "../../../src/meters/dsmr/framer.ts";
import { readVectors } from "./vectors.ts";
import { seededRandom } from "../../random.ts";

const SEED = 0x5eed_d5a1;
const RANDOM_CASES = 100_000;
const MUTATION_CASES = 150_000;
const STREAM_CASES = 50_000;

const random = seededRandom(SEED);
const int = (n: number) => Math.floor(random() * n);

/** Bytes that matter to the grammar, drawn more often than the rest. */
const ALPHABET = new TextEncoder().encode("/!()*:-.\r\n\r\n0123456789ABCDEFSWkWhm3");

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = random() < 0.7 ? ALPHABET[int(ALPHABET.length)] : int(256);
  }
  return bytes;
}

/** Applies 1..4 random mutations: bit flips, byte changes, cuts, insertions, deletions. */
function mutate(input: Uint8Array): Uint8Array {
  let bytes = input.slice();
  const count = 1 + int(4);
  for (let m = 0; m < count; m++) {
    const at = int(bytes.length + 1);
    switch (int(6)) {
      case 0:
        if (at < bytes.length) bytes[at] ^= 1 << int(8);
        break;
      case 1:
        if (at < bytes.length) bytes[at] = ALPHABET[int(ALPHABET.length)];
        break;
      case 2:
        bytes = bytes.slice(0, at);
        break;
      case 3: {
        const insert = randomBytes(1 + int(8));
        const out = new Uint8Array(bytes.length + insert.length);
        out.set(bytes.subarray(0, at));
        out.set(insert, at);
        out.set(bytes.subarray(at), at + insert.length);
        bytes = out;
        break;
      }
      case 4: {
        const end = Math.min(bytes.length, at + 1 + int(16));
        const out = new Uint8Array(bytes.length - (end - at));
        out.set(bytes.subarray(0, at));
        out.set(bytes.subarray(end), at);
        bytes = out;
        break;
      }
      default:
        bytes = bytes.slice(int(Math.max(1, at)));
    }
  }
  return bytes;
}

function referenceCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

function assertWellFormed(value: Value): void {
  switch (value.datatype) {
    case "float":
      assertEquals(normalize(value.value), value.value, `${value.property}=${value.value}`);
      break;
    case "integer":
      assertOk(/^\d+$/.test(value.value), value.value);
      break;
    case "datetime":
      assertOk(ISO.test(value.value) && !isNaN(Date.parse(value.value)), value.value);
      break;
    case "enum":
      assertOk(value.options?.includes(value.value), `${value.property}=${value.value}`);
      break;
    default:
      throw new Error(`unexpected datatype ${value.datatype}`);
  }
}

interface Tally {
  accepted: number;
  rejected: number;
}

/** Decodes and checks the invariants; `label` reproduces a failure. */
function check(
  bytes: Uint8Array,
  options: TelegramDecodeOptions,
  tally: Tally,
  label: string,
): void {
  let result;
  try {
    result = decodeTelegram(bytes, options);
  } catch (error) {
    throw new Error(`${label}: decodeTelegram threw: ${error}`);
  }
  if (!result.ok) {
    tally.rejected++;
    assertOk(["framing", "crc"].includes(result.error.reason), label);
    return;
  }
  tally.accepted++;
  for (const value of result.value.values) assertWellFormed(value);
  const { crc } = result.value.parsed;
  if (options.crc === "required") assertOk(crc !== undefined, `${label}: accepted without CRC`);
  if (crc === undefined || options.crc === "ignore") return;
  const start = bytes.indexOf(0x2f);
  let bang = bytes.indexOf(0x21, bytes.indexOf(0x0a, start));
  while (bytes[bang - 1] !== 0x0a) bang = bytes.indexOf(0x21, bang + 1);
  assertEquals(
    referenceCrc(bytes.subarray(start, bang + 1)),
    parseInt(crc, 16),
    `${label}: accepted with a failing CRC`,
  );
}

const vectors = readVectors().map((v) => ({
  ...v,
  mode: (v.json.crc.status === "OK" ? "required" : "optional") as TelegramDecodeOptions["crc"],
}));

Deno.test(`fuzz: ${RANDOM_CASES + MUTATION_CASES + STREAM_CASES} cases, seed ${SEED}`, () => {
  const started = performance.now();
  const modes: TelegramDecodeOptions["crc"][] = ["required", "optional", "ignore"];
  const noise = { accepted: 0, rejected: 0 };
  for (let i = 0; i < RANDOM_CASES; i++) {
    check(randomBytes(int(1200)), { crc: modes[i % 3] }, noise, `random #${i}`);
  }
  const mutated = { accepted: 0, rejected: 0 };
  let crcMutants = 0;
  const crcAccepted = { unchanged: 0, changed: 0 };
  for (let i = 0; i < MUTATION_CASES; i++) {
    const vector = vectors[i % vectors.length];
    const bytes = mutate(vector.bytes);
    const before = mutated.accepted;
    check(bytes, { crc: vector.mode }, mutated, `mutation #${i} of ${vector.name}`);
    if (vector.mode !== "required") continue;
    crcMutants++;
    if (mutated.accepted > before) {
      const footer = vector.bytes.indexOf(0x21) + 1 + (vector.json.crc.given ?? "").length;
      const start = bytes.indexOf(0x2f);
      const same = vector.bytes.subarray(0, footer).every((b, k) => bytes[start + k] === b);
      crcAccepted[same ? "unchanged" : "changed"]++;
    }
  }
  const streamed = { accepted: 0, rejected: 0 };
  let framed = 0;
  for (let i = 0; i < STREAM_CASES; i++) {
    const framer = new TelegramFramer({ maxBytes: 2048 });
    const parts: Uint8Array[] = [];
    for (let n = 1 + int(3); n > 0; n--) {
      const vector = vectors[int(vectors.length)];
      const choice = int(4);
      parts.push(
        choice === 0 ? randomBytes(int(64)) : choice === 1 ? vector.bytes : mutate(vector.bytes),
      );
    }
    const stream = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
    parts.reduce((at, p) => (stream.set(p, at), at + p.length), 0);
    const crc = modes[i % 2];
    for (let at = 0; at < stream.length;) {
      const size = 1 + int(random() < 0.2 ? 4 : 600);
      let out;
      try {
        out = framer.push(stream.subarray(at, at + size));
      } catch (error) {
        throw new Error(`stream #${i}: framer threw: ${error}`);
      }
      for (const telegram of out) {
        if (!telegram.ok) continue;
        framed++;
        assertOk(telegram.value.length <= 2048 + 8, `stream #${i}: oversized telegram`);
        check(telegram.value, { crc }, streamed, `stream #${i}`);
      }
      at += size;
    }
    framer.flush();
  }
  const total = RANDOM_CASES + MUTATION_CASES + STREAM_CASES;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${total} cases in ${seconds} s: random ${JSON.stringify(noise)}, mutated ` +
      `${JSON.stringify(mutated)} (${crcMutants} of CRC telegrams, accepted ` +
      `${JSON.stringify(crcAccepted)}), ${framed} framed from ` +
      `streams ${JSON.stringify(streamed)}`,
  );
  assertEquals(noise.accepted + noise.rejected, RANDOM_CASES);
  assertEquals(mutated.accepted + mutated.rejected, MUTATION_CASES);
  assertOk(framed > STREAM_CASES / 2, "streams framed telegrams");
  // Accepted CRC mutants normally changed only bytes outside `/`…`!CRC`; a changed
  // one passed the reference CRC in check() (a genuine CRC-16 collision).
  assertOk(crcAccepted.unchanged > 0, JSON.stringify(crcAccepted));
});
