/**
 * The generic poller against a scripted session and a scripted port: what
 * it sends, how often, what it counts and logs, when it polls, and how it
 * stops. No protocol, no pty; the schedule runs on fake clocks.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import type { Logger } from "../../src/log.ts";
import {
  DEFAULT_RETRIES,
  nextPollAt,
  type Notice,
  PolledMeter,
  type PolledMeterOptions,
  type PolledPort,
  type PollRequest,
  type PollSession,
  type Silence,
} from "../../src/meters/polled_meter.ts";
import type { MeterInfo, Reading, Value } from "../../src/reading.ts";
import { ok, reject, type Result } from "../../src/result.ts";
import type { RequestOptions } from "../../src/serial/port.ts";
import { readingsOf } from "./events.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const WALL = Date.UTC(2026, 10, 25, 5, 15, 50);

/** A request for `what`, sent as `what` and a CR; a reply is complete at its CR. */
function ask(what: string, extra: Partial<PollRequest> = {}): PollRequest {
  return {
    what,
    bytes: encoder.encode(`${what}\r`),
    isComplete: (reply) => reply.at(-1) === 0x0d,
    ...extra,
  };
}

/** A value of the scripted session's readings. */
function value(text: string): Value {
  return {
    node: "meter",
    property: "poll",
    name: "Poll",
    datatype: "string",
    kind: "info",
    value: text,
  };
}

/**
 * A session that sends its requests in order and accepts any reply but one
 * starting with `bad`. It records every call; `values` decides each poll's
 * reading (by poll number, from 1).
 */
class ScriptedSession implements PollSession {
  readonly info: Partial<MeterInfo> = {};
  readonly events: string[] = [];
  readonly queued: Notice[] = [];
  polls = 0;
  #index = 0;

  constructor(
    readonly requests: PollRequest[],
    readonly values: (poll: number, time: string) => Value[] | undefined = (_, time) => [
      value(time),
    ],
  ) {}

  describe(): string {
    return "the test plan";
  }

  start(): void {
    this.polls++;
    this.#index = 0;
    this.events.push("start");
  }

  next(): PollRequest | undefined {
    return this.requests[this.#index];
  }

  receive(reply: Uint8Array): Result<void> {
    const text = decoder.decode(reply).trim();
    this.events.push(`receive ${text}`);
    if (text.startsWith("bad")) return reject("crc", `bad CRC in ${text}`);
    this.#index++;
    return ok(undefined);
  }

  timedOut(partial: Uint8Array): Silence {
    this.events.push(`timedOut ${partial.length}`);
    return partial.length === 0
      ? { reply: "no reply", hint: "check the fake meter" }
      : { reply: `incomplete reply (${partial.length} bytes)` };
  }

  gaveUp(): void {
    this.events.push("gaveUp");
    this.#index++;
  }

  reading(time: string): Value[] | undefined {
    this.events.push("reading");
    return this.values(this.polls, time);
  }

  notices(): Notice[] {
    return this.queued.splice(0);
  }
}

/** One request the port was given. */
interface Sent {
  text: string;
  timeoutMs: number;
  line?: RequestOptions;
}

/** A port that answers each request with `answer(text, index)`: a reply, or silence. */
class ScriptedPort implements PolledPort {
  connected = true;
  lastError: string | undefined = undefined;
  closed = false;
  readonly sent: Sent[] = [];

  constructor(public answer: (text: string, index: number) => string | undefined) {}

