import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { type Notification, startNotifySocket } from "../e2e/notify_socket.ts";
import { startSmr } from "../e2e/smr.ts";
import { freePort, scaled, waitFor } from "../e2e/tools.ts";
import type { Logger } from "../../src/log.ts";
import { emptyStats, type MeterLink } from "../../src/meters/meter.ts";
import type { Sink } from "../../src/pipeline.ts";
import {
  type NotifySocket,
  type ObservedMeter,
  observeService,
  startSystemdNotify,
} from "../../src/systemd/notify.ts";

/** A meter's interval and device, and counters as the pipeline would tell them. */
function fakeMeter(link?: MeterLink): ObservedMeter & { interval: number } {
  return { stats: emptyStats(), interval: 1, link };
}

function fakeSink(connection?: { target: string; connected: boolean }): Sink {
  return { name: "fake", connection, consume: () => Promise.resolve() };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, debug: () => {}, info: at("info"), warn: at("warn"), error: at("error") };
}

function fakeSocket(): NotifySocket & { sent: string[]; closed: boolean } {
  const socket = {
    sent: [] as string[],
    closed: false,
    send(message: string) {
      socket.sent.push(message);
      return Promise.resolve();
    },
    close() {
      socket.closed = true;
    },
  };
  return socket;
}

Deno.test("notify: a snapshot of the meter's counters and device and of the sinks' brokers", () => {
  const link = { path: "/dev/ttyUSB0", connected: false, lastError: "cannot open /dev/ttyUSB0" };
  const meter = fakeMeter(link);
  meter.stats.rejected.timeout = 2;
  const sinks = [
    fakeSink(),
    fakeSink({ target: "mqtt://h:1883", connected: true }),
    fakeSink({ target: "mqtt://h:1883", connected: false }),
  ];
  assertEquals(observeService(meter, sinks, 5), {
    now: 5,
    meter: {
      where: "/dev/ttyUSB0",
      progress: 2,
      received: false,
      lastReading: undefined,
      unavailable: "cannot open /dev/ttyUSB0",
    },
    brokers: [
      { target: "mqtt://h:1883", connected: true },
      { target: "mqtt://h:1883", connected: false },
    ],
  });
  link.connected = true;
  meter.stats.received = 1;
  meter.stats.decoded = 1;
  meter.stats.lastReading = "2026-11-25T12:00:01Z";
  const open = observeService(meter, [], 6).meter;
  assertEquals([open.unavailable, open.received, open.progress], [undefined, true, 4]);
  assertEquals(observeService(fakeMeter(), [], 0, "/dev/ttyACM0").meter.where, "/dev/ttyACM0");
});

Deno.test("notify: nothing runs without NOTIFY_SOCKET", () => {
  const saved = Deno.env.get("NOTIFY_SOCKET");
  Deno.env.delete("NOTIFY_SOCKET");
  try {
    const log = recordingLog();
    assertEquals(startSystemdNotify({ meter: fakeMeter(), sinks: [], log }), undefined);
    assertEquals(log.lines, []);
  } finally {
    if (saved !== undefined) Deno.env.set("NOTIFY_SOCKET", saved);
  }
});

Deno.test("notify: without Unix datagram sockets it says why and smr runs on; children do not inherit the variables", () => {
  // The tests run without --unstable-net, so Deno.listenDatagram is missing here.
  if (typeof Deno.listenDatagram === "function") return;
  const saved = ["NOTIFY_SOCKET", "WATCHDOG_USEC"].map((name) => [name, Deno.env.get(name)]);
  Deno.env.set("NOTIFY_SOCKET", "/run/systemd/notify");
  Deno.env.set("WATCHDOG_USEC", "60000000");
  try {
    const log = recordingLog();
    assertEquals(startSystemdNotify({ meter: fakeMeter(), sinks: [], log }), undefined);
    assertEquals(log.lines.length, 1);
    assertMatch(log.lines[0], /^error: systemd: cannot notify: .*--unstable-net/);
    assertEquals(Deno.env.get("NOTIFY_SOCKET"), undefined);
    assertEquals(Deno.env.get("WATCHDOG_USEC"), undefined);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name!);
      else Deno.env.set(name!, value);
    }
  }
});

