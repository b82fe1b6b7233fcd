import { assertEquals, assertMatch, assertOk, assertThrows } from "../assert.ts";
import {
  type BrokerObservation,
  clockTime,
  type MeterObservation,
  NotifyMachine,
  parseNotifyEnv,
  type ServiceObservation,
  spokenDuration,
  stallLimitMs,
  statusLine,
} from "../../src/systemd/protocol.ts";

const URL = "mqtt://192.168.1.10:1883";

function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

function snapshot(
  now: number,
  meter: Partial<MeterObservation> = {},
  brokers: BrokerObservation[] = [{ target: URL, connected: true }],
): ServiceObservation {
  return {
    now,
    meter: { where: "/dev/ttyUSB0", progress: 0, received: false, ...meter },
    brokers,
  };
}

/** The assignments of a message by key. */
function fields(message: string | undefined): Map<string, string> {
  return new Map(
    (message ?? "").split("\n").filter((l) => l).map((l) => {
      const eq = l.indexOf("=");
      return [l.slice(0, eq), l.slice(eq + 1)];
    }),
  );
}

Deno.test("notify settings: none without NOTIFY_SOCKET, so nothing runs", () => {
  assertEquals(parseNotifyEnv(envOf({}), 42), undefined);
  assertEquals(parseNotifyEnv(envOf({ NOTIFY_SOCKET: "" }), 42), undefined);
  assertEquals(parseNotifyEnv(envOf({ WATCHDOG_USEC: "60000000" }), 42), undefined);
});

Deno.test("notify settings: a path, an abstract name, and what cannot be used", () => {
  assertEquals(parseNotifyEnv(envOf({ NOTIFY_SOCKET: "/run/systemd/notify" }), 42), {
    address: "/run/systemd/notify",
    watchdogMs: undefined,
    problems: [],
  });
  assertEquals(
    parseNotifyEnv(envOf({ NOTIFY_SOCKET: "@/org/freedesktop/systemd1/notify" }), 42)?.address,
    "\0/org/freedesktop/systemd1/notify",
  );
  for (const socket of ["vsock:2:1234", "relative/notify", "@"]) {
    const settings = parseNotifyEnv(envOf({ NOTIFY_SOCKET: socket }), 42);
    assertEquals(settings?.address, undefined, socket);
    assertEquals(settings?.problems.length, 1, socket);
  }
});

Deno.test("notify settings: the watchdog, unless it watches another process", () => {
  const socket = { NOTIFY_SOCKET: "/run/systemd/notify" };
  const of = (vars: Record<string, string>) => parseNotifyEnv(envOf({ ...socket, ...vars }), 42);
  assertEquals(of({ WATCHDOG_USEC: "60000000" })?.watchdogMs, 60_000);
  assertEquals(of({ WATCHDOG_USEC: "60000000", WATCHDOG_PID: "42" })?.watchdogMs, 60_000);
  assertEquals(of({ WATCHDOG_USEC: "60000000", WATCHDOG_PID: "7" })?.watchdogMs, undefined);
  assertEquals(of({ WATCHDOG_USEC: "60000000", WATCHDOG_PID: "7" })?.problems, []);
  for (const usec of ["", "abc", "-5", "1.5e6", "999"]) {
    const settings = of({ WATCHDOG_USEC: usec });
    assertEquals(settings?.watchdogMs, undefined, usec);
    assertEquals(settings?.problems.length, 1, usec);
    assertEquals(settings?.address, "/run/systemd/notify", usec);
  }
});

Deno.test("stall limit: ten readings, never less than five watchdog timeouts", () => {
  assertEquals(stallLimitMs(10, 60_000), 300_000);
  assertEquals(stallLimitMs(60, 60_000), 600_000);
  assertEquals(stallLimitMs(0.5, 2_000), 10_000);
  assertEquals(stallLimitMs(10), 300_000);
  assertEquals(stallLimitMs(3600), 36_000_000);
});

