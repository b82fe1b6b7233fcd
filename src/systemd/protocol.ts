/**
 * systemd's service notification protocol, sans I/O: what smr tells systemd
 * and when, from snapshots of what it is doing with the time passed in. The
 * socket and the timer are at the edge (notify.ts).
 *
 * A message is one datagram of newline-separated assignments:
 * - `READY=1` once, when the meter has sent something and every MQTT sink is
 *   connected to its broker (at once with only the dummy sink);
 * - `STATUS=…` whenever what smr does changes, e.g. `waiting for the meter on
 *   /dev/ttyUSB0` or `connected to mqtt://host:1883, last reading 12:00:01`
 *   (a change of the reading time alone at most every `statusEveryMs`);
 * - `WATCHDOG=1` every half watchdog timeout while smr is alive;
 * - `STOPPING=1` on shutdown.
 *
 * Alive means two things. The event loop runs: the pings come from a timer,
 * so a blocked loop sends none. And the meter loop is not stuck: the meter's
 * counters (frames received, decoded, rejected, polls timed out) changed
 * within the stall limit, or the meter is waiting for its device (unplugged:
 * the port retries by itself). A pipeline whose meter gave nothing for that
 * long while its device is open is taken as hung, since a wedged serial
 * adapter looks just like that and reopening it is the cure: the pings stop,
 * systemd's watchdog fires and `Restart=` starts smr afresh. They resume if
 * the meter speaks again before that.
 */

/** Readings a meter may miss before it counts as stuck. */
export const STALL_READINGS = 10;

/** Watchdog timeouts that pass, at least, before the meter counts as stuck. */
export const STALL_WATCHDOG_TIMEOUTS = 5;

/** The watchdog timeout the stall limit is reckoned with when systemd watches nothing, in ms. */
const DEFAULT_WATCHDOG_MS = 60_000;

/** How often a status line whose only change is a time is sent again, in ms. */
const STATUS_EVERY_MS = 10_000;

/** What the environment systemd starts smr with says about notifications. */
export interface NotifySettings {
  /** The socket: a path, or an abstract name that starts with NUL; absent when unusable. */
  address?: string;
  /** The watchdog timeout in ms, when systemd watches smr. */
  watchdogMs?: number;
  /** What in the environment could not be used, for the log. */
  problems: string[];
}

/**
 * Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` (the watchdog is
 * another process's when its pid is not `pid`). Undefined without a socket:
 * smr does not run under a unit of `Type=notify`.
 */
export function parseNotifyEnv(
  env: (name: string) => string | undefined,
  pid: number,
): NotifySettings | undefined {
  const socket = env("NOTIFY_SOCKET");
  if (!socket) return undefined;
  const problems: string[] = [];
  let address: string | undefined;
  if (socket.startsWith("/")) address = socket;
  else if (socket.startsWith("@") && socket.length > 1) address = "\0" + socket.slice(1);
  else problems.push(`NOTIFY_SOCKET=${socket} is not a path or an abstract socket (@name)`);
  const usec = env("WATCHDOG_USEC");
  const watchPid = env("WATCHDOG_PID");
  let watchdogMs: number | undefined;
  if (usec !== undefined && (watchPid === undefined || watchPid === String(pid))) {
    if (/^[0-9]+$/.test(usec) && Number(usec) >= 1000) watchdogMs = Number(usec) / 1000;
    else problems.push(`WATCHDOG_USEC=${usec} is not a whole number of microseconds (≥ 1000)`);
  }
  return { address, watchdogMs, problems };
}

/**
 * How long a meter may give nothing before it counts as stuck, in ms:
 * {@link STALL_READINGS} readings, but no less than
 * {@link STALL_WATCHDOG_TIMEOUTS} watchdog timeouts (5 min for `WatchdogSec=60`).
 */
export function stallLimitMs(intervalSeconds: number, watchdogMs?: number): number {
  return Math.max(
    STALL_READINGS * intervalSeconds * 1000,
    STALL_WATCHDOG_TIMEOUTS * (watchdogMs ?? DEFAULT_WATCHDOG_MS),
  );
}

