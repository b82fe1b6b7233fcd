/**
 * Bounded, deterministic fuzzing of the D0 core: the push framer with the
 * readout decoder, the line parser with the value tables, the pull session,
 * and the poll session on the generic poller. Invariants: nothing throws,
 * memory stays bounded, every value is well-formed, and nothing is decoded
 * from a data block whose BCC an independent XOR does not confirm.
 */
import { assertEquals, assertOk } from "../../assert.ts";
import { concat, latin1, latin1Text } from "../../../src/bytes.ts";
import { normalize } from "../../../src/decimal.ts";
import type { Value } from "../../../src/reading.ts";
import { groupText, parseCode, parseDataSets } from "../../../src/meters/d0/data_sets.ts";
import { ReadoutFramer } from "../../../src/meters/d0/framer.ts";
import { decodeReadout, type Readout } from "../../../src/meters/d0/readout.ts";
import { PullSession, type SessionEvent } from "../../../src/meters/d0/session.ts";
import { D0PollSession } from "../../../src/meters/d0/poll_session.ts";
import { PolledMeter, type PolledPort } from "../../../src/meters/polled_meter.ts";
import type { RequestOptions } from "../../../src/serial/port.ts";
import { readoutDecoded, readoutValues } from "../../../src/meters/d0/values.ts";
import { readD0Vectors } from "./vectors.ts";
import { seededRandom } from "../../random.ts";

const SEED = 0xd0_5eed;
const FRAMER_CASES = 100_000;
const LINE_CASES = 100_000;
const SESSION_CASES = 100_000;
const POLL_CASES = 100_000;
const MAX_BYTES = 1024;

const random = seededRandom(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

/** Bytes that matter to the grammar, drawn more often than the rest. */
const ALPHABET = latin1("/!()*&.:-\r\n\r\n\x02\x03\x06 0123456789CFABkWhm3MGJ");

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
  for (let m = 1 + int(4); m > 0; m--) {
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
      case 3:
        bytes = concat(bytes.subarray(0, at), randomBytes(1 + int(8)), bytes.subarray(at));
        break;
      case 4:
        bytes = concat(
          bytes.subarray(0, at),
          bytes.subarray(Math.min(bytes.length, at + 1 + int(16))),
        );
        break;
      default:
        bytes = bytes.slice(int(Math.max(1, at)));
    }
  }
  return bytes;
}

/** A data block with a correct BCC. */
function block(data: string): Uint8Array {
  const bytes = latin1(`\x02${data}\x03`);
  return concat(bytes, Uint8Array.of(xor(bytes, 1, bytes.length)));
}

function xor(bytes: Uint8Array, start: number, end: number): number {
  let check = 0;
  for (let i = start; i < end; i++) check ^= bytes[i];
  return check;
}

/** The shared readouts, the two edited BCCs set right, and a synthetic block. */
const CORPUS: Uint8Array[] = readD0Vectors().map(({ bytes, json }) => {
  if (!json.bcc.present || json.bcc.ok) return bytes;
  const fixed = bytes.slice();
  fixed[fixed.length - 1] = parseInt(json.bcc.computed!, 16);
  return fixed;
});
CORPUS.push(concat(
  latin1("/LGZ5ZMD120AR\r\n"),
  block("F.F(00000000)\r\nC.1.0(12345678)\r\n1.8.1(001234.5*kWh)(21-03-10 12:15)\r\n!\r\n"),
));

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

function assertWellFormed(value: Value, label: string): void {
  switch (value.datatype) {
    case "float":
      assertEquals(normalize(value.value), value.value, `${label}: ${value.property}`);
      break;
    case "integer":
      assertOk(/^-?\d+$/.test(value.value), `${label}: ${value.value}`);
      break;
    case "string":
      assertOk(value.value !== "" && value.value === value.value.trim(), label);
      break;
    case "datetime":
      assertOk(ISO.test(value.value), `${label}: ${value.value}`);
      break;
    default:
      throw new Error(`${label}: unexpected datatype ${value.datatype}`);
  }
}

