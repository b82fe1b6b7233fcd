/**
 * Bounded, seeded fuzzing of the KMP decoders: random buffers, random frames
 * with valid CRC but garbage data, and mutated valid frames. No exception may
 * escape, and no decoder may return a value unless an independent reference
 * finds a CRC-valid frame where the decoders look. Valid random replies must
 * round-trip exactly.
 */
import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { compare } from "../../../src/decimal.ts";
import {
  COMMAND,
  encodeFrame,
  findReply,
  parseKmpFrame,
  START_RESPONSE,
} from "../../../src/meters/kamstrup/frame.ts";
import { unstuff } from "../../../src/meters/kamstrup/stuffing.ts";
import {
  decodeGetRegisterRequest,
  decodeRegisterResponse,
  encodeGetRegister,
  encodeRegisterResponse,
  type RegisterReply,
} from "../../../src/meters/kamstrup/register_codec.ts";
import {
  decodeSerialResponse,
  encodeSerialResponse,
} from "../../../src/meters/kamstrup/identity_codec.ts";
import { decimalText } from "../../../src/meters/kamstrup/number.ts";
import { toValues } from "../../../src/meters/kamstrup/values.ts";
import { loadJson } from "./vectors.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import { seededRandom } from "../../random.ts";

const random = seededRandom(0x4b4d50);
const int = (n: number) => Math.floor(random() * n);
const SPECIAL = [0x06, 0x0d, 0x1b, 0x40, 0x80, 0x3f, 0x10, 0x00, 0xff];
const byte = () => (random() < 0.3 ? SPECIAL[int(SPECIAL.length)] : int(256));

function bytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = byte();
  return out;
}

/** Bitwise CRC-16/XMODEM, independent of crc.ts. */
function referenceCrc(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) ^ (b >> bit)) & 1;
      crc = ((crc << 1) & 0xffff) ^ (top ? 0x1021 : 0);
    }
  }
  return crc;
}

/**
 * Independent check of the rule the decoders follow: the reply runs from the
 * last 0x40 before the first 0x0D that follows the first 0x40; its
 * unstuffed body must be CRC-valid for any decoder to return a value.
 */
function replyHasValidCrc(buffer: Uint8Array): boolean {
  let first = -1;
  for (let i = 0; i < buffer.length && first < 0; i++) if (buffer[i] === 0x40) first = i;
  if (first < 0) return false;
  let stop = -1;
  for (let i = first + 1; i < buffer.length && stop < 0; i++) if (buffer[i] === 0x0d) stop = i;
  if (stop < 0) return false;
  let start = first;
  for (let i = first; i < stop; i++) if (buffer[i] === 0x40) start = i;
  const body: number[] = [];
  for (let i = start + 1; i < stop; i++) {
    body.push(buffer[i] === 0x1b && i + 1 < stop ? buffer[++i] ^ 0xff : buffer[i]);
  }
  return body.length >= 4 && referenceCrc(Uint8Array.from(body)) === 0;
}

function requestHasValidCrc(frame: Uint8Array): boolean {
  if (frame[0] !== 0x80 || frame[frame.length - 1] !== 0x0d) return false;
  const body = unstuff(frame.subarray(1, -1));
  return body.ok && body.value.length >= 4 && referenceCrc(body.value) === 0;
}

const counts = {
  cases: 0,
  accepted: 0,
  rejected: { framing: 0, crc: 0, decode: 0 } as Record<string, number>,
};

/** Runs every decoder on one buffer; checks that nothing throws or lies. */
function exercise(buffer: Uint8Array): void {
  counts.cases++;
  try {
    const crcOk = replyHasValidCrc(buffer);
    const registers = decodeRegisterResponse(buffer);
    const requested = decodeRegisterResponse(buffer, { ids: [60, 68, 74, 80, 86] });
    const serial = decodeSerialResponse(buffer);
    for (const result of [registers, requested, serial]) {
      if (result.ok) {
        counts.accepted++;
        assertOk(crcOk, "a value from a reply without a valid CRC");
      } else {
        counts.rejected[result.error.reason] = (counts.rejected[result.error.reason] ?? 0) + 1;
      }
    }
    if (registers.ok) {
      for (const r of registers.value) assertEquals(compare(r.value, r.value), 0);
      toValues(registers.value, { onWarning: () => {} });
    }
    const request = decodeGetRegisterRequest(buffer);
    if (request.ok) assertOk(requestHasValidCrc(buffer), "ids from a request without a valid CRC");
    const found = findReply(buffer);
    if (found) {
      assertEquals(found.frame[0], 0x40);
      assertEquals(found.frame[found.frame.length - 1], 0x0d);
      const frame = parseKmpFrame(found.frame);
      if (frame.ok) assertOk(crcOk);
    }
  } catch (error) {
    throw new Error(`case ${counts.cases} ${encodeHex(buffer)}: ${error}`);
  }
}

