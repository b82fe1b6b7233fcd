/**
 * The KMP poll session on its own: byte exchanges scripted against it,
 * with no port, no clock and no meter around it.
 */
import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import { encodeSerialResponse } from "../../../src/meters/kamstrup/identity_codec.ts";
import {
  encodeGetRegister,
  encodeRegisterResponse,
  type RegisterReply,
} from "../../../src/meters/kamstrup/register_codec.ts";
import { KmpSession } from "../../../src/meters/kamstrup/session.ts";
import { READ_TIME } from "../../../src/meters/polled_meter.ts";
import type { PollRequest } from "../../../src/meters/polled_meter.ts";
import type { Value } from "../../../src/reading.ts";
import { MC403_REGISTERS, withBadCrc } from "../../e2e/kamstrup_simulator.ts";

const EXCHANGE = JSON.parse(
  await Deno.readTextFile(new URL("../../testdata/kamstrup/mc403_exchange.json", import.meta.url)),
);
const DEFAULTS = [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004];
const TIME = "2026-11-25T06:15:50+01:00";
const NOTHING = new Uint8Array(0);

/** The GetRegister reply to `ids` of a MULTICAL 403 that knows `known`. */
function replyTo(ids: readonly number[], known: readonly RegisterReply[] = MC403_REGISTERS) {
  return encodeRegisterResponse(known.filter((r) => ids.includes(r.id)));
}

function idsOf(request: PollRequest | undefined): number[] | undefined {
  const match = request?.what.match(/^GetRegister (.*)$/);
  return match ? match[1].split(", ").map(Number) : undefined;
}

function tree(values: Value[] | undefined): Record<string, string> {
  assertOk(values, "no reading");
  return Object.fromEntries(values.map((v) => [`${v.node}/${v.property}`, v.value]));
}

/** Plays one poll in which the meter answers everything with `known`; returns the reading. */
function answeredPoll(session: KmpSession, known: readonly RegisterReply[] = MC403_REGISTERS) {
  session.start();
  for (let request = session.next(); request; request = session.next()) {
    const ids = idsOf(request);
    const reply = ids ? replyTo(ids, known) : encodeSerialResponse("71234567");
    assertOk(session.receive(reply).ok, request.what);
  }
  return session.reading(TIME);
}

Deno.test("a real MULTICAL 403 exchange, byte for byte, then the serial number", () => {
  const { registers, serial } = EXCHANGE;
  const session = new KmpSession({ registers: registers.request_registers });
  session.start();
  const request = session.next();
  assertOk(request);
  assertEquals(request.what, "GetRegister 74, 60, 123");
  assertEquals(encodeHex(request.bytes), registers.request_hex);
  const echo = decodeHex(registers.request_hex);
  const reply = decodeHex(registers.response_hex);
  assertOk(!request.isComplete(echo), "an echo alone is no reply");
  assertOk(!request.isComplete(concat(echo, reply.subarray(0, -1))), "a reply without its 0D");
  assertOk(request.isComplete(concat(echo, reply)));
  assertEquals(session.receive(concat(echo, reply)), { ok: true, value: undefined });

  const ask = session.next();
  assertOk(ask);
  assertEquals([ask.what, encodeHex(ask.bytes)], ["GetSerialNo", serial.request_hex]);
  assertOk(session.receive(decodeHex(serial.response_hex)).ok);
  assertEquals(session.info, { serial: serial.decoded });
  assertEquals(session.notices(), [{ level: "info", message: "meter serial number 19088743" }]);
  assertEquals(session.notices(), [], "notices are taken once");
  assertEquals(session.next(), undefined, "the poll is over");

  const values = session.reading(TIME);
  assertEquals(values?.[0], { ...READ_TIME, value: TIME });
  assertEquals(tree(values), {
    "meter/timestamp": TIME,
    "circuit/flow": "0.005",
    "heat/energy": registers.decoded["60"],
    // A yy:mm:dd register is a date: 220112 is 2022-01-12.
    "registers/max-flow-date-year": "2022-01-12",
  });
  assertEquals(values?.find((v) => v.property === "energy")?.unit, "MWh");

  session.start();
  assertEquals(session.next()?.what, "GetRegister 74, 60, 123");
  assertOk(session.receive(reply).ok);
  assertEquals(session.next(), undefined, "the serial number is not asked for again");
});