/**
 * Confirms a BCC the core accepted: some STX after the identification line
 * is followed, at the first ETX after it, by a BCC equal to the XOR of the
 * bytes in between and ETX, and that BCC is the one the readout carries.
 */
function assertBccHolds(bytes: Uint8Array, from: number, given: number, label: string): void {
  for (let stx = bytes.indexOf(0x02, from); stx >= 0; stx = bytes.indexOf(0x02, stx + 1)) {
    const etx = bytes.indexOf(0x03, stx + 1);
    if (etx < 0 || etx + 1 >= bytes.length) continue;
    if (bytes[etx + 1] === given && xor(bytes, stx + 1, etx + 1) === given) return;
  }
  throw new Error(`${label}: decoded a block whose BCC does not hold`);
}

function checkReadout(readout: Readout, bytes: Uint8Array, from: number, label: string): void {
  if (readout.bcc !== undefined) assertBccHolds(bytes, from, readout.bcc, label);
  const decoded = readoutDecoded(readout);
  for (const value of decoded.values) assertWellFormed(value, label);
  for (const set of readout.sets) {
    assertOk(set.id !== "" && !/[()]/.test(set.id), `${label}: id ${set.id}`);
    assertOk(set.groups.length > 0, label);
  }
}

Deno.test(`fuzz the push framer and readout decoder: ${FRAMER_CASES} streams, seed ${SEED}`, () => {
  const tally = { framed: 0, decoded: 0, crc: 0, framing: 0, decode: 0, withBcc: 0 };
  for (let i = 0; i < FRAMER_CASES; i++) {
    const parts: Uint8Array[] = [];
    for (let n = 1 + int(3); n > 0; n--) {
      const choice = int(4);
      const source = pick(CORPUS);
      parts.push(choice === 0 ? randomBytes(int(96)) : choice === 1 ? source : mutate(source));
    }
    const stream = concat(...parts);
    const framer = new ReadoutFramer({ maxBytes: MAX_BYTES });
    const label = `stream #${i}`;
    const framed: Uint8Array[] = [];
    try {
      for (let at = 0; at < stream.length;) {
        const size = 1 + int(random() < 0.2 ? 4 : 400);
        for (const r of framer.push(stream.subarray(at, at + size))) {
          if (r.ok) framed.push(r.value);
          else tally[r.error.reason as "framing"]++;
        }
        at += size;
      }
      for (const r of framer.flush()) if (r.ok) framed.push(r.value);
    } catch (error) {
      throw new Error(`${label}: the framer threw: ${error}`);
    }
    for (const bytes of framed) {
      tally.framed++;
      assertOk(bytes.length <= MAX_BYTES + 4, `${label}: oversized readout`);
      let result;
      try {
        result = decodeReadout(bytes);
      } catch (error) {
        throw new Error(`${label}: decodeReadout threw: ${error}`);
      }
      if (!result.ok) {
        tally[result.error.reason as "crc"]++;
        continue;
      }
      tally.decoded++;
      if (result.value.bcc !== undefined) tally.withBcc++;
      checkReadout(result.value, bytes, bytes.indexOf(0x0a), label);
    }
    assertEquals(framer.stats.readouts, framed.length, label);
  }
  console.log(`${FRAMER_CASES} streams: ${JSON.stringify(tally)}`);
  assertOk(tally.decoded > FRAMER_CASES / 2 && tally.withBcc > 1000 && tally.crc > 1000);
});

/** A random ID in one of the shapes meters send. */
function randomId(): string {
  const n = () => String(int(256));
  switch (int(6)) {
    case 0:
      return `${n()}-${n()}:${n()}.${n()}.${n()}*${n()}`;
    case 1:
      return `${n()}.${n()}.${n()}`;
    case 2:
      return `${n()}.${n()}`;
    case 3:
      return pick(["F.F", "C.1.0", "C.1", "F", "0.0", "9.20", "6.8*01"]);
    case 4:
      return pick(["1.8.0", "2.8.0", "1-0:1.7.255*255", "6.8", "6.26", "6.31", "9.4", "6.33"]);
    default:
      return `${n()}.${n()}*${n()}`;
  }
}