function randomReply(): RegisterReply {
  const length = 1 + int(random() < 0.8 ? 4 : 9);
  let mantissa = 0n;
  for (let i = 0; i < length; i++) mantissa = (mantissa << 8n) | BigInt(byte());
  const exponent = int(127) - 63;
  const negative = random() < 0.2;
  return {
    id: random() < 0.5 ? [60, 68, 74, 80, 86, 64, 128, 0x1b0d][int(8)] : int(65536),
    unit: byte(),
    value: decimalText(negative, mantissa.toString(), exponent),
    exponent,
    length,
  };
}

function validFrames(count: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const kind = int(4);
    if (kind === 0) {
      const type = int(65536);
      const revision = [1, 2, 3, 6, 26][int(5)];
      const data = new Uint8Array([type >> 8, type & 0xff, revision, int(256)]);
      frames.push(encodeFrame(START_RESPONSE, 0x3f, COMMAND.getType, data));
    } else if (kind === 1) {
      frames.push(encodeSerialResponse(String(int(4294967296))));
    } else {
      frames.push(encodeRegisterResponse(Array.from({ length: 1 + int(8) }, randomReply)));
    }
  }
  return frames;
}

function mutate(frame: Uint8Array): Uint8Array {
  const out = Array.from(frame);
  const edits = 1 + int(3);
  for (let e = 0; e < edits; e++) {
    const at = int(out.length + 1);
    switch (int(8)) {
      case 0:
        if (at < out.length) out[at] ^= 1 << int(8);
        break;
      case 1:
        if (at < out.length) out[at] = byte();
        break;
      case 2:
        out.splice(at, 0, byte());
        break;
      case 3:
        out.splice(at, 1 + int(3));
        break;
      case 4:
        out.length = Math.min(out.length, at);
        break;
      case 5:
        out.splice(at, 0, ...out.slice(int(out.length), int(out.length)));
        break;
      case 6:
        out.unshift(...bytes(int(12)));
        break;
      default:
        out.push(...bytes(int(12)));
    }
  }
  return Uint8Array.from(out);
}

interface FrameVector {
  request_hex?: string;
  response_hex?: string;
}

const vectors = await loadJson<{ frames: FrameVector[] }>("kmp_vectors.json");
const corpus = [
  ...vectors.frames.flatMap((f) => [f.request_hex, f.response_hex]).filter((h) => h !== undefined)
    .map((h) => decodeHex(h!)),
  ...validFrames(200),
];

Deno.test("fuzz: random buffers never throw and never yield values without a valid CRC", () => {
  for (let i = 0; i < 100_000; i++) exercise(bytes(int(80)));
  for (let i = 0; i < 50_000; i++) {
    exercise(concat(new Uint8Array([0x40]), bytes(int(40)), new Uint8Array([0x0d])));
  }
});

Deno.test("fuzz: CRC-valid frames with random data are rejected or decoded, never thrown", () => {
  for (let i = 0; i < 50_000; i++) {
    const command = random() < 0.7 ? 0x10 : [0x01, 0x02, 0x11, int(256)][int(4)];
    exercise(encodeFrame(0x40, 0x3f, command, bytes(int(40))));
  }
});

Deno.test("fuzz: mutated valid frames (with and without echo) never throw or lie", () => {
  const echo = encodeGetRegister([60, 68, 74]);
  for (let i = 0; i < 200_000; i++) {
    const frame = corpus[int(corpus.length)];
    const buffer = mutate(random() < 0.3 ? concat(echo, frame) : frame);
    exercise(buffer);
  }
  assertOk(counts.rejected.crc > 0 && counts.rejected.framing > 0 && counts.rejected.decode > 0);
});

Deno.test("fuzz: random replies round-trip exactly, with an echo and in chunks", () => {
  const echo = encodeGetRegister([60]);
  for (let i = 0; i < 20_000; i++) {
    const replies = Array.from({ length: 1 + int(8) }, randomReply);
    const frame = encodeRegisterResponse(replies);
    const decoded = unwrap(decodeRegisterResponse(concat(echo, frame)));
    assertEquals(decoded.length, replies.length);
    for (let j = 0; j < replies.length; j++) {
      assertEquals([decoded[j].id, decoded[j].unit, decoded[j].value], [
        replies[j].id,
        replies[j].unit,
        replies[j].value,
      ]);
    }
    const cut = int(frame.length);
    assertEquals(findReply(concat(echo, frame.subarray(0, cut))), undefined);
    assertEquals(encodeHex(encodeRegisterResponse(decoded)), encodeHex(frame));
  }
});