/** The meter as the notifier sees it. */
export interface MeterObservation {
  /** The device, e.g. `/dev/ttyUSB0`, for meters on a serial line. */
  where?: string;
  /** Grows with every frame or reply received, decoded or rejected and every poll timed out. */
  progress: number;
  /** Whether anything arrived from the meter since start. */
  received: boolean;
  /** The time of the last reading, ISO 8601 with offset. */
  lastReading?: string;
  /** Why the device cannot be used, while it cannot and attempts to reopen it go on. */
  unavailable?: string;
}

/** One sink's broker as the notifier sees it. */
export interface BrokerObservation {
  /** The broker URL without credentials. */
  target: string;
  connected: boolean;
}

/** A snapshot of what smr is doing. */
export interface ServiceObservation {
  /** Milliseconds on a monotonic clock. */
  now: number;
  meter: MeterObservation;
  /** One entry per sink with a broker. */
  brokers: readonly BrokerObservation[];
}

/** A line for the log: ready, the meter stuck, the watchdog pings resuming. */
export interface NotifyLogLine {
  level: "info" | "warn";
  message: string;
}

/** What to do after a snapshot. */
export interface NotifyStep {
  /** The datagram to send now, if any. */
  message?: string;
  /** Lines for the log, in order. */
  log: NotifyLogLine[];
}

/** Options of {@link NotifyMachine}. */
export interface NotifyMachineOptions {
  /** The watchdog timeout in ms; no pings without it. */
  watchdogMs?: number;
  /** How long the meter may give nothing before it counts as stuck, in ms. */
  stallMs: number;
  /** How often a status whose only change is a time is sent again; 10 s by default. */
  statusEveryMs?: number;
}

/** `12:00:01` of an ISO 8601 time, or the text as it is. */
export function clockTime(iso: string): string {
  return /T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? iso;
}

/** A duration for people: `45 s`, `5 min`, `3 h`. */
export function spokenDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

/** One line: no newline may split a `STATUS=` assignment. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ");
}

/**
 * The status line of a snapshot, with how long the meter has given nothing
 * when that counts as stuck: the brokers first, then the meter.
 */
export function statusLine(observation: ServiceObservation, silentMs?: number): string {
  const { meter, brokers } = observation;
  const targets = [...new Set(brokers.map((b) => b.target))];
  const parts = targets.map((target) =>
    brokers.every((b) => b.target !== target || b.connected)
      ? `connected to ${target}`
      : `waiting for the broker at ${target}`
  );
  const on = meter.where ? ` on ${meter.where}` : "";
  const last = meter.lastReading ? `, last reading ${clockTime(meter.lastReading)}` : "";
  if (meter.unavailable !== undefined) {
    parts.push(
      meter.received
        ? `meter unavailable (${meter.unavailable})${last}`
        : `waiting for the meter${on} (${meter.unavailable})`,
    );
  } else if (silentMs !== undefined) {
    parts.push(`nothing from the meter${on} for ${spokenDuration(silentMs)}${last}`);
  } else if (!meter.received) {
    parts.push(`waiting for the meter${on}`);
  } else if (!meter.lastReading) {
    parts.push(`no reading yet from the meter${on}`);
  } else {
    parts.push(`last reading ${clockTime(meter.lastReading)}`);
  }
  return oneLine(parts.join(", "));
}

/** A status line with its numbers blanked: what it says, not when. */
function gist(status: string): string {
  return status.replace(/\d+/g, "#");
}

/**
 * The notification state machine; see the module documentation. Feed it a
 * snapshot by {@link NotifyMachine.nextStepAt} with a poll of at most a
 * quarter watchdog timeout (or a second), send what it returns, and send
 * {@link NotifyMachine.stopping} on shutdown.
 */