/** A random group value: decimals with signs, spaces and units, dates, text, empty. */
function randomGroup(): string {
  const digits = () => String(int(10 ** (1 + int(8)))).padStart(1 + int(9), "0");
  const number = () =>
    `${pick(["", "", "+", "-", " "])}${digits()}${random() < 0.6 ? `.${digits()}` : ""}`;
  switch (int(5)) {
    case 0:
      return number();
    case 1:
      return `${number()}*${
        pick(["kWh", "Wh", "kW", "W", "V", "A", "MWh", "GJ", "m3", "m3ph", "h", "C"])
      }`;
    case 2:
      return `${number()}*C&${number()}*C`;
    case 3:
      return pick(["", "2017-01-18&01:36:47", "R", "A2", "1ESY1127000167", "21-03-10 12:15"]);
    default:
      return new TextDecoder().decode(randomBytes(int(12))).replace(/[()\r\n]/g, "");
  }
}

Deno.test(`fuzz the line parser and value tables: ${LINE_CASES} cases, seed ${SEED}`, () => {
  const tally = { roundTrips: 0, mutated: 0, random: 0, values: 0 };
  for (let i = 0; i < LINE_CASES; i++) {
    const label = `line case #${i}`;
    const kind = i % 3;
    let text: string;
    const sets: [string, string[]][] = [];
    if (kind === 0) {
      for (let n = 1 + int(6); n > 0; n--) {
        sets.push([randomId(), Array.from({ length: 1 + int(3) }, randomGroup)]);
      }
      text = sets.map(([id, groups]) =>
        `${id}${groups.map((g) => `(${g})`).join("")}${random() < 0.5 ? "\r\n" : ""}`
      ).join("");
    } else if (kind === 1) {
      text = String.fromCharCode(...mutate(pick(CORPUS)));
    } else {
      text = String.fromCharCode(...randomBytes(int(300)));
    }
    let parsed, values;
    try {
      parsed = parseDataSets(text);
      values = readoutValues(parsed.sets);
      for (const set of parsed.sets) parseCode(set.id);
    } catch (error) {
      throw new Error(`${label}: threw: ${error} on ${JSON.stringify(text)}`);
    }
    for (const value of values) assertWellFormed(value, label);
    tally.values += values.length;
    for (const set of parsed.sets) {
      assertOk(set.id !== "" && set.id === set.id.trim() && !/[()\r\n]/.test(set.id), label);
    }
    if (kind === 0) {
      // Generated lines parse back to exactly what was written.
      assertEquals(
        parsed.sets.map((s) => [s.id, s.groups.map(groupText)]),
        sets.map(([id, groups]) => [id, groups]),
        `${label}: ${JSON.stringify(text)}`,
      );
      assertEquals(parsed.skipped, [], label);
      tally.roundTrips++;
    } else {
      tally[kind === 1 ? "mutated" : "random"]++;
    }
  }
  console.log(`${LINE_CASES} line cases: ${JSON.stringify(tally)}`);
  assertOk(tally.values > LINE_CASES / 2);
});

/** What a meter sends for one exchange: an identification line, then the data. */
function meterAnswer(): { bytes: Uint8Array; clean: boolean } {
  const ident = pick([
    "/LGZ5ZMD120AR",
    "/ACE0\\3k260V01.18",
    "/SIEC2WR5",
    "/KAM MC",
    "/ISk3\\2MT382",
  ]);
  const data = pick([
    "F.F(00)\r\nC.1(12345678)\r\n1.8.0(000285.4*kWh)\r\n!\r\n",
    "6.8(0029.055*MWh)6.26(01589.28*m3)9.4(088*C&082*C)6.31(0030710*h)!\r\n",
    "1.8.1(001234.5*kWh)(21-03-10 12:15)\r\n2.8.0(000120.1*kWh)\r\n!\r\n",
  ]);
  const echo = random() < 0.5 ? "/?!\r\n" : "";
  const ack = random() < 0.5 ? "\x06050\r\n" : "";
  const clean = concat(latin1(`${echo}${ident}\r\n${ack}`), block(data));
  if (random() < 0.4) return { bytes: clean, clean: true };
  return { bytes: random() < 0.8 ? mutate(clean) : randomBytes(int(200)), clean: false };
}

