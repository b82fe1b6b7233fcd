import { assertEquals, assertMatch, assertOk, unwrap } from "../../assert.ts";
import { assertRangeError } from "./range_error.ts";
import {
  COMMAND,
  destinationOf,
  encodeFrame,
  findFrame,
  findReply,
  HEAT_METER,
  locateReply,
  parseKmpFrame,
  parseReply,
  START_REQUEST,
  START_RESPONSE,
  unstuffFrame,
} from "../../../src/meters/kamstrup/frame.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";

const REQUEST = decodeHex("803f1001003cb25f0d");
const REPLY = decodeHex("403f10003c0304430000d6de03220d");

Deno.test("encodeFrame adds CRC, stuffing, start and stop byte", () => {
  assertEquals(
    encodeHex(encodeFrame(START_REQUEST, HEAT_METER, COMMAND.getType, new Uint8Array())),
    "803f01058a0d",
  );
  assertEquals(
    encodeHex(encodeFrame(START_REQUEST, HEAT_METER, COMMAND.getRegister, decodeHex("010080"))),
    "803f1001001b7fd4080d",
  );
});

Deno.test("parseKmpFrame returns destination, command and data", () => {
  const frame = unwrap(parseKmpFrame(REPLY));
  assertEquals(frame.start, START_RESPONSE);
  assertEquals(frame.destination, 0x3f);
  assertEquals(frame.command, 0x10);
  assertEquals(encodeHex(frame.data), "003c0304430000d6de");
});

Deno.test("parseKmpFrame round-trips frames whose data needs stuffing", () => {
  const data = decodeHex("000d061b4080ff");
  const frame = encodeFrame(START_RESPONSE, 0x40, 0x80, data);
  const parsed = unwrap(parseKmpFrame(frame));
  assertEquals([parsed.destination, parsed.command, encodeHex(parsed.data)], [
    0x40,
    0x80,
    encodeHex(data),
  ]);
});

Deno.test("parseKmpFrame rejects with the right reason", () => {
  const cases: [string, string][] = [
    ["", "framing"],
    ["0d", "framing"],
    ["40", "framing"],
    ["400d", "framing"],
    ["403f10000d", "framing"], // too short
    ["3f10003c0304430000d6de03220d", "framing"], // no start byte
    ["403f10003c0304430000d6de0322", "framing"], // no stop byte
    ["403f10003c0304430000d6de03221b0d", "framing"], // escape before stop
    ["403f10003c0304430000d6de1b000d", "framing"], // escape of a plain byte
    ["403f10003c0306430000d6de03220d", "framing"], // raw 06 inside
    ["403f10003c0304430000d6df03220d", "crc"],
    ["403f10003c0304430000d6de03230d", "crc"],
  ];
  for (const [hex, reason] of cases) {
    const result = parseKmpFrame(decodeHex(hex));
    assertOk(!result.ok, hex);
    assertEquals(result.error.reason, reason, hex);
  }
  const crc = parseKmpFrame(decodeHex("403f10003c0304430000d6df03220d"));
  assertOk(!crc.ok);
  assertMatch(crc.error.message, /CRC 0322 sent, [0-9A-F]{4} computed/);
});

Deno.test("findReply waits for a complete reply and skips the echo", () => {
  const received = concat(REQUEST, REPLY, decodeHex("4012"));
  assertEquals(findReply(new Uint8Array()), undefined);
  assertEquals(findReply(REQUEST), undefined);
  assertEquals(findReply(received.subarray(0, REQUEST.length + 5)), undefined);
  const found = findReply(received);
  assertOk(found);
  assertEquals(encodeHex(found.frame), encodeHex(REPLY));
  assertEquals(encodeHex(found.rest), "4012");
});

Deno.test("findReply resynchronises on the last start byte before the stop byte", () => {
  const found = findReply(concat(decodeHex("4000ff"), REPLY));
  assertOk(found);
  assertEquals(encodeHex(found.frame), encodeHex(REPLY));
});

Deno.test("findReply finds replies one after the other through rest", () => {
  const second = decodeHex("403f10005016024100002f5c0d");
  const first = findReply(concat(REPLY, second));
  assertOk(first);
  assertEquals(encodeHex(first.frame), encodeHex(REPLY));
  const next = findReply(first.rest);
  assertOk(next);
  assertEquals(encodeHex(next.frame), encodeHex(second));
  assertEquals(next.rest.length, 0);
});

Deno.test("findFrame finds requests too", () => {
  const found = findFrame(concat(decodeHex("00"), REQUEST), START_REQUEST);
  assertOk(found);
  assertEquals(encodeHex(found.frame), encodeHex(REQUEST));
});

Deno.test("parseReply names a missing and a truncated reply", () => {
  const missing = parseReply(REQUEST);
  assertOk(!missing.ok);
  assertEquals(missing.error.reason, "framing");
  assertMatch(missing.error.message, /no start byte/);
  const truncated = parseReply(concat(REQUEST, REPLY.subarray(0, 8)));
  assertOk(!truncated.ok);
  assertEquals(truncated.error.reason, "framing");
  assertMatch(truncated.error.message, /truncated/);
  assertEquals(unwrap(parseReply(concat(REQUEST, REPLY))).command, 0x10);
});

Deno.test("destinationOf defaults to the heat meter and throws for non-bytes", () => {
  assertEquals(destinationOf({}), 0x3f);
  assertEquals(destinationOf({ destination: 0x3a }), 0x3a);
  for (const destination of [-1, 256, 1.5, NaN]) {
    assertRangeError(() => destinationOf({ destination }), `${destination}`);
  }
});

Deno.test("unstuffFrame unstuffs into a caller's buffer", () => {
  const out = new Uint8Array(32).fill(0xee);
  const frame = decodeHex("403f10001b7f160411012af02463030d");
  assertEquals(unwrap(unstuffFrame(frame, out)), 13);
  assertEquals(encodeHex(out.subarray(0, 13)), "3f100080160411012af0246303");
  const bad = unstuffFrame(decodeHex("403f10001b7f160411012af02463040d"), out);
  assertOk(!bad.ok);
  assertEquals(bad.error.reason, "crc");
});

Deno.test("locateReply returns the raw reply after an echo", () => {
  assertEquals(encodeHex(unwrap(locateReply(concat(REQUEST, REPLY)))), encodeHex(REPLY));
  const none = locateReply(REQUEST);
  assertOk(!none.ok);
  assertEquals(none.error.reason, "framing");
});
