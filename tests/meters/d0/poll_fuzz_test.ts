/**
 * Bounded, deterministic fuzzing of the D0 poll session on the generic
 * poller: every request gets a clean, damaged, cut, random or no answer.
 * Invariants: nothing throws, every request is a sign-on at 300 baud or
 * follows an identification, a poll ends, and a reading comes only from a
 * data block whose BCC an independent XOR confirms.
 */
import { assertEquals, assertOk } from "../../assert.ts";
import { concat, latin1, latin1Text } from "../../../src/bytes.ts";
import { D0PollSession } from "../../../src/meters/d0/poll_session.ts";
import { PolledMeter, type PolledPort } from "../../../src/meters/polled_meter.ts";
import type { RequestOptions } from "../../../src/serial/port.ts";
import { seededRandom } from "../../random.ts";

const SEED = 0xd0_9011;
const CASES = 100_000;

const random = seededRandom(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

const ALPHABET = latin1("/?!()*.:\r\n\x02\x03\x06 0123456789CFkWh");
const SILENT = async () => {};
const LOG = { debug() {}, info() {}, warn() {}, error() {} };

const IDENTS = ["/LGZ5ZMD120AR", "/ACE0\\3k260V01.18", "/LUGCUH50", "/KAM MC", "/ISk3\\2MT382"];
const DATA = [
  "F.F(00)\r\nC.1(12345678)\r\n1.8.0(000285.4*kWh)\r\n!\r\n",
  "6.8(0029.055*MWh)6.26(01589.28*m3)6.31(0030710*h)!\r\n",
];

function xor(bytes: Uint8Array, start: number, end: number): number {
  let check = 0;
  for (let i = start; i < end; i++) check ^= bytes[i];
  return check;
}

function block(data: string): Uint8Array {
  const bytes = latin1(`\x02${data}\x03`);
  return concat(bytes, Uint8Array.of(xor(bytes, 1, bytes.length)));
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = random() < 0.7 ? ALPHABET[int(ALPHABET.length)] : int(256);
  }
  return bytes;
}

/** 1..3 mutations: bit flips, cuts, insertions. */
function mutate(input: Uint8Array): Uint8Array {
  let bytes = input.slice();
  for (let m = 1 + int(3); m > 0; m--) {
    const at = int(bytes.length + 1);
    const kind = int(3);
    if (kind === 0 && at < bytes.length) bytes[at] ^= 1 << int(8);
    else if (kind === 1) bytes = bytes.slice(0, at);
    else bytes = concat(bytes.subarray(0, at), randomBytes(1 + int(4)), bytes.subarray(at));
  }
  return bytes;
}

/** Whether `text` is an option select `ACK 0 Z 0` CR LF for a data readout. */
function isOptionSelect(text: string): boolean {
  return text.charCodeAt(0) === 0x06 && /^0[0-6]0\r\n$/.test(text.slice(1));
}

/** Whether `reply` holds, from its first STX at or after `from`, a block whose BCC holds. */
function validBlock(reply: Uint8Array, from: number): boolean {
  const stx = reply.indexOf(0x02, from);
  if (stx < 0) return false;
  const etx = reply.indexOf(0x03, stx + 1);
  return etx >= 0 && etx + 1 < reply.length && xor(reply, stx + 1, etx + 1) === reply[etx + 1];
}

/** A port whose meter answers at random, recording what the poll saw. */
class FuzzPort implements PolledPort {
  connected = true;
  lastError: string | undefined = undefined;
  requests = 0;
  last: { signOn: boolean; reply: Uint8Array | undefined } = { signOn: false, reply: undefined };
  ident = pick(IDENTS);
  data = pick(DATA);

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
    const ident = latin1(`${this.ident}\r\n`);
    const modeA = !/^\/...[0-6A-F]/.test(this.ident);
    const clean = signOn ? (modeA ? concat(ident, block(this.data)) : ident) : block(this.data);
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

Deno.test(`fuzz the poll session on the poller: ${CASES} polls, seed ${SEED}`, async () => {
  const tally = { readings: 0, none: 0 };
  let session = new D0PollSession();
  let port = new FuzzPort();
  let meter!: PolledMeter;
  const signal = new AbortController().signal;
  for (let i = 0; i < CASES; i++) {
    const label = `poll #${i}`;
    if (i % 50 === 0) {
      session = new D0PollSession({ baudSwitch: random() < 0.5, retries: int(3) });
      port = new FuzzPort();
      meter = new PolledMeter({
        id: "fuzz",
        info: { manufacturer: "IEC 62056-21", model: "D0 meter" },
        interval: 60,
        timeout: 5,
        port,
        session,
        log: LOG,
        sleep: SILENT,
      });
    }
    const before = port.requests;
    let reading;
    try {
      reading = await meter.poll(signal);
    } catch (error) {
      throw new Error(`${label}: the poll threw: ${error}`);
    }
    assertOk(port.requests - before <= 3 * 2 * 3, `${label}: ${port.requests - before} requests`);
    if (!reading) {
      tally.none++;
      continue;
    }
    tally.readings++;
    const { reply, signOn } = port.last;
    assertOk(reply, `${label}: a reading from no reply`);
    const from = signOn ? reply.indexOf(0x0a, reply.indexOf(0x2f)) + 1 : 0;
    assertOk(validBlock(reply, from), `${label}: a reading from a block whose BCC fails`);
  }
  assertEquals(tally.readings + tally.none, CASES);
  assertOk(tally.readings > CASES / 10 && tally.none > CASES / 20, JSON.stringify(tally));
});
