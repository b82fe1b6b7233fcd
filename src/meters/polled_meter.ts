/**
 * A meter that asks: every `interval` seconds a poll sends requests over a
 * serial port and turns the replies into one reading. The protocol is a
 * {@link PollSession} without I/O (what to send, what a reply means, what
 * reading the replies make); this class does everything else: the port, the
 * clocks, the schedule, per-request timeouts, bounded retries, counting and
 * logging. Used by the request–response meters, as `StreamMeter` is by
 * the meters that send on their own.
 *
 * The meter's identity and counters go out as events on the stream of
 * readings: the identity first and whenever the session learns more, the
 * counters after every poll, before its reading.
 *
 * What goes wrong is counted and logged through the tally, never published:
 * a reply that does not complete in time is a `timeout`, a reply the session
 * rejects (`crc`, `framing`, `decode`) is asked for again. A meter that does
 * not answer gives no reading, so the sinks see the silence (the device turns
 * `alert`), and is read again as soon as it answers.
 */
import type { Level, Logger } from "../log.ts";
import type { MeterInfo, Quantity, Reading, Value } from "../reading.ts";
import type { Result } from "../result.ts";
import type { SerialPort } from "../serial/port.ts";
import { isoLocal, sleep } from "../time.ts";
import {
  emptyStats,
  type Meter,
  type MeterEvent,
  type MeterStats,
  sameInfo,
  snapshotStats,
} from "./meter.ts";
import { Tally } from "./tally.ts";

/**
 * The time a poll read the meter, published as `meter/timestamp` by the
 * sessions of meters that tell no time of their own.
 */
export const READ_TIME: Quantity = {
  node: "meter",
  property: "timestamp",
  name: "Read time",
  datatype: "datetime",
  kind: "info",
};

/** One request of a poll: what to send and how to tell that its reply is complete. */
export interface PollRequest {
  /** What is asked, for log lines: `GetRegister 60, 63`. */
  what: string;
  /** The bytes to send. */
  bytes: Uint8Array;
  /**
   * Whether the bytes received so far hold a complete reply (after an echo
   * of the request, if the head echoes); the port stops waiting once it does.
   */
  isComplete(reply: Uint8Array): boolean;
  /** Seconds to wait for the reply, instead of the meter's timeout (a long readout at 300 baud). */
  timeout?: number;
  /**
   * Times to send it again after a timeout or a rejected reply, instead of
   * the meter's retries: 0 for a request that cannot be repeated as it is
   * (an IEC 62056-21 option select, after which the meter changed speed).
   */
  retries?: number;
  /** The line speed to send at; the port switches first when it runs at another. */
  baud?: number;
  /**
   * The line speed to switch to once the request has gone out, for its reply
   * and what follows (an IEC 62056-21 option select).
   */
  baudAfter?: number;
  /**
   * Milliseconds to wait before each attempt is sent: the reaction time a
   * meter needs after its last character (an IEC 62056-21 option select
   * waits 200 ms after the identification).
   */
  delay?: number;
}

/** What a session makes of a reply that did not complete in time, for the log line. */
export interface Silence {
  /** What came back: `no reply`, `only the echo of the request came back`. */
  reply: string;
  /** What to check, when the session can tell: `check the head's position and meter.baud`. */
  hint?: string;
}

/** Something a person should read in the log, from a session that does no I/O itself. */
export interface Notice {
  level: Level;
  message: string;
}

/**
 * The protocol side of a polled meter, without I/O: what to send, what the
 * replies mean, and the reading they make. {@link PolledMeter} drives it one
 * call at a time; tests script byte exchanges against it directly. One poll:
 *
 * ```text
 * start()
 * while (request = next()) is not undefined:
 *   up to 1 + retries attempts, each sending request.bytes and collecting
 *   the reply until request.isComplete(reply) holds or the timeout passes:
 *     complete reply:    receive(reply) ok        → answered, on to next()
 *                        receive(reply) rejected  → counted, sent again
 *     no complete reply: timedOut(partial)        → counted as a timeout, sent again
 *   no attempt answered: gaveUp()
 * reading(time) → the values of the poll, or undefined for none
 * ```
 *
 * Rules:
 * - Every input arrives as one of these calls. A session never waits,
 *   sleeps, reads a clock or touches a port; it may be left mid-poll at any
 *   point (an abort) and continues with the next `start()`.
 * - `next()` returns the same request until `receive` accepts a reply to it
 *   or `gaveUp()` is called; then the following one. Undefined ends the poll.
 *   A session may end a poll early (a meter that did not answer at all).
 * - What outlives a poll (registers the meter lacks, its serial number)
 *   stays in the session; `start()` resets only the poll.
 * - What a person should read is queued and taken with `notices()`.
 * - Speed changes travel with the requests (`baud`, `baudAfter`), so an
 *   IEC 62056-21 mode C pull fits: sign-on at 300 baud, identification,
 *   option select with `delay` (the meter's reaction time), `baudAfter` and
 *   `retries: 0`, then the data block as its reply; after `gaveUp()` the
 *   session may start over from the sign-on.
 */
