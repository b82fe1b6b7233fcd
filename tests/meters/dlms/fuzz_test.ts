/**
 * Seeded, bounded fuzzing of the DLMS cores: the M-Bus and HDLC framers and
 * the A-XDR decoder, 100,000 cases each, plus the whole reader with the GCM
 * tag. No exception may escape, and nothing may come out of a frame that
 * failed its checksum or a frame whose tag failed. Deterministic: a failure
 * names its case, and the seed replays it.
 */
import { assertEquals, assertOk } from "../../assert.ts";
import { concat, encodeHex } from "../../../src/bytes.ts";
import { crc16X25 } from "../../../src/crc.ts";
import type { Result } from "../../../src/result.ts";
import { decodeData, readData } from "../../../src/meters/dlms/axdr.ts";
import { HdlcFramer } from "../../../src/meters/dlms/hdlc.ts";
import { type MbusFrame, MbusFramer } from "../../../src/meters/dlms/mbus.ts";
import { parseNotification } from "../../../src/meters/dlms/notification.ts";
import { pushValues } from "../../../src/meters/dlms/payload.ts";
import { DlmsReader } from "../../../src/meters/dlms/reader.ts";
import { seededRandom } from "../../random.ts";
import { glo, hdlcFrame, hdlcSegments, mbusSegments } from "./build.ts";
import { dlmsVectors } from "./vectors.ts";

const CASES = 100_000;

const VECTORS = dlmsVectors();
/** Real APDUs and notifications: the plaintexts, and the ciphered APDUs of the M-Bus vectors. */
const PLAINTEXTS = VECTORS.flatMap((v) => v.plain ? [v.plain] : []);
const CIPHERED = VECTORS.filter((v) => v.wire && !v.name.includes("hdlc")).map((v) => {
  const result = new MbusFramer().push(v.wire!)[0];
  assertOk(result.ok);
  return result.value;
});

/** Bytes that make frames and data likely: starts, stops, flags, formats, tags. */
const SPECIAL = [
  0x68,
  0x16,
  0x7e,
  0xa0,
  0xa8,
  0xe6,
  0xe7,
  0x00,
  0x01,
  0x02,
  0x09,
  0x06,
  0x12,
  0x81,
  0x82,
  0xff,
  0x10,
  0x11,
  0xdb,
  0x0f,
  0xe0,
];