export class NotifyMachine {
  readonly #watchdogMs?: number;
  readonly #stallMs: number;
  readonly #statusEveryMs: number;
  #ready = false;
  #stopped = false;
  #progress?: number;
  #progressAt = 0;
  #stalled = false;
  #lastPing?: number;
  #status?: string;
  #statusAt = 0;
  /** Whether the last snapshot found all well: ready, every broker and the meter there, no stall. */
  #settled = false;

  /** Creates a machine that has told systemd nothing yet. */
  constructor(options: NotifyMachineOptions) {
    if (!(options.stallMs > 0)) throw new RangeError("stallMs must be positive");
    if (options.watchdogMs !== undefined && !(options.watchdogMs > 0)) {
      throw new RangeError("watchdogMs must be positive");
    }
    this.#watchdogMs = options.watchdogMs;
    this.#stallMs = options.stallMs;
    this.#statusEveryMs = options.statusEveryMs ?? STATUS_EVERY_MS;
  }

  /** Whether `READY=1` was sent. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Whether the meter counts as stuck, as of the last snapshot. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /**
   * When the next snapshot is due, on the clock of the snapshots: `pollMs`
   * after `now` while something may change that no counter tells (before
   * `READY=1`, a broker or the meter away, the meter stuck); once all is
   * well, at the next ping or when the meter would count as stuck. Snapshots
   * taken in between, as the meter's counters come, do no harm.
   */
  nextStepAt(now: number, pollMs: number): number {
    if (!this.#settled) return now + pollMs;
    const stall = this.#progressAt + this.#stallMs;
    if (this.#watchdogMs === undefined || this.#lastPing === undefined) return stall;
    return Math.min(stall, this.#lastPing + this.#watchdogMs / 2);
  }

  /** What to send and log after a snapshot; nothing once stopping. */
  step(observation: ServiceObservation): NotifyStep {
    if (this.#stopped) return { log: [] };
    const { now, meter, brokers } = observation;
    if (meter.progress !== this.#progress || meter.unavailable !== undefined) {
      this.#progress = meter.progress;
      this.#progressAt = now;
    }
    const silentMs = now - this.#progressAt;
    const stalled = silentMs >= this.#stallMs;
    const step: NotifyStep = { log: [] };
    const lines: string[] = [];
    if (!this.#ready && meter.received && brokers.every((b) => b.connected)) {
      this.#ready = true;
      lines.push("READY=1");
      step.log.push({ level: "info", message: "ready" });
    }
    const status = statusLine(observation, stalled ? silentMs : undefined);
    if (
      status !== this.#status &&
      (lines.length > 0 || this.#status === undefined || gist(status) !== gist(this.#status) ||
        now - this.#statusAt >= this.#statusEveryMs)
    ) {
      lines.push(`STATUS=${status}`);
      this.#status = status;
      this.#statusAt = now;
    }
    if (stalled !== this.#stalled) {
      this.#stalled = stalled;
      if (stalled) {
        const restart = this.#watchdogMs === undefined
          ? ""
          : ": the watchdog pings stop, so systemd restarts smr";
        step.log.push({
          level: "warn",
          message: `nothing from the meter for ${spokenDuration(silentMs)}${restart}`,
        });
      } else {
        const resume = this.#watchdogMs === undefined ? "" : ": the watchdog pings resume";
        step.log.push({ level: "info", message: `the meter is back${resume}` });
      }
    }
    if (
      this.#watchdogMs !== undefined && !stalled &&
      (this.#lastPing === undefined || now - this.#lastPing >= this.#watchdogMs / 2)
    ) {
      lines.push("WATCHDOG=1");
      this.#lastPing = now;
    }
    this.#settled = this.#ready && !stalled && meter.unavailable === undefined &&
      brokers.every((b) => b.connected);
    if (lines.length > 0) step.message = lines.join("\n");
    return step;
  }

  /** The shutdown message; later snapshots send nothing. */
  stopping(): string {
    this.#stopped = true;
    return "STOPPING=1\nSTATUS=stopping";
  }
}