export interface PollSession {
  /** What the meter has told about itself so far; merged into the meter's info. */
  readonly info?: Partial<MeterInfo>;
  /** What a poll asks for, for the start-up log line: `registers 60, 63 in 1 request`. */
  describe(): string;
  /** Begins a poll, abandoning any poll in progress. */
  start(): void;
  /** The request to send now: the unanswered one again, or the next; undefined when the poll is over. */
  next(): PollRequest | undefined;
  /**
   * A complete reply to the request of `next()`. A rejection (damaged,
   * stale, or not what was asked) leaves the request unanswered.
   */
  receive(reply: Uint8Array): Result<void>;
  /** No complete reply came in time; `partial` is what did arrive (maybe nothing). */
  timedOut(partial: Uint8Array): Silence;
  /** The attempts at the request of `next()` ran out without an accepted reply. */
  gaveUp(): void;
  /** The values of the poll that just ended, read at `time` (ISO 8601); undefined for no reading. */
  reading(time: string): Value[] | undefined;
  /** The notices queued since the last call, oldest first. */
  notices(): Notice[];
}

/** What a polled meter needs of a serial port (a {@link SerialPort}, or a fake in tests). */
export type PolledPort = Pick<SerialPort, "request" | "close" | "connected" | "lastError">;

/** Retries per request after a timeout or a rejected reply, unless told otherwise. */
export const DEFAULT_RETRIES = 2;

/** Options of {@link PolledMeter}. */
export interface PolledMeterOptions {
  /** The meter id (the environment name). */
  id: string;
  /** Manufacturer and model; what the session learns (the serial number) is added. */
  info: MeterInfo;
  /** Seconds from the start of one poll to the start of the next. */
  interval: number;
  /** Seconds to wait for each reply, unless a request says otherwise. */
  timeout: number;
  /** Retries per request; {@link DEFAULT_RETRIES} unless told otherwise. */
  retries?: number;
  port: PolledPort;
  session: PollSession;
  log: Logger;
  /** Wall clock for the time of a reading, in ms since the epoch; `Date.now` by default. */
  now?: () => number;
  /**
   * Monotonic clock for the schedule, in ms; `performance.now` by default, so
   * a step of the wall clock (NTP at boot) neither delays nor hurries a poll.
   */
  clock?: () => number;
  /** Waiting between polls and before a request's `delay`; `sleep` from time.ts by default. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * When the poll after one that was due at `due` starts: `interval` later,
 * so polls keep their rhythm however long each takes (no drift), or at
 * once (`now`) when a poll overran its interval.
 */
export function nextPollAt(due: number, intervalMs: number, now: number): number {
  return Math.max(due + intervalMs, now);
}

function formatSeconds(value: number): string {
  return `${Number(value.toFixed(3))} s`;
}

/** A meter polled through a {@link PollSession}; see the module documentation. */
export class PolledMeter implements Meter {
  readonly id: string;
  readonly interval: number;
  #info: MeterInfo;
  #stats: MeterStats = emptyStats();
  #options: PolledMeterOptions;
  #session: PollSession;
  #tally: Tally;
  #retries: number;

  /** Throws a RangeError for an interval or timeout that is not a positive number of seconds. */
  constructor(options: PolledMeterOptions) {
    for (const key of ["interval", "timeout"] as const) {
      const seconds = options[key];
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw new RangeError(`polled meter ${key} must be positive seconds, not ${seconds}`);
      }
    }
    this.id = options.id;
    this.#info = { ...options.info };
    this.interval = options.interval;
    this.#options = options;
    this.#session = options.session;
    this.#tally = new Tally(this.#stats, options.log);
    this.#retries = Math.max(0, Math.floor(options.retries ?? DEFAULT_RETRIES));
  }

