/**
 * The Kamstrup poller: reads a MULTICAL 403 (or kin) through an optical
 * head with the Kamstrup Meter Protocol. Every `interval` seconds it asks
 * for the configured registers in as few GetRegister requests as possible,
 * each with a per-reply timeout and a bounded retry, and turns the answers
 * into one reading. Once registers answer, the serial number is asked for
 * until the meter tells it, or has failed to in three polls.
 *
 * What goes wrong is counted and logged through the tally, never published:
 * a reply that does not arrive is a `timeout`, a damaged one (`crc`,
 * `framing`, `decode`) is asked for again. A meter that does not answer at
 * all (head moved, optical port asleep) gives no reading, so the sinks see
 * the silence, and is read again as soon as it answers. A register the
 * meter leaves out of a valid reply is not asked for again.
 */
import type { Logger } from "../../log.ts";
import type { MeterInfo, Quantity, Reading } from "../../reading.ts";
import type { Result } from "../../result.ts";
import type { SerialPort } from "../../serial/port.ts";
import { isoLocal, sleep } from "../../time.ts";
import { emptyStats, type Meter } from "../meter.ts";
import { Tally } from "../tally.ts";
import { findFrame, findReply, START_REQUEST, START_RESPONSE } from "./frame.ts";
import { decodeSerialResponse, encodeGetSerialNo } from "./identity_codec.ts";
import { dropUnanswered, nextPollAt, planRequests, unanswered } from "./plan.ts";
import { decodeRegisterResponse, encodeGetRegister, type Register } from "./register_codec.ts";
import { registerRow } from "./registers.ts";
import { toValues } from "./values.ts";

/** The time a poll read the meter, published as `meter/timestamp`. */
export const READ_TIME: Quantity = {
  node: "meter",
  property: "timestamp",
  name: "Read time",
  datatype: "datetime",
  kind: "info",
};

/** Retries per request after a timeout or a damaged reply, unless told otherwise. */
export const DEFAULT_RETRIES = 2;

/** What the poller needs of a serial port (a {@link SerialPort}, or a fake in tests). */
export type KmpPort = Pick<SerialPort, "request" | "close" | "connected" | "lastError">;

/** Options of {@link KamstrupMeter}. */
export interface KamstrupMeterOptions {
  /** The meter id (the environment name). */
  id: string;
  /** Seconds from the start of one poll to the start of the next. */
  interval: number;
  /** Seconds to wait for each reply. */
  timeout: number;
  /** Register ids to read, 0..65535. */
  registers: readonly number[];
  port: KmpPort;
  log: Logger;
  /** Retries per request; {@link DEFAULT_RETRIES} unless told otherwise. */
  retries?: number;
  /** Clock; `Date.now` by default. */
  now?: () => number;
  /** Waiting between polls; `sleep` from time.ts by default. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** How one request ended: the decoded reply, or whether the meter kept silent throughout. */
type Exchange<T> = { ok: true; value: T } | { ok: false; silent: boolean };

/** Polls with a reading but no serial number after which smr stops asking for it. */
const SERIAL_POLLS = 3;

const isComplete = (reply: Uint8Array) => findReply(reply) !== undefined;

function formatSeconds(value: number): string {
  return `${Number(value.toFixed(3))} s`;
}

function describeRegisters(ids: readonly number[]): string {
  return ids.map((id) => `${id} (${registerRow(id).name})`).join(", ");
}

/** A Kamstrup heat meter read through an optical head; see the module documentation. */
export class KamstrupMeter implements Meter {
  readonly id: string;
  readonly info: MeterInfo = { manufacturer: "Kamstrup", model: "MULTICAL 403" };
  readonly interval: number;
  readonly stats = emptyStats();
  #options: KamstrupMeterOptions;
  #tally: Tally;
  #attempts: number;
  #timeoutMs: number;
  /** The registers still read, in configured order. */
  #wanted: number[];
  #warned = new Set<string>();
  #serialMisses = 0;

  /** Throws when `registers` is empty or holds an id outside 0..65535. */
  constructor(options: KamstrupMeterOptions) {
    const bad = options.registers.find((id) => !Number.isInteger(id) || id < 0 || id > 0xffff);
    if (options.registers.length === 0 || bad !== undefined) {
      throw new RangeError(
        `Kamstrup registers must be a non-empty list of ids 0..65535, not [${options.registers}]`,
      );
    }
    this.id = options.id;
    this.interval = options.interval;
    this.#options = options;
    this.#tally = new Tally(this.stats, options.log);
    this.#attempts = 1 + Math.max(0, options.retries ?? DEFAULT_RETRIES);
    this.#timeoutMs = options.timeout * 1000;
    this.#wanted = [...new Set(options.registers)];
  }

  /** The registers still read: the configured ones minus those the meter lacks. */
  get registers(): readonly number[] {
    return this.#wanted;
  }

