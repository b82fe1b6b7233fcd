/**
 * Seeded, bounded fuzzing of the SML core. Streams of real, mutated and
 * synthetic frames with noise go through the framer in random chunks, and
 * every frame it delivers is decoded; random and mutated bytes go through
 * the TLV and message decoders. Invariants: nothing throws, memory stays
 * within the bound, and every delivered frame passes an independent bitwise
 * CRC and unescaping (no values from a frame that failed its checksum).
 * Deterministic: a failure names its case, and the same seed replays it.
 */
import { assertEquals, assertOk } from "../../assert.ts";
import { concat, encodeHex } from "../../../src/bytes.ts";
import { normalize } from "../../../src/decimal.ts";
import { decodeSmlPayload } from "../../../src/meters/sml/decode.ts";
import { decodeSmlMessages } from "../../../src/meters/sml/messages.ts";
import { parseSmlNode, type SmlNode } from "../../../src/meters/sml/tlv.ts";
import {
  encodeSmlFrame,
  type SmlCrc,
  type SmlFrame,
  SmlFramer,
} from "../../../src/meters/sml/transport.ts";
import { seededRandom } from "../../random.ts";
import { ABSENT, boolean, END, list, octets, signed, unsigned } from "./build.ts";
import { readSmlVectors } from "./vectors.ts";

const VECTORS = readSmlVectors();
const FRAMES = VECTORS.filter((v) => v.json.transport).map((v) => v.bytes);
const PAYLOADS = VECTORS.map((v) =>
  v.json.transport
    ? (new SmlFramer().push(v.bytes)[0] as { value: SmlFrame }).value.payload
    : v.bytes
);
const REAL = new Set(FRAMES.map(encodeHex));

/** Bytes that matter to the framing and the TLV, drawn more often than the rest. */
const SPECIAL = [
  0x1b,
  0x1b,
  0x1b,
  0x01,
  0x1a,
  0x00,
  0x76,
  0x77,
  0x72,
  0x62,
  0x63,
  0x65,
  0x59,
  0x69,
  0x83,
  0xf1,
];

function fuzzer(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const byte = () => random() < 0.4 ? SPECIAL[int(SPECIAL.length)] : int(256);
  const noise = (length: number): Uint8Array => {
    const out = Uint8Array.from({ length }, byte);
    if (length >= 8 && random() < 0.2) {
      out.set([0x1b, 0x1b, 0x1b, 0x1b, 1, 1, 1, 1], int(length - 7));
    }
    if (length >= 6 && random() < 0.2) {
      out.set([0x1b, 0x1b, 0x1b, 0x1b, 0x1a, int(5)], int(length - 5));
    }
    return out;
  };
  /** 1 to 3 edits: bit flips, byte changes, cuts, insertions, duplications, truncation. */
  const mutate = (input: Uint8Array): Uint8Array => {
    let bytes = input.slice();
    for (let n = 1 + int(3); n > 0; n--) {
      const at = int(bytes.length + 1);
      const span = 1 + int(24);
      switch (int(6)) {
        case 0:
          if (at < bytes.length) bytes[at] ^= 1 << int(8);
          break;
        case 1:
          if (at < bytes.length) bytes[at] = byte();
          break;
        case 2:
          bytes = concat(bytes.subarray(0, at), bytes.subarray(at + span));
          break;
        case 3:
          bytes = concat(bytes.subarray(0, at), noise(span), bytes.subarray(at));
          break;
        case 4:
          bytes = concat(bytes.subarray(0, at), bytes.subarray(at, at + span), bytes.subarray(at));
          break;
        default:
          bytes = bytes.subarray(0, at);
      }
    }
    return bytes;
  };
  return { random, int, byte, noise, mutate };
}