  /** What the meter is known as so far: its manufacturer and model, and what the session told. */
  get info(): MeterInfo {
    return { ...this.#info };
  }

  /** The counters so far, as a copy. */
  get stats(): MeterStats {
    return snapshotStats(this.#stats);
  }

  /**
   * Polls at once and then every `interval` seconds until `signal` aborts;
   * closes the port. The identity comes first, the counters after every poll.
   */
  async *events(signal: AbortSignal): AsyncIterable<MeterEvent> {
    const { port, log, clock = () => performance.now(), sleep: wait = sleep } = this.#options;
    const intervalMs = this.interval * 1000;
    log.info(
      `polling ${this.#session.describe()} every ${formatSeconds(this.interval)} ` +
        `(reply timeout ${formatSeconds(this.#options.timeout)}, ${this.#retries} retries)`,
    );
    let told = this.info;
    yield { kind: "identity", info: told };
    try {
      let due = clock();
      while (!signal.aborted) {
        const reading = await this.poll(signal);
        if (!signal.aborted) {
          if (!sameInfo(told, this.#info)) {
            told = this.info;
            yield { kind: "identity", info: told };
          }
          yield { kind: "stats", stats: this.stats };
          if (reading) yield { kind: "reading", reading };
        }
        due = nextPollAt(due, intervalMs, clock());
        await wait(Math.max(0, due - clock()), signal);
      }
    } finally {
      await port.close();
    }
  }

  /** One poll; undefined when it made no reading (or `signal` aborted). */
  async poll(signal: AbortSignal): Promise<Reading | undefined> {
    const time = isoLocal(new Date((this.#options.now ?? Date.now)()));
    const session = this.#session;
    session.start();
    this.#settle();
    for (let request = session.next(); request; request = session.next()) {
      const aborted = !(await this.#exchange(request, signal));
      this.#settle();
      if (aborted) return undefined;
    }
    const values = session.reading(time);
    this.#settle();
    if (!values) return undefined;
    this.#stats.lastReading = time;
    return { meter: this.id, time, values };
  }

  /**
   * Sends `request` until the session accepts a reply or the attempts run
   * out (then tells the session); every failed attempt is tallied. False
   * when `signal` aborted.
   */
  async #exchange(request: PollRequest, signal: AbortSignal): Promise<boolean> {
    const { port } = this.#options;
    const session = this.#session;
    const attempts = 1 + Math.max(0, Math.floor(request.retries ?? this.#retries));
    const timeout = request.timeout ?? this.#options.timeout;
    const line = { baud: request.baud, baudAfter: request.baudAfter };
    const delay = Math.max(0, request.delay ?? 0);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (delay > 0) {
        await (this.#options.sleep ?? sleep)(delay, signal);
        if (signal.aborted) return false;
      }
      const reply = await port.request(
        request.bytes,
        request.isComplete,
        timeout * 1000,
        signal,
        line,
      );
      if (signal.aborted) return false;
      const tries = `attempt ${attempt} of ${attempts}`;
      if (!reply || !request.isComplete(reply)) {
        const silence = session.timedOut(reply ?? new Uint8Array(0));
        const message = !port.connected && port.lastError
          ? `${request.what}: no reply: ${port.lastError} (${tries})`
          : `${request.what}: ${silence.reply} within ${formatSeconds(timeout)} (${tries})` +
            (silence.hint ? `; ${silence.hint}` : "");
        this.#tally.rejected({ reason: "timeout", message });
        continue;
      }
      const result = session.receive(reply);
      if (!result.ok) {
        const { reason, message } = result.error;
        this.#tally.rejected({ reason, message: `${request.what}: ${message} (${tries})` });
        this.#settle();
        continue;
      }
      this.#tally.decoded();
      return true;
    }
    session.gaveUp();
    return true;
  }

  /** Logs the session's notices and takes in what it learnt about the meter. */
  #settle(): void {
    const { log } = this.#options;
    for (const notice of this.#session.notices()) log[notice.level](notice.message);
    for (const [key, value] of Object.entries(this.#session.info ?? {})) {
      if (value !== undefined) Object.assign(this.#info, { [key]: value });
    }
  }
}