Deno.test("a poll asks 8 registers a request, in configured order", () => {
  const session = new KmpSession({ registers: DEFAULTS });
  assertEquals(session.describe(), `registers ${DEFAULTS.join(", ")} in 2 requests`);
  assertEquals(new KmpSession({ registers: [60] }).describe(), "registers 60 in 1 request");
  session.start();
  const first = session.next();
  assertEquals(idsOf(first), [60, 63, 68, 74, 80, 86, 87, 89]);
  assertEquals(encodeHex(first!.bytes), encodeHex(encodeGetRegister(idsOf(first)!)));
  const reversed = [...MC403_REGISTERS].reverse();
  assertOk(session.receive(replyTo(idsOf(first)!, reversed)).ok);
  assertEquals(idsOf(session.next()), [99, 1004]);
  assertOk(session.receive(replyTo([99, 1004])).ok);
  assertEquals(session.next()?.what, "GetSerialNo");
  assertEquals(session.reading(TIME), undefined, "no reading before the poll is over");
  assertOk(session.receive(encodeSerialResponse("71234567")).ok);
  assertEquals(session.next(), undefined);
  assertEquals(Object.keys(tree(session.reading(TIME))), [
    "meter/timestamp",
    "heat/energy",
    "heat/cooling-energy",
    "circuit/volume",
    "circuit/flow",
    "heat/power",
    "temperature/forward",
    "temperature/return",
    "temperature/difference",
    "meter/info",
    "meter/hours",
  ]);
});

Deno.test("next() repeats the request until a reply is accepted; damaged or stale replies are rejected", () => {
  const session = new KmpSession({ registers: [99, 1004] });
  session.start();
  const request = session.next();
  const good = replyTo([99, 1004]);
  const damaged = session.receive(withBadCrc(good));
  assertOk(!damaged.ok);
  assertEquals(damaged.error.reason, "crc");
  assertOk(session.next() === request, "the same request again");
  const stale = session.receive(replyTo([60, 63]));
  assertOk(!stale.ok);
  assertEquals(stale.error.reason, "decode");
  assertMatch(stale.error.message, /register 60 was not requested/);
  const serial = session.receive(encodeSerialResponse("1"));
  assertOk(!serial.ok && serial.error.reason === "decode", "a serial reply to GetRegister");
  assertOk(session.receive(good).ok);
  assertEquals(session.next()?.what, "GetSerialNo");
});

Deno.test("a request the meter never answered ends the poll; a damaged one does not", () => {
  const silent = new KmpSession({ registers: DEFAULTS });
  silent.start();
  silent.next();
  for (let attempt = 0; attempt < 3; attempt++) silent.timedOut(NOTHING);
  silent.gaveUp();
  assertEquals(silent.next(), undefined, "the second request is not sent");
  assertEquals(silent.reading(TIME), undefined, "no reading: the sinks see the silence");
  assertEquals(silent.registers, DEFAULTS);

  const damaged = new KmpSession({ registers: DEFAULTS });
  damaged.start();
  const first = idsOf(damaged.next())!;
  damaged.timedOut(NOTHING);
  assertOk(!damaged.receive(withBadCrc(replyTo(first))).ok);
  damaged.gaveUp();
  assertEquals(idsOf(damaged.next()), [99, 1004], "on to the next request");
  assertOk(damaged.receive(replyTo([99, 1004])).ok);
  assertEquals(damaged.next()?.what, "GetSerialNo", "registers answered: ask the serial number");
  damaged.gaveUp();
  assertEquals(damaged.next(), undefined);
  assertEquals(tree(damaged.reading(TIME)), {
    "meter/timestamp": TIME,
    "meter/info": "13",
    "meter/hours": "6886",
  });
  assertEquals(damaged.registers, DEFAULTS, "nothing is dropped for a damaged reply");
  assertEquals(damaged.notices(), []);
});

