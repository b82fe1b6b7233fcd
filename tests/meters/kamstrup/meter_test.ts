/**
 * The Kamstrup poller (a PolledMeter driving a KmpSession) against a
 * scripted port: no pty, no clock, no waiting.
 */
import { assertEquals, assertMatch, assertOk, assertThrows, unwrap } from "../../assert.ts";
import type { Logger } from "../../../src/log.ts";
import { COMMAND, parseKmpFrame } from "../../../src/meters/kamstrup/frame.ts";
import { encodeSerialResponse } from "../../../src/meters/kamstrup/identity_codec.ts";
import { KmpSession } from "../../../src/meters/kamstrup/session.ts";
import {
  PolledMeter,
  type PolledMeterOptions,
  type PolledPort,
} from "../../../src/meters/polled_meter.ts";
import {
  decodeGetRegisterRequest,
  encodeRegisterResponse,
  type RegisterReply,
} from "../../../src/meters/kamstrup/register_codec.ts";
import type { Reading } from "../../../src/reading.ts";
import { MC403_REGISTERS, withBadCrc } from "../../e2e/kamstrup_simulator.ts";
import { concat } from "../../../src/bytes.ts";
import { readingsOf } from "../events.ts";

const DEFAULTS = [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004];

const VALUES: readonly RegisterReply[] = MC403_REGISTERS.filter((r) => DEFAULTS.includes(r.id));

/** What the scripted meter does with one request: a reply, silence, or raw bytes. */
type Script = (request: Uint8Array, ids: number[], index: number) => Uint8Array | undefined;

/** Answers like a MULTICAL 403 that knows `values`. */
function meterAnswers(values: readonly RegisterReply[] = VALUES): Script {
  return (request, ids) => {
    if (unwrap(parseKmpFrame(request)).command === COMMAND.getSerialNo) {
      return encodeSerialResponse("71234567");
    }
    return encodeRegisterResponse(values.filter((v) => ids.includes(v.id)));
  };
}

class FakePort implements PolledPort {
  connected = true;
  lastError: string | undefined = undefined;
  closed = false;
  readonly sent: { command: number; ids: number[] }[] = [];
  script: Script;

  constructor(script: Script) {
    this.script = script;
  }