Deno.test("status: clock times and durations for people", () => {
  assertEquals(clockTime("2026-11-25T06:15:50+01:00"), "06:15:50");
  assertEquals(clockTime("2026-11-25T06:15:50Z"), "06:15:50");
  assertEquals(clockTime("soon"), "soon");
  assertEquals(spokenDuration(0), "0 s");
  assertEquals(spokenDuration(119_999), "119 s");
  assertEquals(spokenDuration(300_000), "5 min");
  assertEquals(spokenDuration(7_200_000), "2 h");
});

Deno.test("status: what smr waits for, then the broker and the last reading", () => {
  const down = [{ target: URL, connected: false }];
  assertEquals(
    statusLine(snapshot(0, {}, down)),
    `waiting for the broker at ${URL}, waiting for the meter on /dev/ttyUSB0`,
  );
  assertEquals(
    statusLine(snapshot(0, { where: undefined }, [])),
    "waiting for the meter",
  );
  const reading = { received: true, progress: 3, lastReading: "2026-11-25T12:00:01+01:00" };
  assertEquals(statusLine(snapshot(0, reading)), `connected to ${URL}, last reading 12:00:01`);
  assertEquals(statusLine(snapshot(0, reading, [])), "last reading 12:00:01");
  assertEquals(
    statusLine(snapshot(0, { received: true, progress: 3 })),
    `connected to ${URL}, no reading yet from the meter on /dev/ttyUSB0`,
  );
});

Deno.test("status: a device that is away, a silent meter, one line whatever the error says", () => {
  const gone = "cannot open /dev/ttyUSB0: No such file or directory (os error 2)";
  assertEquals(
    statusLine(snapshot(0, { unavailable: gone }, [])),
    `waiting for the meter on /dev/ttyUSB0 (${gone})`,
  );
  assertEquals(
    statusLine(
      snapshot(0, { unavailable: gone, received: true, lastReading: "2026-11-25T12:00:01Z" }, []),
    ),
    `meter unavailable (${gone}), last reading 12:00:01`,
  );
  assertEquals(
    statusLine(snapshot(0, { received: true, lastReading: "2026-11-25T12:00:01Z" }), 300_000),
    `connected to ${URL}, nothing from the meter on /dev/ttyUSB0 for 5 min, last reading 12:00:01`,
  );
  const line = statusLine(snapshot(0, { unavailable: "stty: first\nsecond\r\n" }, []));
  assertOk(!/[\r\n]/.test(line), line);
  assertMatch(line, /\(stty: first second \)$/);
});

Deno.test("status: one broker per target, waiting while any of its sinks waits", () => {
  const other = "mqtt://10.0.0.2:1883";
  assertEquals(
    statusLine(snapshot(0, {}, [
      { target: URL, connected: true },
      { target: URL, connected: false },
      { target: other, connected: true },
    ])),
    `waiting for the broker at ${URL}, connected to ${other}, waiting for the meter on /dev/ttyUSB0`,
  );
});

Deno.test("notify machine: READY once, when the meter has sent something and every broker is connected", () => {
  const machine = new NotifyMachine({ stallMs: 60_000 });
  const down = [{ target: URL, connected: false }];
  const first = machine.step(snapshot(0, {}, down));
  assertEquals(
    first.message,
    `STATUS=waiting for the broker at ${URL}, waiting for the meter on /dev/ttyUSB0`,
  );
  assertEquals(
    machine.step(snapshot(1000, { received: true, progress: 1 }, down)).message?.includes("READY"),
    false,
  );
  assertEquals(
    machine.step(snapshot(2000, {}, [{ target: URL, connected: true }])).message?.includes("READY"),
    false,
  );
  assertOk(!machine.ready);
  const ready = machine.step(
    snapshot(3000, { received: true, progress: 2, lastReading: "2026-11-25T12:00:01Z" }),
  );
  assertEquals(fields(ready.message).get("READY"), "1");
  assertEquals(fields(ready.message).get("STATUS"), `connected to ${URL}, last reading 12:00:01`);
  assertEquals(ready.log, [{ level: "info", message: "ready" }]);
  assertOk(machine.ready);
  for (let t = 4000; t < 100_000; t += 1000) {
    const step = machine.step(snapshot(t, { received: true, progress: t, lastReading: "x" }, down));
    assertOk(!fields(step.message).has("READY"), `READY again at ${t}`);
  }
});