Deno.test("notify: the timer feeds the machine, STOPPING=1 once, the socket closes", async () => {
  const meter = fakeMeter();
  const socket = fakeSocket();
  const log = recordingLog();
  const notify = startSystemdNotify({
    meter,
    sinks: [],
    log,
    settings: { address: "/run/systemd/notify", watchdogMs: 400, problems: ["WATCHDOG_PID=x"] },
    socket,
  });
  assertOk(notify);
  try {
    await waitFor(() => socket.sent.length > 0, "the first message");
    assertEquals(socket.sent[0], "STATUS=waiting for the meter\nWATCHDOG=1");
    notify.counters({
      ...emptyStats(),
      received: 1,
      decoded: 1,
      lastReading: "2026-11-25T12:00:01Z",
    });
    await waitFor(() => socket.sent.some((m) => m.startsWith("READY=1\n")), "READY=1");
    await waitFor(() => socket.sent.filter((m) => m.includes("WATCHDOG=1")).length >= 3, "pings");
  } finally {
    notify.stopping();
    await notify.close();
    await notify.close();
  }
  assertEquals(socket.sent.filter((m) => m.startsWith("STOPPING=1")), [
    "STOPPING=1\nSTATUS=stopping",
  ]);
  assertEquals(socket.sent.at(-1), "STOPPING=1\nSTATUS=stopping");
  assertOk(socket.closed);
  assertEquals(log.lines, ["warn: systemd: WATCHDOG_PID=x", "info: systemd: ready"]);
});