Deno.test("timedOut tells an absent reply, a bare echo and a partial reply apart", () => {
  const session = new KmpSession({ registers: [60] });
  session.start();
  const request = session.next()!;
  const none = session.timedOut(NOTHING);
  assertEquals(none.reply, "no reply");
  assertMatch(none.hint!, /optical head sits on the meter's optical port.*meter\.device/);
  const echo = session.timedOut(request.bytes);
  assertEquals(echo.reply, "only the echo of the request came back");
  assertMatch(echo.hint!, /the head works but the meter does not answer/);
  const partial = session.timedOut(concat(request.bytes, replyTo([60]).subarray(0, 5)));
  assertEquals(partial.reply, `incomplete reply (${request.bytes.length + 5} bytes)`);
  assertMatch(partial.hint!, /meter\.baud/);
  assertOk(session.next() === request, "a timeout leaves the request unanswered");
});

Deno.test("the serial number is asked for in at most three polls with a reading", () => {
  const session = new KmpSession({ registers: [60] });
  const asked: number[] = [];
  for (let poll = 1; poll <= 5; poll++) {
    session.start();
    session.next();
    assertOk(session.receive(replyTo([60])).ok);
    if (session.next()?.what === "GetSerialNo") {
      asked.push(poll);
      session.timedOut(NOTHING);
      session.gaveUp();
      assertEquals(session.next(), undefined);
    }
    assertEquals(tree(session.reading(TIME))["heat/energy"], "396.672");
  }
  assertEquals(asked, [1, 2, 3]);
  assertEquals(session.notices(), [{
    level: "warn",
    message: "the meter did not tell its serial number in 3 polls; no longer asking",
  }]);
  assertEquals(session.info, {});
});

Deno.test("registers left out of a valid reply are dropped, with one warning", () => {
  const lacking = MC403_REGISTERS.filter((r) => r.id !== 63 && r.id !== 1004);
  const session = new KmpSession({ registers: DEFAULTS });
  const values = answeredPoll(session, lacking);
  assertOk(!("heat/cooling-energy" in tree(values)));
  assertEquals(session.registers, [60, 68, 74, 80, 86, 87, 89, 99]);
  assertEquals(session.notices().filter((n) => n.level === "warn"), [{
    level: "warn",
    message: "the meter does not answer register 63 (Cooling energy E3), 1004 (Operating hours); " +
      "no longer reading them (remove from meter.registers to silence this)",
  }]);
  assertEquals(session.describe(), "registers 60, 68, 74, 80, 86, 87, 89, 99 in 1 request");
  session.start();
  assertEquals(idsOf(session.next()), [60, 68, 74, 80, 86, 87, 89, 99]);
});

Deno.test("a meter that answers none of the registers keeps them and is told about once", () => {
  const session = new KmpSession({ registers: [5000, 5001] });
  for (let poll = 0; poll < 2; poll++) {
    assertEquals(answeredPoll(session, []), undefined);
  }
  assertEquals(session.registers, [5000, 5001]);
  assertEquals(session.notices(), [{
    level: "error",
    message: "the meter answers none of the registers 5000, 5001; " +
      "check meter.registers against the meter's register list",
  }]);
});

Deno.test("an unknown unit byte is told about once", () => {
  const session = new KmpSession({ registers: [60] });
  const odd = [{ id: 60, unit: 200, value: "1.5" }];
  assertEquals(answeredPoll(session, odd)?.[1].unit, undefined);
  answeredPoll(session, odd);
  const warnings = session.notices().filter((n) => n.message.includes("unknown unit byte 200"));
  assertEquals(warnings.length, 1);
});

Deno.test("start() abandons a poll in progress", () => {
  const session = new KmpSession({ registers: DEFAULTS });
  session.start();
  assertOk(session.receive(replyTo(idsOf(session.next())!)).ok);
  assertEquals(idsOf(session.next()), [99, 1004]);
  session.start();
  assertEquals(idsOf(session.next()), [60, 63, 68, 74, 80, 86, 87, 89], "from the first request");
  assertEquals(session.reading(TIME), undefined);
});

Deno.test("receive or gaveUp without a request, and bad register lists, are caller mistakes", () => {
  const session = new KmpSession({ registers: [60] });
  for (const call of [() => session.receive(replyTo([60])), () => session.gaveUp()]) {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    assertOk(thrown instanceof TypeError, `${thrown}`);
  }
  for (const registers of [[], [70000], [1.5], [-1]]) {
    let thrown: unknown;
    try {
      new KmpSession({ registers });
    } catch (error) {
      thrown = error;
    }
    assertOk(thrown instanceof RangeError, `${registers}`);
  }
});