Deno.test("notify machine: with no broker, READY follows the first thing the meter sends", () => {
  const machine = new NotifyMachine({ stallMs: 60_000 });
  assertEquals(
    machine.step(snapshot(0, {}, [])).message,
    "STATUS=waiting for the meter on /dev/ttyUSB0",
  );
  const ready = machine.step(
    snapshot(500, { received: true, progress: 1, lastReading: "T12:00:01" }, []),
  );
  assertEquals(ready.message, "READY=1\nSTATUS=last reading 12:00:01");
});

Deno.test("notify machine: no WATCHDOG=1 without a watchdog", () => {
  const machine = new NotifyMachine({ stallMs: 10_000 });
  for (let t = 0; t < 100_000; t += 250) {
    const step = machine.step(snapshot(t, { received: true, progress: Math.floor(t / 1000) }));
    assertOk(!fields(step.message).has("WATCHDOG"), `ping at ${t}`);
  }
});

Deno.test("notify machine: WATCHDOG=1 every half timeout while the meter makes progress", () => {
  for (const tick of [250, 500, 333, 100]) {
    const machine = new NotifyMachine({ watchdogMs: 2000, stallMs: 10_000 });
    const pings: number[] = [];
    for (let t = 0; t <= 60_000; t += tick) {
      const step = machine.step(snapshot(t, { received: true, progress: Math.floor(t / 500) }));
      if (fields(step.message).get("WATCHDOG") === "1") pings.push(t);
    }
    assertEquals(pings[0], 0, `tick ${tick}`);
    for (let i = 1; i < pings.length; i++) {
      const gap = pings[i] - pings[i - 1];
      assertOk(gap >= 1000 && gap < 1000 + tick, `tick ${tick}: gap ${gap}`);
    }
  }
});

Deno.test("notify machine: the pings stop when the meter gives nothing for the stall limit, and resume", () => {
  const machine = new NotifyMachine({ watchdogMs: 2000, stallMs: 10_000 });
  const pings: number[] = [];
  const logs: string[] = [];
  const statuses: string[] = [];
  for (let t = 0; t <= 40_000; t += 250) {
    // Progress until 5 s, silence until 25 s, progress again.
    const progress = t < 5000 ? Math.floor(t / 500) : t < 25_000 ? 10 : Math.floor(t / 500);
    const step = machine.step(
      snapshot(t, { received: true, progress, lastReading: "2026-11-25T12:00:05Z" }),
    );
    if (fields(step.message).has("WATCHDOG")) pings.push(t);
    if (fields(step.message).has("STATUS")) statuses.push(fields(step.message).get("STATUS")!);
    logs.push(...step.log.map((l) => `${l.level}: ${l.message}`));
  }
  // The last progress was at 4.5 s: stuck from 14.5 s on, until progress at 25 s.
  assertEquals(pings.filter((t) => t >= 14_500 && t < 25_000), []);
  assertOk(pings.some((t) => t >= 13_000 && t < 14_500), "pings went on until the stall limit");
  assertEquals(pings.filter((t) => t >= 25_000)[0], 25_000, "pings resume with progress");
  assertEquals(logs, [
    "info: ready",
    "warn: nothing from the meter for 10 s: the watchdog pings stop, so systemd restarts smr",
    "info: the meter is back: the watchdog pings resume",
  ]);
  assertOk(
    statuses.includes(
      `connected to ${URL}, nothing from the meter on /dev/ttyUSB0 for 10 s, last reading 12:00:05`,
    ),
  );
  assertEquals(statuses.at(-1), `connected to ${URL}, last reading 12:00:05`);
});

Deno.test("notify machine: a meter that has not sent anything yet counts as stuck too", () => {
  const machine = new NotifyMachine({ watchdogMs: 2000, stallMs: 10_000 });
  let last = 0;
  for (let t = 0; t <= 30_000; t += 250) {
    if (fields(machine.step(snapshot(t)).message).has("WATCHDOG")) last = t;
  }
  assertEquals(last, 9000);
  assertOk(machine.stalled);
  assertOk(!machine.ready);
});