Deno.test(`fuzz the pull session: ${SESSION_CASES} exchanges, seed ${SEED}`, () => {
  const tally = { readouts: 0, crc: 0, framing: 0, decode: 0, timeout: 0, unfinished: 0 };
  const RATES = [300, 600, 1200, 2400, 4800, 9600, 19200];
  for (let i = 0; i < SESSION_CASES; i++) {
    const label = `exchange #${i}`;
    const session = new PullSession({
      baudSwitch: random() < 0.5,
      maxBytes: random() < 0.1 ? 64 : undefined,
    });
    const answer = meterAnswer();
    const clean = answer.clean;
    // Late bytes after the answer: noise that may complete a cut block.
    const bytes = concat(answer.bytes, randomBytes(int(20)));
    const late = answer.bytes.length;
    const events: SessionEvent[] = [];
    try {
      session.start();
      for (let at = 0; at < late;) {
        const size = 1 + int(random() < 0.3 ? 3 : 64);
        const out = session.receive(bytes.subarray(at, Math.min(late, at + size)));
        const waiting = session.state === "identification" || session.state === "data";
        if (out.length > 0) assertEquals(out.at(-1)!.type === "need-data", waiting, label);
        events.push(...out);
        at += size;
      }
      if (random() < 0.5) events.push(...session.timeout());
      events.push(...session.receive(bytes.subarray(late)));
    } catch (error) {
      throw new Error(`${label}: the session threw: ${error}`);
    }
    const final = events.filter((e) => e.type === "readout" || e.type === "rejection");
    assertOk(final.length <= 1, `${label}: ${final.length} endings`);
    if (final.length === 1) assertEquals(events.indexOf(final[0]), events.length - 1, label);
    assertOk(events.filter((e) => e.type === "send").length <= 1, label);
    for (const event of events) {
      if (event.type === "switch-baud") assertOk(RATES.includes(event.baud), label);
      if (event.type === "send") assertEquals(event.bytes.length, 6, label);
    }
    const [end] = final;
    if (!end) {
      tally.unfinished++;
      assertOk(session.state === "identification" || session.state === "data", label);
    } else if (end.type === "readout") {
      tally.readouts++;
      assertEquals(session.state, "done");
      const { readout } = end;
      assertOk(readout.bcc !== undefined, `${label}: a pull readout without BCC`);
      const text = String.fromCharCode(...bytes);
      const lineEnd = text.indexOf("\n", text.indexOf(readout.identification.line));
      const stx = bytes.indexOf(0x02, lineEnd);
      const etx = bytes.indexOf(0x03, stx);
      assertOk(stx >= 0 && etx > stx, label);
      assertEquals(bytes[etx + 1], readout.bcc, label);
      assertEquals(xor(bytes, stx + 1, etx + 1), readout.bcc, `${label}: BCC does not hold`);
      checkReadout(readout, bytes, lineEnd, label);
    } else {
      tally[end.error.reason as "crc"]++;
      assertEquals(session.state, "failed");
    }
    // A clean answer reads, unless its block is over the 64-byte bound some cases set.
    if (clean) assertOk(end?.type === "readout" || end?.error.reason === "framing", label);
  }
  console.log(`${SESSION_CASES} exchanges: ${JSON.stringify(tally)}`);
  assertOk(tally.readouts > SESSION_CASES / 3 && tally.crc > 1000);
});

/** Whether `text` is an option select `ACK 0 Z 0` CR LF for a data readout. */
function isOptionSelect(text: string): boolean {
  return text.charCodeAt(0) === 0x06 && /^0[0-6]0\r\n$/.test(text.slice(1));
}

/**
 * A port whose meter answers every request at random: clean, damaged, noise
 * or nothing. It checks what the poller sends and keeps the last reply.
 */