/** Bitwise CRC-16 with the reflected polynomial 0x8408 (X-25 and KERMIT differ in init and xorout). */
function referenceCrc(bytes: Uint8Array, init: number, xorout: number): number {
  let crc = init;
  for (const b of bytes) {
    crc ^= b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc ^ xorout;
}

/** Checks a delivered frame against the transport rules, independently of the framer. */
function checkFrame(frame: SmlFrame, maxBytes: number, label: string): void {
  const wire = frame.wire;
  const n = wire.length;
  assertOk(n <= maxBytes && n >= 16 && n % 4 === 0, `${label}: ${n} bytes`);
  assertEquals(encodeHex(wire.subarray(0, 8)), "1b1b1b1b01010101", label);
  assertEquals(encodeHex(wire.subarray(n - 8, n - 3)), "1b1b1b1b1a", label);
  const body = wire.subarray(0, n - 2);
  const sent = frame.crc === "x25"
    ? wire[n - 2] | (wire[n - 1] << 8)
    : (wire[n - 2] << 8) | wire[n - 1];
  const computed = frame.crc === "x25"
    ? referenceCrc(body, 0xffff, 0xffff)
    : referenceCrc(body, 0, 0);
  assertEquals(computed, sent, `${label}: delivered with a failing ${frame.crc} CRC`);
  const data: number[] = [];
  for (let i = 8; i < n - 8; i += 4) {
    const block = wire.subarray(i, i + 4);
    const escape = block.every((b) => b === 0x1b);
    if (escape) {
      assertOk(wire.subarray(i + 4, i + 8).every((b) => b === 0x1b), `${label}: lone escape`);
      i += 4;
    }
    data.push(...block);
  }
  assertEquals(frame.fill, wire[n - 3], label);
  assertEquals(
    encodeHex(frame.payload),
    encodeHex(Uint8Array.from(data.slice(0, data.length - frame.fill))),
    label,
  );
}

function checkDecoded(payload: Uint8Array, label: string): boolean {
  let result;
  try {
    result = decodeSmlPayload(payload);
  } catch (error) {
    throw new Error(`${label}: decodeSmlPayload threw: ${error}`);
  }
  if (!result.ok) {
    assertEquals(result.error.reason, "decode", label);
    return false;
  }
  for (const value of result.value.values) {
    assertEquals(normalize(value.value), value.value, `${label}: ${value.property}=${value.value}`);
  }
  return true;
}

const STREAM_CASES = 100_000;

Deno.test(`fuzz: ${STREAM_CASES} streams through the framer and the decoder`, () => {
  const { random, int, noise, mutate } = fuzzer(0x5a1_f001);
  const started = performance.now();
  const tally = { frames: 0, real: 0, decoded: 0, rejected: 0, crc: 0, framing: 0 };
  for (let n = 0; n < STREAM_CASES; n++) {
    const label = `stream #${n}`;
    const maxBytes = [64, 400, 1024, 8192][int(4)];
    const mode = (["auto", "auto", "x25", "kermit"] as const)[int(4)];
    const framer = new SmlFramer({ maxBytes, crc: mode });
    const parts: Uint8Array[] = [];
    for (let k = 1 + int(3); k > 0; k--) {
      const choice = int(5);
      if (choice === 0) parts.push(noise(int(80)));
      else if (choice === 1) parts.push(FRAMES[int(FRAMES.length)]);
      else if (choice === 2) {
        const crc: SmlCrc = int(2) ? "x25" : "kermit";
        parts.push(encodeSmlFrame(mutate(PAYLOADS[int(PAYLOADS.length)]), crc));
      } else parts.push(mutate(FRAMES[int(FRAMES.length)]));
    }
    const stream = concat(...parts);
    const results = [];
    try {
      for (let at = 0; at < stream.length;) {
        const size = 1 + int(random() < 0.2 ? 8 : 700);
        results.push(...framer.push(stream.subarray(at, at + size)));
        assertOk(framer.buffered <= maxBytes, `${label}: buffered ${framer.buffered}`);
        at += size;
      }
      results.push(...framer.flush());
    } catch (error) {
      throw new Error(`${label}: framer threw: ${error}`);
    }
    for (const result of results) {
      if (!result.ok) {
        tally.rejected++;
        assertOk(result.error.reason === "crc" || result.error.reason === "framing", label);
        tally[result.error.reason]++;
        continue;
      }
      tally.frames++;
      checkFrame(result.value, maxBytes, label);
      if (REAL.has(encodeHex(result.value.wire))) tally.real++;
      if (checkDecoded(result.value.payload, label)) tally.decoded++;
    }
    assertEquals(framer.stats.frames + framer.stats.rejected, results.length, label);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${STREAM_CASES} streams in ${seconds} s: ${JSON.stringify(tally)}`);
  assertOk(tally.real > STREAM_CASES / 8, "real frames are found");
  assertOk(tally.decoded > STREAM_CASES / 6, "frames are decoded");
  assertOk(tally.crc > 1000 && tally.framing > 1000, "both kinds of rejection occur");
});

Deno.test("fuzz: 20000 real frames in noise are each found exactly once", () => {
  const { int, noise } = fuzzer(0x5a1_f002);
  for (let n = 0; n < 20_000; n++) {
    const real = FRAMES[int(FRAMES.length)];
    const stream = concat(noise(int(120)), real, noise(int(40)));
    const framer = new SmlFramer();
    const found: string[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + int(300);
      for (const r of framer.push(stream.subarray(at, at + size))) {
        if (r.ok) found.push(encodeHex(r.value.wire));
      }
      at += size;
    }
    assertEquals(found, [encodeHex(real)], `case ${n}`);
  }
});

const TLV_RANDOM_CASES = 100_000;
const TLV_MUTATION_CASES = 100_000;

function checkNode(node: SmlNode, length: number, label: string): void {
  assertOk(node.start < node.end && node.end <= length, `${label}: ${node.start}..${node.end}`);
  if (node.kind !== "list") return;
  let at = node.start + 1;
  for (const item of node.items) {
    assertOk(item.start >= at, `${label}: items overlap`);
    checkNode(item, length, label);
    at = item.end;
  }
  assertEquals(node.end, node.items.at(-1)?.end ?? node.end, label);
}

Deno.test(`fuzz: ${TLV_RANDOM_CASES + TLV_MUTATION_CASES} inputs through the TLV and message decoders`, () => {
  const { int, noise, mutate } = fuzzer(0x5a1_f003);
  const tally = { nodes: 0, rejected: 0, messages: 0, decoded: 0 };
  const run = (bytes: Uint8Array, label: string) => {
    let node, messages;
    const start = bytes.length === 0 ? 0 : int(Math.min(bytes.length, 8));
    try {
      node = parseSmlNode(bytes, start);
      messages = decodeSmlMessages(bytes);
    } catch (error) {
      throw new Error(`${label}: threw: ${error}`);
    }
    if (node.ok) {
      tally.nodes++;
      checkNode(node.value, bytes.length, label);
    } else {
      tally.rejected++;
      assertEquals(node.error.reason, "decode", label);
    }
    if (messages.ok) tally.messages++;
    else assertEquals(messages.error.reason, "decode", label);
    if (checkDecoded(bytes, label)) tally.decoded++;
  };
  for (let n = 0; n < TLV_RANDOM_CASES; n++) run(noise(int(300)), `random #${n}`);
  for (let n = 0; n < TLV_MUTATION_CASES; n++) {
    run(mutate(PAYLOADS[n % PAYLOADS.length]), `mutation #${n}`);
  }
  console.log(JSON.stringify(tally));
  assertOk(tally.nodes > 10_000 && tally.rejected > 10_000, JSON.stringify(tally));
  assertOk(tally.decoded > 1000, JSON.stringify(tally));
});

Deno.test("fuzz: 20000 random element trees decode to what was encoded", () => {
  const { random, int } = fuzzer(0x5a1_f004);
  type Model = string;
  const describe = (node: SmlNode): Model => {
    switch (node.kind) {
      case "list":
        return `[${node.items.map(describe).join(",")}]`;
      case "octets":
        return `o${encodeHex(node.bytes)}`;
      case "integer":
        return `${node.signed ? "i" : "u"}${node.value}`;
      case "boolean":
        return `b${node.value}`;
      default:
        return node.kind;
    }
  };
  const tree = (depth: number): [Uint8Array, Model] => {
    const choice = int(depth > 5 ? 6 : 8);
    const width = 1 + int(9);
    const bits = BigInt(8 * width);
    const raw = BigInt(int(2 ** 30)) * BigInt(int(2 ** 30)) * BigInt(int(2 ** 20)) +
      BigInt(int(256));
    switch (choice) {
      case 0: {
        const bytes = Uint8Array.from(
          { length: random() < 0.9 ? int(20) : 200 + int(400) },
          () => int(256),
        );
        // An empty octet string is `01`, which SML reads as an absent field.
        return [octets(bytes), bytes.length ? `o${encodeHex(bytes)}` : "absent"];
      }
      case 1: {
        const value = BigInt.asUintN(Number(bits), raw);
        return [unsigned(value, width), `u${width > 6 ? value : Number(value)}`];
      }
      case 2: {
        const value = BigInt.asIntN(Number(bits), raw);
        return [signed(value, width), `i${width > 6 ? value : Number(value)}`];
      }
      case 3: {
        const value = random() < 0.5;
        return [boolean(value), `b${value}`];
      }
      case 4:
        return [ABSENT, "absent"];
      case 5:
        return [END, "end"];
      default: {
        const items = Array.from(
          { length: random() < 0.95 ? int(6) : 16 + int(20) },
          () => tree(depth + 1),
        );
        return [list(...items.map((i) => i[0])), `[${items.map((i) => i[1]).join(",")}]`];
      }
    }
  };
  for (let n = 0; n < 20_000; n++) {
    const [bytes, model] = tree(0);
    const node = parseSmlNode(bytes);
    assertOk(node.ok, `tree #${n}: ${!node.ok && node.error.message}`);
    assertEquals(node.value.end, bytes.length, `tree #${n}`);
    assertEquals(describe(node.value), model, `tree #${n}`);
  }
});