  request(
    bytes: Uint8Array,
    _isComplete: (reply: Uint8Array) => boolean,
    timeoutMs: number,
    _signal?: AbortSignal,
    line?: RequestOptions,
  ): Promise<Uint8Array | undefined> {
    const text = decoder.decode(bytes).trim();
    this.sent.push({ text, timeoutMs, line });
    const reply = this.answer(text, this.sent.length - 1);
    return Promise.resolve(reply === undefined ? undefined : encoder.encode(reply));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function recorder(): { log: Logger; lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  return {
    lines,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

/**
 * Fake clocks: the monotonic one starts at 0, the wall clock at WALL plus
 * `step`; sleeping moves the monotonic clock on and returns at once, at
 * once without moving it when the signal aborted (as `sleep` does).
 */
function fakeTime() {
  const time = { mono: 0, step: 0, sleeps: [] as number[] };
  return {
    time,
    now: () => WALL + time.mono + time.step,
    clock: () => time.mono,
    sleep: (ms: number, signal: AbortSignal) => {
      if (signal.aborted) return Promise.resolve();
      time.sleeps.push(ms);
      time.mono += Math.max(0, ms);
      return Promise.resolve();
    },
  };
}

function setup(
  session: ScriptedSession,
  answer: (text: string, index: number) => string | undefined,
  options: Partial<PolledMeterOptions> = {},
) {
  const port = new ScriptedPort(answer);
  const { log, lines } = recorder();
  const meter = new PolledMeter({
    id: "polled",
    info: { manufacturer: "Acme", model: "Poller" },
    interval: 5,
    timeout: 0.5,
    port,
    session,
    log,
    now: () => WALL,
    ...options,
  });
  return { port, meter, lines, signal: new AbortController().signal };
}

const answerAll = (text: string) => `${text} ok\r`;

Deno.test("each request is sent once when answered; the reading is stamped with the poll's start", async () => {
  const session = new ScriptedSession([ask("A"), ask("B")]);
  const { port, meter, signal } = setup(session, answerAll);
  const reading = await meter.poll(signal);
  assertEquals(port.sent.map((s) => s.text), ["A", "B"]);
  assertEquals(session.events, ["start", "receive A ok", "receive B ok", "reading"]);
  assertOk(reading);
  assertEquals(reading.meter, "polled");
  assertMatch(reading.time, /^2026-11-25T\d\d:15:50(Z|[+-]\d\d:\d\d)$/);
  assertEquals(reading.values[0].value, reading.time);
  assertEquals(meter.stats.received, 2);
  assertEquals(meter.stats.decoded, 2);
  assertEquals(meter.stats.lastReading, reading.time);
  assertEquals(port.sent[0].timeoutMs, 500);
});

Deno.test("a rejected reply is sent again, up to 1 + retries times, then the session gives up", async () => {
  const session = new ScriptedSession([ask("A"), ask("B")]);
  const { port, meter, signal, lines } = setup(
    session,
    (text) => text === "A" ? "bad A\r" : answerAll(text),
  );
  assertOk(await meter.poll(signal));
  assertEquals(port.sent.map((s) => s.text), ["A", "A", "A", "B"]);
  assertEquals(DEFAULT_RETRIES, 2);
  assertEquals(session.events, [
    "start",
    "receive bad A",
    "receive bad A",
    "receive bad A",
    "gaveUp",
    "receive B ok",
    "reading",
  ]);
  assertEquals(meter.stats.rejected.crc, 3);
  assertEquals(meter.stats.received, 4);
  assertEquals(meter.stats.decoded, 1);
  assertEquals(
    lines.filter((l) => l.level === "error").map((l) => l.message),
    ["A: bad CRC in bad A (attempt 1 of 3)"],
    "one error line per streak",
  );
  assertOk(lines.some((l) => l.message === "decoding again after 3 rejected"));
});

Deno.test("a reply that does not complete in time is a timeout, described by the session", async () => {
  const session = new ScriptedSession([ask("A")], () => undefined);
  let calls = 0;
  const { meter, signal, lines } = setup(
    session,
    () => ++calls === 2 ? "hal" : undefined,
    { retries: 3 },
  );
  assertEquals(await meter.poll(signal), undefined);
  assertEquals(session.events, [
    "start",
    "timedOut 0",
    "timedOut 3",
    "timedOut 0",
    "timedOut 0",
    "gaveUp",
    "reading",
  ]);
  assertEquals(meter.stats.rejected.timeout, 4);
  assertEquals(meter.stats.received, 0, "a timeout was never received");
  // The first rejection of a kind is logged; the rest are counted and summarised later.
  const messages = lines.filter((l) => l.level !== "info").map((l) => l.message);
  assertEquals(messages, ["A: no reply within 0.5 s (attempt 1 of 4); check the fake meter"]);
  assertEquals(lines.filter((l) => l.level === "error").length, 1);
  assertEquals(meter.stats.lastReading, undefined);
});

Deno.test("a device that is gone is named instead of the session's description", async () => {
  const session = new ScriptedSession([ask("A")]);
  const { port, meter, signal, lines } = setup(session, () => undefined, { retries: 0 });
  port.connected = false;
  port.lastError = "/dev/ttyUSB1 is gone: end of file";
  await meter.poll(signal);
  assertEquals(
    lines.find((l) => l.level === "error")?.message,
    "A: no reply: /dev/ttyUSB1 is gone: end of file (attempt 1 of 1)",
  );
  assertEquals(session.events, ["start", "timedOut 0", "gaveUp", "reading"]);
});

Deno.test("a request's own timeout, retries and line speeds reach the port", async () => {
  const session = new ScriptedSession([
    ask("sign-on", { baud: 300 }),
    ask("select", { baudAfter: 9600, retries: 0, timeout: 20 }),
  ]);
  const { port, meter, signal } = setup(
    session,
    (text) => text === "select" ? "bad data\r" : answerAll(text),
  );
  await meter.poll(signal);
  assertEquals(port.sent, [
    { text: "sign-on", timeoutMs: 500, line: { baud: 300, baudAfter: undefined } },
    { text: "select", timeoutMs: 20_000, line: { baud: undefined, baudAfter: 9600 } },
  ]);
  assertEquals(session.events.slice(-3), ["receive bad data", "gaveUp", "reading"]);
});

Deno.test("a request's delay is waited before every attempt, after the previous reply", async () => {
  const session = new ScriptedSession([ask("sign-on"), ask("select", { delay: 200, retries: 1 })]);
  const clocks = fakeTime();
  const order: string[] = [];
  const { port, meter, signal } = setup(session, (text) => {
    order.push(`send ${text} after ${clocks.time.sleeps.join("+") || "no wait"}`);
    return text === "select" ? "bad\r" : answerAll(text);
  }, clocks);
  await meter.poll(signal);
  assertEquals(port.sent.map((s) => s.text), ["sign-on", "select", "select"]);
  assertEquals(order, [
    "send sign-on after no wait",
    "send select after 200",
    "send select after 200+200",
  ]);
});

Deno.test("an abort during a request's delay sends nothing more and ends the poll", async () => {
  const session = new ScriptedSession([ask("sign-on"), ask("select", { delay: 200 })]);
  const controller = new AbortController();
  const { port, meter } = setup(session, answerAll, {
    sleep: () => {
      controller.abort();
      return Promise.resolve();
    },
  });
  assertEquals(await meter.poll(controller.signal), undefined);
  assertEquals(port.sent.map((s) => s.text), ["sign-on"]);
  assertEquals(session.events, ["start", "receive sign-on ok"]);
});

Deno.test("the session's notices are logged at their level and what it learns reaches the meter's info", async () => {
  const session = new ScriptedSession([ask("A")]);
  const { meter, signal, lines } = setup(session, (text) => {
    session.queued.push({ level: "warn", message: "register 7 is odd" });
    Object.assign(session.info, { serial: "42", model: undefined });
    return answerAll(text);
  });
  await meter.poll(signal);
  assertEquals(meter.info, { manufacturer: "Acme", model: "Poller", serial: "42" });
  assertEquals(lines.filter((l) => l.level === "warn").map((l) => l.message), [
    "register 7 is odd",
  ]);
});

Deno.test("events: the identity first, the counters after every poll and before its reading, a learnt serial number as a new identity", async () => {
  const session = new ScriptedSession(
    [ask("A")],
    (poll, time) => poll === 1 ? undefined : [value(`${poll}@${time}`)],
  );
  const { meter } = setup(session, (text, index) => {
    if (index === 2) Object.assign(session.info, { serial: "42" });
    return index === 0 ? undefined : answerAll(text);
  }, { ...fakeTime(), retries: 0 });
  const controller = new AbortController();
  const events: string[] = [];
  for await (const event of meter.events(controller.signal)) {
    if (event.kind === "identity") events.push(`identity ${event.info.serial ?? "-"}`);
    if (event.kind === "stats") {
      const { received, decoded, rejected, lastReading } = event.stats;
      events.push(`stats ${received}/${decoded}/${rejected.timeout} ${lastReading ? "last" : "-"}`);
    }
    if (event.kind === "reading") {
      events.push(`reading ${event.reading.values[0].value.split("@")[0]}`);
      if (event.reading.values[0].value.startsWith("3@")) controller.abort();
    }
  }
  assertEquals(events, [
    "identity -",
    "stats 0/0/1 -",
    "stats 1/1/1 last",
    "reading 2",
    "identity 42",
    "stats 2/2/1 last",
    "reading 3",
  ]);
  assertEquals(meter.info.serial, "42");
});

Deno.test("polls that make no reading yield nothing, so the sinks see the silence; readings resume", async () => {
  const session = new ScriptedSession(
    [ask("A")],
    (poll, time) => poll <= 2 ? undefined : [value(`${poll}@${time}`)],
  );
  const clocks = fakeTime();
  const { port, meter, lines } = setup(session, answerAll, clocks);
  const controller = new AbortController();
  const readings: Reading[] = [];
  for await (const reading of readingsOf(meter.events(controller.signal))) {
    readings.push(reading);
    if (readings.length === 2) controller.abort();
  }
  assertEquals(session.polls, 4);
  assertEquals(readings.map((r) => r.values[0].value.split("@")[0]), ["3", "4"]);
  assertEquals(clocks.time.sleeps, [5000, 5000, 5000]);
  assertEquals(meter.stats.lastReading, readings[1].time);
  assertOk(port.closed, "the port is closed when the readings end");
  assertEquals(lines[0], {
    level: "info",
    message: "polling the test plan every 5 s (reply timeout 0.5 s, 2 retries)",
  });
});

Deno.test("the schedule runs on the monotonic clock: a wall-clock step neither delays nor hurries a poll", async () => {
  const session = new ScriptedSession([ask("A")]);
  const clocks = fakeTime();
  const steps = [-3_600_000, 3_600_000, 0];
  const { meter } = setup(session, (text, index) => {
    clocks.time.step = steps[index] ?? 0;
    clocks.time.mono += 100;
    return answerAll(text);
  }, clocks);
  const controller = new AbortController();
  const times: string[] = [];
  for await (const reading of readingsOf(meter.events(controller.signal))) {
    times.push(reading.time);
    if (times.length === 4) controller.abort();
  }
  assertEquals(clocks.time.sleeps, [4900, 4900, 4900]);
  const wall = times.map((t) => Date.parse(t));
  assertEquals(
    wall.slice(1).map((t, i) => t - wall[i]),
    [5000 - 3_600_000, 5000 + 7_200_000, 5000 - 3_600_000],
    "reading times follow the wall clock",
  );
});

Deno.test("polls keep their rhythm, and one that overran its interval is followed at once", async () => {
  const session = new ScriptedSession([ask("A")]);
  const clocks = fakeTime();
  const { meter } = setup(session, (text, index) => {
    clocks.time.mono += index === 1 ? 7000 : 150;
    return answerAll(text);
  }, clocks);
  const controller = new AbortController();
  let count = 0;
  for await (const _ of readingsOf(meter.events(controller.signal))) {
    if (++count === 4) controller.abort();
  }
  assertEquals(clocks.time.sleeps, [4850, 0, 4850]);
});

Deno.test("after an overrun the next poll follows at once, never after a negative wait", async () => {
  const session = new ScriptedSession([ask("A")]);
  const clocks = fakeTime();
  // A clock that moves on by itself between two readings, as a real one does.
  const clock = () => clocks.time.mono++;
  const { meter } = setup(session, (text) => {
    clocks.time.mono += 7000;
    return answerAll(text);
  }, { ...clocks, clock });
  const controller = new AbortController();
  let count = 0;
  for await (const _ of readingsOf(meter.events(controller.signal))) {
    if (++count === 3) controller.abort();
  }
  assertEquals(clocks.time.sleeps, [0, 0]);
});

Deno.test("an abort during a request ends the poll: nothing counted, the session not told, the port closed", async () => {
  const session = new ScriptedSession([ask("A"), ask("B")]);
  const controller = new AbortController();
  const { port, meter } = setup(session, (text) => {
    if (text === "B") controller.abort();
    return text === "B" ? undefined : answerAll(text);
  }, fakeTime());
  const readings: Reading[] = [];
  for await (const reading of readingsOf(meter.events(controller.signal))) readings.push(reading);
  assertEquals(readings, []);
  assertEquals(session.events, ["start", "receive A ok"]);
  assertEquals(meter.stats.rejected.timeout, 0);
  assertOk(port.closed);
});

Deno.test("an abort while waiting for the next poll ends the readings at once", async () => {
  const session = new ScriptedSession([ask("A")]);
  const { port, meter } = setup(session, answerAll, { interval: 3600, now: undefined });
  const controller = new AbortController();
  let aborted = 0;
  for await (const _ of readingsOf(meter.events(controller.signal))) {
    setTimeout(() => {
      aborted = performance.now();
      controller.abort();
    }, 20);
  }
  const late = performance.now() - aborted;
  assertOk(late < 5000, `ended ${late} ms after the abort, within an interval of an hour`);
  assertEquals(session.polls, 1);
  assertOk(port.closed);
});

Deno.test("an interval or timeout that is not positive is refused", () => {
  for (const bad of [{ interval: 0 }, { timeout: -1 }, { interval: NaN }]) {
    let thrown: unknown;
    try {
      setup(new ScriptedSession([]), answerAll, bad);
    } catch (error) {
      thrown = error;
    }
    assertOk(thrown instanceof RangeError, JSON.stringify(bad));
  }
});

Deno.test("nextPollAt keeps the rhythm of the previous start and catches up after an overrun", () => {
  assertEquals(nextPollAt(1000, 60_000, 1300), 61_000);
  assertEquals(nextPollAt(61_000, 60_000, 61_500), 121_000);
  assertEquals(nextPollAt(1000, 500, 1800), 1800);
  assertEquals(nextPollAt(1000, 500, 1500), 1500);
});