/** The times of the datagrams with WATCHDOG=1. */
function pingTimes(messages: readonly Notification[]): number[] {
  return messages.filter((m) => m.fields.get("WATCHDOG") === "1").map((m) => m.at);
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

Deno.test("notify e2e: READY=1 only once the broker is up, status lines, pings throughout, STOPPING=1 on SIGTERM", async () => {
  const socket = await startNotifySocket();
  const port = freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const smr = startSmr({
    args: ["--env", "dummy"],
    env: {
      ...socket.env(6000),
      SMR_SINKS: '["homie"]',
      SMR_MQTT__URL: url,
      SMR_METER__INTERVAL: "0.5",
    },
  });
  let broker;
  try {
    const first = await socket.waitFor("STATUS");
    assertEquals(socket.messages.indexOf(first), 0);
    assertEquals(
      first.fields.get("STATUS"),
      `waiting for the broker at ${url}, waiting for the meter`,
    );
    await socket.waitFor(
      "STATUS",
      new RegExp(`^waiting for the broker at ${url}, last reading \\d\\d:\\d\\d:\\d\\d$`),
    );
    // With the broker down smr is waiting normally: the pings go on, READY does not come.
    await waitFor(
      () => pingTimes(socket.messages).length >= 3,
      "three pings with the broker down",
      30_000,
    );
    assertOk(!socket.messages.some((m) => m.fields.has("READY")), "READY with the broker down");
    broker = await startBroker({ port });
    const ready = await socket.waitFor("READY", "1", 60_000);
    assertMatch(
      ready.fields.get("STATUS") ?? "",
      new RegExp(`^connected to ${url}, last reading \\d\\d:\\d\\d:\\d\\d$`),
    );
    await smr.waitForLog(`connected to ${url} as homie/dummy`);
    await smr.waitForLog("systemd: ready");
    const index = socket.messages.indexOf(ready);
    await waitFor(
      () => pingTimes(socket.messages.slice(index + 1)).length >= 3,
      "three pings after READY",
      30_000,
    );
    const before = socket.messages.length;
    assertEquals(await smr.stop("SIGTERM"), 0);
    const stopping = await socket.waitFor("STOPPING", "1", 10_000, before);
    assertEquals(stopping.fields.get("STATUS"), "stopping");
    assertEquals(socket.messages.at(-1), stopping);
    assertEquals(socket.messages.filter((m) => m.fields.has("READY")).length, 1);
    // Every half timeout (3 s): never as late as the timeout, and not much sooner as a rule
    // (the median: a busy or emulated receiver may take two datagrams in one go).
    const between = gaps(pingTimes(socket.messages));
    for (const gap of between) {
      assertOk(gap < scaled(6000), `a gap of ${Math.round(gap)} ms between pings`);
    }
    const median = [...between].sort((a, b) => a - b)[Math.floor(between.length / 2)];
    assertOk(median >= 1500, `pings a median ${Math.round(median)} ms apart`);
  } finally {
    await smr.stop("SIGKILL");
    await broker?.stop();
    await socket.close();
  }
});

Deno.test("notify e2e: with only the dummy sink READY=1 follows the first reading; the pings stop while the meter is silent and resume", async () => {
  const socket = await startNotifySocket();
  // Interval 0.3 s and a 1 s watchdog: stuck after max(10 readings, 5 timeouts) = 5 s of
  // silence; the meter is silent for 40 readings (12 s).
  const smr = startSmr({
    args: ["--env", "dummy"],
    env: {
      ...socket.env(1000),
      SMR_SINKS: '["dummy"]',
      SMR_METER__INTERVAL: "0.3",
      SMR_METER__SILENCE_AFTER: "4",
      SMR_METER__SILENCE_FOR: "40",
    },
  });
  try {
    const ready = await socket.waitFor("READY", "1");
    assertMatch(ready.fields.get("STATUS") ?? "", /^last reading \d\d:\d\d:\d\d$/);
    const stalled = await socket.waitFor(
      "STATUS",
      /^nothing from the meter for \d+ s, last /,
      60_000,
    );
    const from = socket.messages.indexOf(stalled);
    const resumed = await socket.waitFor("WATCHDOG", "1", 60_000, from);
    await socket.waitFor("STATUS", /^last reading /, 20_000, from);
    await smr.waitForLog("systemd: nothing from the meter for 5 s: the watchdog pings stop");
    await smr.waitForLog("systemd: the meter is back: the watchdog pings resume");
    const before = socket.messages.length;
    assertEquals(await smr.stop("SIGTERM"), 0);
    await socket.waitFor("STOPPING", "1", 10_000, before);
    // No ping from the stall until the meter spoke again, about 7 s later: far beyond the
    // 1 s after which systemd restarts smr.
    const silence = Math.round(resumed.at - stalled.at);
    assertOk(silence >= 3000, `the pings stopped for ${silence} ms only`);
    assertOk(pingTimes(socket.messages).every((at) => at < stalled.at || at >= resumed.at));
  } finally {
    await smr.stop("SIGKILL");
    await socket.close();
  }
});

Deno.test("notify e2e: an absent serial device is waited for with pings, and no READY=1", async () => {
  const socket = await startNotifySocket();
  const dir = await Deno.makeTempDir({ prefix: "smr-notify-dev-" });
  const device = `${dir}/ttyUSB9`;
  const smr = startSmr({
    args: ["--env", "dsmr"],
    env: { ...socket.env(2000), SMR_SINKS: '["dummy"]', SMR_METER__DEVICE: device },
  });
  try {
    const status = await socket.waitFor(
      "STATUS",
      new RegExp(`^waiting for the meter on ${device} \\(.+\\)$`),
    );
    assertMatch(status.fields.get("STATUS")!, /ttyUSB9/);
    const from = socket.messages.indexOf(status);
    await waitFor(
      () => pingTimes(socket.messages.slice(from)).length >= 3,
      "three pings while the device is absent",
      30_000,
    );
    assertOk(!socket.messages.some((m) => m.fields.has("READY")), "READY without a meter");
    const before = socket.messages.length;
    assertEquals(await smr.stop("SIGTERM"), 0);
    await socket.waitFor("STOPPING", "1", 10_000, before);
  } finally {
    await smr.stop("SIGKILL");
    await socket.close();
    await Deno.remove(dir, { recursive: true });
  }
});