Deno.test("notify machine: waiting for an unplugged device is no stall; the stall clock restarts when it is back", () => {
  const machine = new NotifyMachine({ watchdogMs: 2000, stallMs: 10_000 });
  const pings: number[] = [];
  for (let t = 0; t <= 60_000; t += 250) {
    const unavailable = t < 40_000 ? "cannot open /dev/ttyUSB0: No such file" : undefined;
    const step = machine.step(snapshot(t, { unavailable, received: true, progress: 5 }, []));
    if (fields(step.message).has("WATCHDOG")) pings.push(t);
  }
  assertEquals(pings.filter((t) => t < 50_000).length, 50, "a ping every second while waiting");
  assertEquals(pings.at(-1), 49_000, "stuck 10 s after the device came back silent");
});

Deno.test("notify machine: a new reading time alone is told every 10 s, a new state at once", () => {
  const machine = new NotifyMachine({ stallMs: 60_000 });
  const sent: [number, string][] = [];
  for (let t = 0; t <= 30_000; t += 1000) {
    const brokers = [{ target: URL, connected: t < 20_500 }];
    const reading = `2026-11-25T12:00:${String(t / 1000).padStart(2, "0")}Z`;
    const step = machine.step(
      snapshot(t, { received: true, progress: t, lastReading: reading }, brokers),
    );
    const status = fields(step.message).get("STATUS");
    if (status) sent.push([t, status]);
  }
  assertEquals(sent, [
    [0, `connected to ${URL}, last reading 12:00:00`],
    [10_000, `connected to ${URL}, last reading 12:00:10`],
    [20_000, `connected to ${URL}, last reading 12:00:20`],
    [21_000, `waiting for the broker at ${URL}, last reading 12:00:21`],
  ]);
});

Deno.test("notify machine: STOPPING=1, then silence", () => {
  const machine = new NotifyMachine({ watchdogMs: 2000, stallMs: 10_000 });
  machine.step(snapshot(0, { received: true, progress: 1 }));
  assertEquals(machine.stopping(), "STOPPING=1\nSTATUS=stopping");
  assertEquals(machine.step(snapshot(5000, { received: true, progress: 9 })), { log: [] });
});

Deno.test("notify machine: bad options throw RangeError", () => {
  assertThrows(() => new NotifyMachine({ stallMs: 0 }));
  assertThrows(() => new NotifyMachine({ stallMs: 1000, watchdogMs: 0 }));
  assertThrows(() => new NotifyMachine({ stallMs: NaN }));
});

Deno.test("notify machine: the next snapshot is a poll away until all is well, then the next ping or the stall", () => {
  const machine = new NotifyMachine({ watchdogMs: 60_000, stallMs: 300_000 });
  machine.step(snapshot(0));
  assertEquals(machine.nextStepAt(0, 1000), 1000, "before READY=1");
  const working = { progress: 1, received: true, lastReading: "2026-11-25T12:00:01Z" };
  assertOk(fields(machine.step(snapshot(1000, working)).message).has("READY"));
  assertEquals(machine.nextStepAt(1000, 1000), 30_000, "the next ping, half the watchdog on");
  machine.step(snapshot(2000, { ...working, progress: 2 }));
  assertEquals(machine.nextStepAt(2000, 1000), 30_000, "counters between pings move nothing");
  machine.step(snapshot(3000, working, [{ target: URL, connected: false }]));
  assertEquals(machine.nextStepAt(3000, 1000), 4000, "a broker away: polled");
  machine.step(snapshot(4000, { ...working, unavailable: "gone" }));
  assertEquals(machine.nextStepAt(4000, 1000), 5000, "the meter away: polled");
  machine.step(snapshot(5000, { ...working, progress: 3 }));
  assertEquals(machine.nextStepAt(5000, 1000), 30_000);
  machine.step(snapshot(305_000, { ...working, progress: 3 }));
  assertOk(machine.stalled);
  assertEquals(machine.nextStepAt(305_000, 1000), 306_000, "stuck: polled");

  const unwatched = new NotifyMachine({ stallMs: 100_000 });
  unwatched.step(snapshot(0, working, []));
  assertEquals(unwatched.nextStepAt(0, 1000), 100_000, "no watchdog: the stall deadline only");
});
