/**
 * systemd notifications at the edge: the datagram socket named by
 * `NOTIFY_SOCKET`, the snapshots of the meter and the sinks that feed the
 * state machine of protocol.ts, and the log lines it asks for. A snapshot is
 * taken as the meter's counters come ({@link SystemdNotify.counters}, at
 * most once a second) and by one timer: every second while something may
 * change unseen, otherwise only for the next watchdog ping or stall
 * deadline, so a steady meter adds no wake-up of its own. Without
 * `NOTIFY_SOCKET` none of it exists: no socket, no timer.
 *
 * The socket is a Unix datagram socket from `Deno.listenDatagram` with the
 * `unixpacket` transport (a `SOCK_DGRAM` socket, despite the name), which
 * needs `--unstable-net` (etc/smr.flags). Bound to the empty path, Linux gives
 * it an unused abstract address, so it leaves no file behind; it sends to a
 * path (`/run/systemd/notify`) or an abstract name (`@…`) alike.
 */
import type { Logger } from "../log.ts";
import { emptyStats, type Meter, type MeterLink, type MeterStats } from "../meters/meter.ts";
import type { Sink } from "../pipeline.ts";
import {
  NotifyMachine,
  type NotifySettings,
  parseNotifyEnv,
  type ServiceObservation,
  stallLimitMs,
} from "./protocol.ts";

/** A socket to systemd's notification socket. */
export interface NotifySocket {
  /** Sends one message as one datagram. */
  send(message: string): Promise<void>;
  close(): void;
}

const encoder = new TextEncoder();

/** Messages that may wait for the socket before new ones are dropped. */
const MAX_IN_FLIGHT = 8;

/** How long closing waits for the last messages to be sent, in ms. */
const CLOSE_WAIT_MS = 1000;

/**
 * Opens a datagram socket that sends to `address` (a path, or an abstract
 * name starting with NUL). Throws when the runtime lacks Unix datagram
 * sockets (Deno without `--unstable-net`).
 */
export function openNotifySocket(address: string): NotifySocket {
  if (typeof Deno.listenDatagram !== "function") {
    throw new Error("Unix datagram sockets need Deno's --unstable-net flag (etc/smr.flags)");
  }
  const conn = Deno.listenDatagram({ transport: "unixpacket", path: "" });
  const target: Deno.UnixAddr = { transport: "unixpacket", path: address };
  return {
    async send(message) {
      await conn.send(encoder.encode(message), target);
    },
    close() {
      conn.close();
    },
  };
}

/** What status lines tell of a meter: its newest counters and the device it is read through. */
export interface ObservedMeter {
  stats: MeterStats;
  link?: MeterLink;
}

/** The counters of a meter that change with every frame, reply or timed-out poll. */
function progressOf({ received, decoded, rejected }: MeterStats): number {
  return Object.values(rejected).reduce((total, count) => total + count, received + decoded);
}

/**
 * A snapshot of the meter and of the sinks' brokers at `now`; `device` names
 * the meter's device when the meter does not tell it.
 */
export function observeService(
  meter: ObservedMeter,
  sinks: readonly Sink[],
  now: number,
  device?: string,
): ServiceObservation {
  const { stats, link } = meter;
  return {
    now,
    meter: {
      where: link?.path ?? device,
      progress: progressOf(stats),
      received: stats.received > 0 || stats.decoded > 0,
      lastReading: stats.lastReading,
      unavailable: link && !link.connected ? link.lastError : undefined,
    },
    brokers: sinks.flatMap((sink) => sink.connection ? [sink.connection] : []),
  };
}

/** Options of {@link startSystemdNotify}. */
export interface SystemdNotifyOptions {
  /** The meter's interval and device; its counters come through {@link SystemdNotify.counters}. */
  meter: Pick<Meter, "interval" | "link">;
  sinks: readonly Sink[];
  log: Logger;
  /** The meter's device, for status lines, when the meter does not tell it. */
  device?: string;
  /** What systemd asked for; read from the environment by default. */
  settings?: NotifySettings;
  /** The socket to send to; opened from the settings by default. */
  socket?: NotifySocket;
  /** Monotonic clock in ms; `performance.now` by default (wall-clock jumps are no stalls). */
  now?: () => number;
}