function fuzzer(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const byte = () => random() < 0.4 ? SPECIAL[int(SPECIAL.length)] : int(256);
  const noise = (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = byte();
    return out;
  };
  /** 1 to `most` random edits: flips, changed bytes, deletions, insertions, repeats, cuts. */
  const mutate = (input: Uint8Array, most = 3, kinds = 6): Uint8Array => {
    let bytes = input.slice();
    for (let n = 1 + int(most); n > 0 && bytes.length > 0; n--) {
      const at = int(bytes.length);
      const span = 1 + int(24);
      switch (int(kinds)) {
        case 0:
          bytes[at] ^= 1 << int(8);
          break;
        case 1:
          bytes[at] = (bytes[at] + 1 + int(255)) & 0xff;
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
  /** A chunk bound: mostly serial-read sized, sometimes a few bytes. */
  const maxChunk = () => random() < 0.1 ? 1 + int(8) : 16 + int(300);
  /** Pushes `stream` in random chunks of 1..maxChunk bytes, collecting the results. */
  const chunked = <T>(
    push: (chunk: Uint8Array) => Result<T>[],
    stream: Uint8Array,
    maxChunk: number,
  ): Result<T>[] => {
    const out: Result<T>[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + int(maxChunk);
      out.push(...push(stream.subarray(at, at + size)));
      at += size;
    }
    return out;
  };
  return { random, int, noise, mutate, chunked, maxChunk };
}

/** Whether `bytes` equals one of `originals`, byte for byte. */
function isOneOf(bytes: Uint8Array, originals: Uint8Array[]): boolean {
  return originals.some((o) => o.length === bytes.length && o.every((b, i) => b === bytes[i]));
}

function mbusSum(frame: MbusFrame): boolean {
  const b = frame.bytes;
  let sum = 0;
  for (let i = 4; i < b.length - 2; i++) sum += b[i];
  return (sum & 0xff) === b[b.length - 2] && b[b.length - 1] === 0x16 && b[1] === b[2];
}

Deno.test(`fuzz: M-Bus framer, ${CASES} streams (one byte changed: no altered APDU gets out)`, () => {
  const { random, int, noise, mutate, chunked, maxChunk } = fuzzer(0xd1a5_f001);
  let delivered = 0;
  let rejected = 0;
  for (let n = 0; n < CASES; n++) {
    const apdus = Array.from(
      { length: 1 + int(3) },
      () => random() < 0.5 ? CIPHERED[int(CIPHERED.length)] : noise(1 + int(400)),
    );
    const frames = apdus.flatMap((a) => {
      const size = Math.max(Math.ceil(a.length / 16), 1 + int(245));
      return mbusSegments(a, random() < 0.2 ? Math.min(252, a.length) : size);
    });
    const clean = concat(noise(int(12)), ...frames, noise(int(12)));
    const single = n % 2 === 0;
    const stream = single ? mutate(clean, 1, 2) : mutate(clean);
    const valid: MbusFrame[] = [];
    const framer = new MbusFramer({ onFrame: (frame) => valid.push(frame) });
    let results: Result<Uint8Array>[];
    try {
      results = chunked((c) => framer.push(c), stream, maxChunk());
    } catch (error) {
      throw new Error(`case ${n}: ${error}`);
    }
    for (const frame of valid) assertOk(mbusSum(frame), `case ${n}: a bad frame was taken`);
    for (const result of results) {
      if (!result.ok) {
        rejected++;
        assertOk(result.error.reason === "framing" || result.error.reason === "crc", `case ${n}`);
        continue;
      }
      delivered++;
      if (single) {
        assertOk(isOneOf(result.value, apdus), `case ${n}: an altered APDU got out`);
      }
    }
  }
  assertOk(delivered > CASES / 2, `only ${delivered} APDUs delivered`);
  assertOk(rejected > CASES / 10, `only ${rejected} rejections`);
});

function hdlcChecks(frame: Uint8Array): boolean {
  const close = frame.length;
  const fcs = crc16X25(frame, 0, close - 2);
  return fcs === (frame[close - 2] | (frame[close - 1] << 8));
}

Deno.test(`fuzz: HDLC framer, ${CASES} streams (one byte changed: no altered APDU gets out)`, () => {
  const { random, int, noise, mutate, chunked, maxChunk } = fuzzer(0xd1a5_f002);
  let delivered = 0;
  let rejected = 0;
  for (let n = 0; n < CASES; n++) {
    // No E6 in the random APDUs: a continuation starting E6 E7 00 looks like the start
    // of an APDU, which only the APDU's own length or tag can then tell apart.
    const apdus = Array.from(
      { length: 1 + int(3) },
      () =>
        random() < 0.5
          ? CIPHERED[int(CIPHERED.length)]
          : noise(1 + int(400)).map((b) => b === 0xe6 ? 0xe5 : b),
    );
    const frames = apdus.flatMap((a) =>
      random() < 0.5
        ? [hdlcFrame(concat(Uint8Array.of(0xe6, 0xe7, 0), a))]
        : hdlcSegments(a, 10 + int(300), random() < 0.5)
    );
    const clean = concat(noise(int(12)), ...frames, noise(int(12)));
    const single = n % 2 === 0;
    const stream = single ? mutate(clean, 1, 2) : mutate(clean);
    let bad = 0;
    const framer = new HdlcFramer({
      onFrame: (frame) => {
        if (!hdlcChecks(frame.bytes)) bad++;
      },
    });
    let results: Result<Uint8Array>[];
    try {
      results = chunked((c) => framer.push(c), stream, maxChunk());
    } catch (error) {
      throw new Error(`case ${n}: ${error}`);
    }
    assertEquals(bad, 0, `case ${n}: a frame failing its FCS was taken`);
    for (const result of results) {
      if (!result.ok) {
        rejected++;
        assertOk(result.error.reason === "framing" || result.error.reason === "crc", `case ${n}`);
        continue;
      }
      delivered++;
      if (single) {
        assertOk(isOneOf(result.value, apdus), `case ${n}: an altered APDU got out`);
      }
    }
  }
  assertOk(delivered > CASES / 2, `only ${delivered} APDUs delivered`);
  assertOk(rejected > CASES / 20, `only ${rejected} rejections`);
});

Deno.test(`fuzz: A-XDR decoder and payload walk, ${CASES} inputs`, () => {
  const { int, noise, mutate } = fuzzer(0xd1a5_f003);
  const bodies = PLAINTEXTS.map((p) => p.subarray(p[5] === 0x0c ? 18 : 6));
  let decoded = 0;
  let rejected = 0;
  for (let n = 0; n < CASES; n++) {
    const pick = int(4);
    const input = pick === 0
      ? noise(int(80))
      : pick === 1
      ? mutate(PLAINTEXTS[int(PLAINTEXTS.length)], 4)
      : mutate(bodies[int(bodies.length)], 1 + int(3));
    try {
      const data = decodeData(input, 1 + int(20));
      if (data.ok) decoded++;
      else {
        rejected++;
        assertEquals(data.error.reason, "decode", `case ${n}`);
      }
      const one = readData(input, int(input.length + 1));
      if (one.ok) assertOk(one.value.end <= input.length, `case ${n}`);
      const notification = parseNotification(input);
      if (notification.ok) {
        const push = pushValues(notification.value);
        for (const value of push.values) assertOk(typeof value.value === "string", `case ${n}`);
      }
    } catch (error) {
      throw new Error(`case ${n} (${encodeHex(input)}): ${error}`);
    }
  }
  assertOk(decoded > CASES / 20, `only ${decoded} decoded`);
  assertOk(rejected > CASES / 2, `only ${rejected} rejected`);
});

Deno.test("fuzz: 20,000 changed APDUs re-framed with a good FCS never pass the GCM tag", () => {
  const { int, mutate } = fuzzer(0xd1a5_f004);
  const vector = VECTORS.find((v) => v.name === "at_burgenland_landisgyr-e450_gh501-1_hdlc")!;
  const apdu = new HdlcFramer().push(vector.wire!)[0];
  assertOk(apdu.ok);
  const original = encodeHex(apdu.value);
  const reader = new DlmsReader({ framing: "hdlc", key: vector.key, authKey: vector.authKey });
  const plain = new DlmsReader({ framing: "hdlc", key: vector.key });
  const synthetic = glo(vector.plain!, { key: vector.key!, authKey: vector.authKey! });
  let tags = 0;
  for (let n = 0; n < 20_000; n++) {
    const base = n % 2 === 0 ? apdu.value : synthetic;
    const changed = mutate(base, 1 + int(2), int(2) === 0 ? 2 : 6);
    const frame = hdlcFrame(concat(Uint8Array.of(0xe6, 0xe7, 0), changed));
    let results;
    try {
      results = reader.push(frame);
      plain.push(frame);
    } catch (error) {
      throw new Error(`case ${n}: ${error}`);
    }
    for (const result of results) {
      if (result.ok) {
        const same = encodeHex(changed) === original || encodeHex(changed) === encodeHex(synthetic);
        assertOk(same, `case ${n}: a changed APDU passed the tag`);
      } else if (result.error.reason === "tag") tags++;
    }
  }
  assertOk(tags > 10_000, `only ${tags} tag rejections`);
});