  request(bytes: Uint8Array): Promise<Uint8Array | undefined> {
    const command = unwrap(parseKmpFrame(bytes)).command;
    const ids = command === COMMAND.getRegister ? unwrap(decodeGetRegisterRequest(bytes)) : [];
    this.sent.push({ command, ids });
    return Promise.resolve(this.script(bytes, ids, this.sent.length - 1));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

interface Logged {
  level: string;
  message: string;
}

function recorder(): { log: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  return {
    lines,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

const INFO = { manufacturer: "Kamstrup", model: "MULTICAL 403" };

function setup(
  script: Script,
  { registers = DEFAULTS, ...options }: Partial<PolledMeterOptions> & { registers?: number[] } = {},
) {
  const port = new FakePort(script);
  const { log, lines } = recorder();
  const session = new KmpSession({ registers });
  const meter = new PolledMeter({
    id: "kamstrup_403",
    info: INFO,
    interval: 60,
    timeout: 0.3,
    port,
    session,
    log,
    now: () => Date.UTC(2026, 10, 25, 5, 15, 50),
    ...options,
  });
  return { port, meter, session, lines, signal: new AbortController().signal };
}

function tree(reading: Reading | undefined): Record<string, string> {
  assertOk(reading, "no reading");
  return Object.fromEntries(reading.values.map((v) => [`${v.node}/${v.property}`, v.value]));
}

const serialRequest = { command: COMMAND.getSerialNo, ids: [] };
const first = { command: COMMAND.getRegister, ids: [60, 63, 68, 74, 80, 86, 87, 89] };
const second = { command: COMMAND.getRegister, ids: [99, 1004] };

Deno.test("a poll reads the serial number once and all registers in two requests", async () => {
  const { port, meter, signal, lines } = setup(meterAnswers());
  const reading = await meter.poll(signal);
  assertEquals(port.sent, [first, second, serialRequest]);
  assertEquals(meter.info, {
    manufacturer: "Kamstrup",
    model: "MULTICAL 403",
    serial: "71234567",
  });
  assertOk(lines.some((l) => l.message === "meter serial number 71234567"));
  assertOk(reading);
  assertEquals(reading.meter, "kamstrup_403");
  assertMatch(reading.time, /^2026-11-25T\d\d:15:50(Z|[+-]\d\d:\d\d)$/);
  assertEquals(reading.values[0], {
    node: "meter",
    property: "timestamp",
    name: "Read time",
    datatype: "datetime",
    kind: "info",
    value: reading.time,
  });
  assertEquals(tree(reading), {
    "meter/timestamp": reading.time,
    "heat/energy": "396.672",
    "heat/cooling-energy": "0.000",
    "circuit/volume": "2691.20",
    "circuit/flow": "0.128",
    "heat/power": "6.4",
    "temperature/forward": "67.25",
    "temperature/return": "26.91",
    "temperature/difference": "40.34",
    "meter/info": "13",
    "meter/hours": "6886",
  });
  const units = Object.fromEntries(reading.values.map((v) => [v.property, v.unit]));
  assertEquals(units.energy, "MWh");
  assertEquals(units.forward, "°C");
  // Changed on purpose (consumers issue): K is a plain unit, not `$unit`.
  assertEquals(units.difference, undefined);
  assertEquals(reading.values.find((v) => v.property === "difference")?.plainUnit, "K");
  assertEquals(units.volume, "m³");
  assertEquals(units.flow, "m³/h");
  assertEquals(units.power, "kW");
  assertEquals(units.hours, "h");
  assertEquals(units.info, undefined);
  assertEquals(meter.stats.decoded, 3);
  assertEquals(meter.stats.received, 3);

  port.sent.length = 0;
  assertOk(await meter.poll(signal));
  assertEquals(port.sent, [first, second], "the serial number is not asked for again");
});

Deno.test("values come in configured order, whatever the order of the reply", async () => {
  const { meter, signal } = setup(
    (_request, ids) =>
      encodeRegisterResponse([...VALUES].reverse().filter((v) => ids.includes(v.id))),
    { registers: [87, 60, 86] },
  );
  const reading = await meter.poll(signal);
  assertEquals(
    reading?.values.map((v) => v.property),
    ["timestamp", "return", "energy", "forward"],
  );
});

Deno.test("a silent meter gives no reading, counts timeouts, and is read once it answers", async () => {
  let awake = false;
  const answers = meterAnswers();
  const { port, meter, signal, lines } = setup((r, ids, i) =>
    awake ? answers(r, ids, i) : undefined
  );
  assertEquals(await meter.poll(signal), undefined);
  assertEquals(
    port.sent,
    [first, first, first],
    "3 attempts for the first request; the second request and the serial number are skipped",
  );
  assertEquals(meter.stats.rejected.timeout, 3);
  assertEquals(meter.info.serial, undefined);
  const errors = lines.filter((l) => l.level === "error");
  assertEquals(errors.length, 1, "one error line per streak");
  assertMatch(errors[0].message, /GetRegister 60, .*: no reply within 0\.3 s \(attempt 1 of 3\)/);

  port.sent.length = 0;
  assertEquals(await meter.poll(signal), undefined);
  assertEquals(meter.stats.rejected.timeout, 6);
  assertEquals(lines.filter((l) => l.level === "error").length, 1);

  awake = true;
  port.sent.length = 0;
  const reading = await meter.poll(signal);
  assertEquals(tree(reading)["heat/energy"], "396.672");
  assertEquals(meter.info.serial, "71234567");
  assertOk(lines.some((l) => l.message === "decoding again after 6 rejected"));
});

Deno.test("the serial number is asked for only once registers answer", async () => {
  const answers = meterAnswers();
  const { port, meter, signal } = setup((request, ids, n) =>
    ids.length > 0 ? undefined : answers(request, ids, n)
  );
  assertEquals(await meter.poll(signal), undefined);
  assertEquals(port.sent.map((s) => s.command), [
    COMMAND.getRegister,
    COMMAND.getRegister,
    COMMAND.getRegister,
  ]);
  assertEquals(meter.info.serial, undefined);
  assertEquals(meter.stats.lastReading, undefined);
  const { meter: answering, signal: again } = setup(answers);
  const reading = await answering.poll(again);
  assertEquals(answering.stats.lastReading, reading?.time);
});

Deno.test("a meter that never tells its serial number is asked in three polls, then read without", async () => {
  const answers = meterAnswers();
  const { port, meter, signal, lines } = setup((request, ids, n) =>
    ids.length > 0 ? answers(request, ids, n) : undefined
  );
  for (let poll = 0; poll < 5; poll++) assertOk(await meter.poll(signal));
  const asked = port.sent.filter((s) => s.command === COMMAND.getSerialNo).length;
  assertEquals(asked, 3 * 3, "three polls of three attempts");
  assertEquals(meter.info.serial, undefined);
  assertEquals(
    lines.filter((l) => l.message.includes("serial number in 3 polls")).map((l) => l.level),
    ["warn"],
  );
});

Deno.test("an echo without a reply is a timeout that says the head works", async () => {
  const { meter, signal, lines } = setup((request) => request);
  assertEquals(await meter.poll(signal), undefined);
  assertEquals(meter.stats.rejected.timeout, 3);
  assertMatch(lines.find((l) => l.level === "error")!.message, /only the echo of the request/);
});

Deno.test("an echo before the reply is skipped", async () => {
  const answers = meterAnswers();
  const { meter, signal } = setup((r, ids, i) => concat(r, answers(r, ids, i)!));
  assertEquals(tree(await meter.poll(signal))["circuit/volume"], "2691.20");
  assertEquals(meter.stats.rejected.timeout, 0);
});

Deno.test("a reply with a bad CRC is asked for again and never becomes a value", async () => {
  const answers = meterAnswers();
  let damaged = 0;
  const { port, meter, signal, lines } = setup((r, ids, i) => {
    const reply = answers(r, ids, i)!;
    if (!ids.includes(60) || damaged++ > 0) return reply;
    const fake = VALUES.map((v) => v.id === 60 ? { ...v, value: "999.999" } : v);
    return withBadCrc(
      reply,
      encodeRegisterResponse(fake.filter((v) => ids.includes(v.id))),
    );
  });
  const reading = await meter.poll(signal);
  assertEquals(port.sent, [first, first, second, serialRequest]);
  assertEquals(tree(reading)["heat/energy"], "396.672");
  assertEquals(meter.stats.rejected.crc, 1);
  assertMatch(lines.find((l) => l.level === "error")!.message, /^GetRegister 60, .*CRC/);
});

Deno.test("a request that keeps failing is given up after 2 retries; the others still count", async () => {
  const answers = meterAnswers();
  const { port, meter, session, signal } = setup((r, ids, i) => {
    const reply = answers(r, ids, i)!;
    return ids.includes(60) ? withBadCrc(reply) : reply;
  });
  const reading = await meter.poll(signal);
  assertEquals(port.sent, [first, first, first, second, serialRequest]);
  assertEquals(tree(reading), {
    "meter/timestamp": reading!.time,
    "meter/info": "13",
    "meter/hours": "6886",
  });
  assertEquals(meter.stats.rejected.crc, 3);
  assertEquals(session.registers, DEFAULTS, "nothing is dropped for a damaged reply");
});

Deno.test("a stale reply to another request is rejected, not taken", async () => {
  const answers = meterAnswers();
  let stale = true;
  const { meter, signal } = setup((r, ids, i) => {
    if (ids.includes(99) && stale) {
      stale = false;
      return answers(r, [60, 63], i);
    }
    return answers(r, ids, i);
  });
  const reading = await meter.poll(signal);
  assertEquals(tree(reading)["meter/hours"], "6886");
  assertEquals(meter.stats.rejected.decode, 1);
});

Deno.test("registers the meter leaves out are dropped with one log line", async () => {
  const lacking = VALUES.filter((v) => v.id !== 63 && v.id !== 1004);
  const { port, meter, session, signal, lines } = setup(meterAnswers(lacking));
  const reading = await meter.poll(signal);
  assertEquals(tree(reading)["heat/energy"], "396.672");
  assertOk(!("heat/cooling-energy" in tree(reading)));
  const dropped = lines.filter((l) => l.message.includes("does not answer"));
  assertEquals(dropped.length, 1);
  assertEquals(
    dropped[0].message,
    "the meter does not answer register 63 (Cooling energy E3), 1004 (Operating hours); " +
      "no longer reading them (remove from meter.registers to silence this)",
  );
  assertEquals(session.registers, [60, 68, 74, 80, 86, 87, 89, 99]);
  port.sent.length = 0;
  assertOk(await meter.poll(signal));
  assertEquals(port.sent, [{
    command: COMMAND.getRegister,
    ids: [60, 68, 74, 80, 86, 87, 89, 99],
  }]);
  assertEquals(lines.filter((l) => l.message.includes("does not answer")).length, 1);
});

Deno.test("a meter that answers none of the registers keeps them and says so once", async () => {
  const { meter, session, signal, lines } = setup(meterAnswers([]), { registers: [5000, 5001] });
  assertEquals(await meter.poll(signal), undefined);
  assertEquals(await meter.poll(signal), undefined);
  assertEquals(session.registers, [5000, 5001]);
  const errors = lines.filter((l) => l.message.includes("answers none"));
  assertEquals(errors.length, 1);
  assertEquals(errors[0].level, "error");
});

Deno.test("an unknown unit byte is published without unit and logged once", async () => {
  const { meter, signal, lines } = setup(meterAnswers([{ id: 60, unit: 200, value: "1.5" }]), {
    registers: [60],
  });
  const reading = await meter.poll(signal);
  await meter.poll(signal);
  assertEquals(reading?.values[1].unit, undefined);
  assertEquals(lines.filter((l) => l.message.includes("unknown unit byte 200")).length, 1);
});

Deno.test("a device that is gone shows in the timeout message", async () => {
  const { port, meter, signal, lines } = setup(() => undefined);
  port.connected = false;
  port.lastError = "/dev/ttyUSB1 is gone: end of file";
  await meter.poll(signal);
  assertMatch(
    lines.find((l) => l.level === "error")!.message,
    /GetRegister 60, .*: no reply: \/dev\/ttyUSB1 is gone: end of file/,
  );
});

Deno.test("an abort during a poll ends it without counting a timeout", async () => {
  const controller = new AbortController();
  const { meter } = setup(() => {
    controller.abort();
    return undefined;
  });
  assertEquals(await meter.poll(controller.signal), undefined);
  assertEquals(meter.stats.rejected.timeout, 0);
});

Deno.test("polls start every interval after the previous start, first at once", async () => {
  let clock = 1_000_000;
  const starts: number[] = [];
  const sleeps: number[] = [];
  const controller = new AbortController();
  const answers = meterAnswers();
  const port = new FakePort((r, ids, i) => {
    if (ids.includes(60)) starts.push(clock);
    clock += ids.includes(60) && starts.length === 3 ? 7000 : 150;
    return answers(r, ids, i);
  });
  const meter = new PolledMeter({
    id: "kamstrup_403",
    info: INFO,
    interval: 5,
    timeout: 0.3,
    port,
    session: new KmpSession({ registers: DEFAULTS }),
    log: recorder().log,
    now: () => clock,
    clock: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock += Math.max(0, ms);
      return Promise.resolve();
    },
  });
  let count = 0;
  for await (const _ of readingsOf(meter.events(controller.signal))) {
    if (++count === 5) controller.abort();
  }
  assertEquals(starts.map((t) => t - 1_000_000), [0, 5000, 10000, 17150, 22150]);
  assertEquals(sleeps.slice(0, 2), [4550, 4700]);
  assertEquals(sleeps[2], 0, "an overrun poll is followed at once");
  assertOk(port.closed, "the port is closed when the readings end");
});

Deno.test("bad register lists are refused", () => {
  for (const registers of [[], [70000], [1.5], [-1]]) {
    assertThrows(() => setup(meterAnswers(), { registers }));
  }
});