/** A running notifier. */
export interface SystemdNotify {
  /** The meter's newest counters, as the pipeline tells the sinks. */
  counters(stats: MeterStats): void;
  /** Sends `STOPPING=1`; no more pings or status lines after it. */
  stopping(): void;
  /** Stops the timer, says `STOPPING=1` unless said, and closes the socket once all is sent. */
  close(): Promise<void>;
}

/** The settings of the environment, which is then cleared so child processes do not notify. */
function settingsFromEnv(): NotifySettings | undefined {
  try {
    const settings = parseNotifyEnv((name) => Deno.env.get(name), Deno.pid);
    if (settings) {
      for (const name of ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]) Deno.env.delete(name);
    }
    return settings;
  } catch {
    return undefined;
  }
}

/**
 * Starts telling systemd what smr does: undefined (and nothing running) when
 * smr was not started with `NOTIFY_SOCKET`, or it cannot be used (logged).
 */
export function startSystemdNotify(options: SystemdNotifyOptions): SystemdNotify | undefined {
  const { meter, sinks, log, device, now = () => performance.now() } = options;
  const settings = options.settings ?? settingsFromEnv();
  if (!settings) return undefined;
  settings.problems.forEach((problem) => log.warn(`systemd: ${problem}`));
  if (settings.address === undefined) return undefined;
  let socket: NotifySocket;
  try {
    socket = options.socket ?? openNotifySocket(settings.address);
  } catch (error) {
    log.error(`systemd: cannot notify: ${(error as Error).message}`);
    return undefined;
  }
  const { watchdogMs } = settings;
  const machine = new NotifyMachine({
    watchdogMs,
    stallMs: stallLimitMs(meter.interval, watchdogMs),
  });
  let queue = Promise.resolve();
  let inFlight = 0;
  let failed = false;
  const send = (message: string) => {
    // A notification socket nobody reads fills up: drop rather than pile up.
    if (inFlight >= MAX_IN_FLIGHT) return log.debug("systemd: notification socket full");
    inFlight++;
    queue = queue.then(() => socket.send(message)).catch((error) => {
      const line = `systemd: cannot send to the notification socket: ${(error as Error).message}`;
      if (failed) log.debug(line);
      else log.warn(line);
      failed = true;
    }).finally(() => inFlight--);
  };
  let stats = emptyStats();
  const tickMs = watchdogMs === undefined ? 1000 : Math.min(1000, watchdogMs / 4);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastTick = -Infinity;
  let stopped = false;
  const tick = () => {
    clearTimeout(timer);
    lastTick = now();
    const observed = { stats, link: meter.link };
    const step = machine.step(observeService(observed, sinks, lastTick, device));
    step.log.forEach(({ level, message }) => log[level](`systemd: ${message}`));
    if (step.message !== undefined) send(step.message);
    if (stopped) return;
    const delay = machine.nextStepAt(lastTick, tickMs) - lastTick;
    timer = setTimeout(tick, Math.max(0, delay));
  };
  log.debug(
    `systemd: notifying ${settings.address.replace("\0", "@")}` +
      (watchdogMs === undefined ? "" : `, watchdog ${watchdogMs} ms`),
  );
  tick();
  const stopping = () => {
    clearTimeout(timer);
    if (stopped) return;
    stopped = true;
    send(machine.stopping());
  };
  let closing: Promise<void> | undefined;
  return {
    counters(newest) {
      stats = newest;
      // A snapshot as the counters come, at most once a poll: a steady meter needs no timer.
      if (!stopped && now() - lastTick >= tickMs) tick();
    },
    stopping,
    close() {
      stopping();
      closing ??= (async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const limit = new Promise<void>((resolve) => timer = setTimeout(resolve, CLOSE_WAIT_MS));
        await Promise.race([queue, limit]);
        clearTimeout(timer);
        socket.close();
      })();
      return closing;
    },
  };
}