  /** Polls at once and then every `interval` seconds until `signal` aborts; closes the port. */
  async *readings(signal: AbortSignal): AsyncIterable<Reading> {
    const { port, log, now = Date.now, sleep: wait = sleep } = this.#options;
    const intervalMs = this.interval * 1000;
    const requests = planRequests(this.#wanted).length;
    const timeout = formatSeconds(this.#options.timeout);
    log.info(
      `polling registers ${this.#wanted.join(", ")} every ${formatSeconds(this.interval)} in ` +
        `${requests} requests (reply timeout ${timeout}, ${this.#attempts - 1} retries)`,
    );
    try {
      let due = now();
      while (!signal.aborted) {
        const reading = await this.poll(signal);
        if (reading && !signal.aborted) yield reading;
        due = nextPollAt(due, intervalMs, now());
        await wait(due - now(), signal);
      }
    } finally {
      await port.close();
    }
  }

  /**
   * One poll: every wanted register, then the serial number while unknown.
   * Undefined when no register value came back (or `signal` aborted).
   */
  async poll(signal: AbortSignal): Promise<Reading | undefined> {
    const time = isoLocal(new Date((this.#options.now ?? Date.now)()));
    const registers = new Map<number, Register>();
    const missing: number[] = [];
    for (const ids of planRequests(this.#wanted)) {
      const reply = await this.#exchange(
        encodeGetRegister(ids),
        `GetRegister ${ids.join(", ")}`,
        (bytes) => decodeRegisterResponse(bytes, { ids }),
        signal,
      );
      if (!reply) return undefined;
      if (!reply.ok) {
        if (reply.silent) break;
        continue;
      }
      for (const register of reply.value) registers.set(register.id, register);
      missing.push(...unanswered(ids, reply.value));
    }
    const order = this.#wanted;
    this.#drop(missing);
    if (registers.size === 0) return undefined;
    if (!await this.#askSerial(signal)) return undefined;
    this.stats.lastReading = time;
    const values = toValues(
      order.filter((id) => registers.has(id)).map((id) => registers.get(id)!),
      { onWarning: (message) => this.#warnOnce(message) },
    );
    return { meter: this.id, time, values: [{ ...READ_TIME, value: time }, ...values] };
  }

  /**
   * Asks for the serial number while it is unknown and the meter has not
   * failed to tell it in {@link SERIAL_POLLS} polls. False when `signal` aborted.
   */
  async #askSerial(signal: AbortSignal): Promise<boolean> {
    if (this.info.serial !== undefined || this.#serialMisses >= SERIAL_POLLS) return true;
    const serial = await this.#exchange(
      encodeGetSerialNo(),
      "GetSerialNo",
      decodeSerialResponse,
      signal,
    );
    if (!serial) return false;
    if (serial.ok) {
      this.info.serial = serial.value;
      this.#options.log.info(`meter serial number ${serial.value}`);
    } else if (++this.#serialMisses === SERIAL_POLLS) {
      this.#options.log.warn(
        `the meter did not tell its serial number in ${SERIAL_POLLS} polls; no longer asking`,
      );
    }
    return true;
  }

  /**
   * Sends a request until a reply decodes or the attempts run out; every
   * failed attempt is tallied. Undefined when `signal` aborted.
   */
  async #exchange<T>(
    request: Uint8Array,
    what: string,
    decode: (reply: Uint8Array) => Result<T>,
    signal: AbortSignal,
  ): Promise<Exchange<T> | undefined> {
    const { port } = this.#options;
    let silent = true;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const bytes = await port.request(request, isComplete, this.#timeoutMs, signal);
      if (signal.aborted) return undefined;
      const found = bytes && findReply(bytes);
      const tries = `attempt ${attempt} of ${this.#attempts}`;
      if (!found) {
        this.#tally.rejected({ reason: "timeout", message: this.#silence(what, bytes, tries) });
        continue;
      }
      silent = false;
      const result = decode(found.frame);
      if (!result.ok) {
        const { reason, message } = result.error;
        this.#tally.rejected({ reason, message: `${what}: ${message} (${tries})` });
        continue;
      }
      this.#tally.decoded();
      return result;
    }
    return { ok: false, silent };
  }

  /** Why no complete reply came, in words a person at the meter can act on. */
  #silence(what: string, bytes: Uint8Array | undefined, tries: string): string {
    const { port } = this.#options;
    const within = `within ${formatSeconds(this.#options.timeout)}`;
    if (!port.connected && port.lastError) return `${what}: no reply: ${port.lastError} (${tries})`;
    if (!bytes) {
      return `${what}: no reply ${within} (${tries}); check that the optical head sits on the ` +
        `meter's optical port and that meter.device is the head`;
    }
    if (findFrame(bytes, START_REQUEST) && !bytes.includes(START_RESPONSE)) {
      return `${what}: only the echo of the request came back ${within} (${tries}): the head ` +
        `works but the meter does not answer; check the head's position on the optical port`;
    }
    return `${what}: incomplete reply (${bytes.length} bytes) ${within} (${tries}); ` +
      `check the head's position and meter.baud`;
  }

  /** Stops reading registers a valid reply left out; one log line per poll. */
  #drop(missing: readonly number[]): void {
    if (missing.length === 0) return;
    const { keep, dropped, none } = dropUnanswered(this.#wanted, missing);
    if (none) {
      this.#warnOnce(
        `the meter answers none of the registers ${this.#wanted.join(", ")}; ` +
          "check meter.registers against the meter's register list",
        "error",
      );
      return;
    }
    this.#wanted = keep;
    this.#options.log.warn(
      `the meter does not answer register ${describeRegisters(dropped)}; no longer reading ` +
        `${dropped.length === 1 ? "it" : "them"} (remove from meter.registers to silence this)`,
    );
  }

  #warnOnce(message: string, level: "warn" | "error" = "warn"): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#options.log[level](message);
  }
}