class FuzzPort implements PolledPort {
  connected = true;
  lastError: string | undefined = undefined;
  requests = 0;
  last: { signOn: boolean; reply: Uint8Array | undefined } = { signOn: false, reply: undefined };
  /** The clean answers: to a sign-on (with the block for a mode A meter), and the block. */
  readonly #signOnReply: Uint8Array;
  readonly #block: Uint8Array;

  constructor() {
    const ident = pick(["/LGZ5ZMD120AR", "/ACE0\\3k260V01.18", "/LUGCUH50", "/KAM MC"]);
    this.#block = block(pick([
      "F.F(00)\r\nC.1(12345678)\r\n1.8.0(000285.4*kWh)\r\n!\r\n",
      "6.8(0029.055*MWh)6.26(01589.28*m3)6.31(0030710*h)!\r\n",
    ]));
    const line = latin1(`${ident}\r\n`);
    this.#signOnReply = /^\/...[0-6A-F]/.test(ident) ? line : concat(line, this.#block);
  }

  request(
    bytes: Uint8Array,
    _isComplete: (reply: Uint8Array) => boolean,
    timeoutMs: number,
    _signal?: AbortSignal,
    line: RequestOptions = {},
  ): Promise<Uint8Array | undefined> {
    this.requests++;
    const text = latin1Text(bytes);
    const signOn = /^\/\?[0-9A-Za-z ]*!\r\n$/.test(text);
    assertOk(timeoutMs > 0 && Number.isFinite(timeoutMs), `timeout ${timeoutMs}`);
    if (signOn) assertEquals(line.baud, 300);
    else assertOk(text === "" || isOptionSelect(text), JSON.stringify(text));
    const clean = signOn ? this.#signOnReply : this.#block;
    const roll = random();
    const reply = roll < 0.45
      ? clean
      : roll < 0.8
      ? mutate(clean)
      : roll < 0.9
      ? randomBytes(int(64))
      : undefined;
    this.last = { signOn, reply: reply?.length ? reply : undefined };
    return Promise.resolve(this.last.reply);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test(`fuzz the poll session on the poller: ${POLL_CASES} polls, seed ${SEED}`, async () => {
  const tally = { readings: 0, none: 0 };
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const signal = new AbortController().signal;
  let port = new FuzzPort();
  let meter!: PolledMeter;
  for (let i = 0; i < POLL_CASES; i++) {
    const label = `poll #${i}`;
    if (i % 50 === 0) {
      port = new FuzzPort();
      meter = new PolledMeter({
        id: "fuzz",
        info: { manufacturer: "IEC 62056-21", model: "D0 meter" },
        interval: 60,
        timeout: 5,
        port,
        session: new D0PollSession({ baudSwitch: random() < 0.5, retries: int(3) }),
        log: silent,
        sleep: () => Promise.resolve(),
      });
    }
    const before = port.requests;
    let reading;
    try {
      reading = await meter.poll(signal);
    } catch (error) {
      throw new Error(`${label}: the poll threw: ${error}`);
    }
    // At most 3 exchanges of a sign-on (3 attempts) and one option select.
    assertOk(port.requests - before <= 3 * (3 + 1), `${label}: ${port.requests - before}`);
    if (!reading) {
      tally.none++;
      continue;
    }
    tally.readings++;
    // The first value is the time of the read, from the poller's clock.
    assertEquals(reading.values[0].value, reading.time, label);
    for (const value of reading.values.slice(1)) assertWellFormed(value, label);
    const { reply, signOn } = port.last;
    assertOk(reply, `${label}: a reading from no reply`);
    const from = signOn ? reply.indexOf(0x0a, reply.indexOf(0x2f)) + 1 : 0;
    const stx = reply.indexOf(0x02, from);
    const etx = reply.indexOf(0x03, stx + 1);
    assertOk(stx >= 0 && etx > stx && etx + 1 < reply.length, `${label}: no block`);
    assertEquals(xor(reply, stx + 1, etx + 1), reply[etx + 1], `${label}: BCC does not hold`);
  }
  console.log(`${POLL_CASES} polls: ${JSON.stringify(tally)}`);
  assertOk(tally.readings > POLL_CASES / 10 && tally.none > POLL_CASES / 20, JSON.stringify(tally));
});
