/**
 * IEC 62056-21 readouts on request (modes A, B and C) as a poll session for
 * `PolledMeter` (../polled_meter.ts), around the pure {@link PullSession}:
 * the session says what to send, at which speed, when and how long to wait;
 * `PolledMeter` owns the port and the clock.
 *
 * One exchange, as requests:
 * 1. the sign-on `/?!` CR LF (or `/?<address>!` CR LF) at 300 baud; its
 *    reply is complete with the identification line `/XXXZ<ident>`, or, for
 *    a mode A meter that sends its data right after it, with the data block;
 * 2. mode C: the option select `ACK 0 Z 0` CR LF, sent 200 ms (20 ms for a
 *    fast meter) after the identification, still at 300 baud, then the line
 *    switches to the rate Z names (`baudSwitch`, the default) or stays at
 *    300 (Z = `0`); mode B: nothing is sent, the line switches to the
 *    meter's rate. The reply is the data block `STX … ! CR LF ETX BCC`. This
 *    request is never repeated: after it the meter has changed speed.
 *
 * A block whose BCC does not match is a `crc` rejection, a block that does
 * not complete in time a `timeout`; both are counted by the poller, give no
 * value, and the exchange starts over from the sign-on (after a pause that
 * lets the meter fall back to 300 baud), up to `1 + retries` exchanges per
 * poll. A meter that does not answer the sign-on at all ends the poll. The
 * next poll signs on at 300 baud again, whatever speed the last one ended at.
 *
 * Timeouts follow the line: the sign-on waits {@link SIGN_ON_TIMEOUT}
 * seconds, a data block the time its size takes at its speed (the size of
 * the last readout, 2 KiB until one came) with half as much again and
 * {@link DATA_SLACK} seconds on top. A mode A meter sends its whole readout
 * at 300 baud as the reply to the sign-on: once a meter has shown mode A,
 * the sign-on waits for that too (when the first sign-on to such a meter
 * times out in the middle of its readout, the exchange starts over with the
 * longer wait once that sign-on's attempts have run out).
 */
import { latin1Text } from "../../bytes.ts";
import type { Level } from "../../log.ts";
import type { MeterInfo, Value } from "../../reading.ts";
import { ok, reject, type Result } from "../../result.ts";
import {
  DEFAULT_RETRIES,
  type Notice,
  type PollRequest,
  type PollSession,
  READ_TIME,
  type Silence,
} from "../polled_meter.ts";
import type { Identification } from "./identification.ts";
import type { Readout } from "./readout.ts";
import { DEFAULT_MAX_BLOCK_BYTES, PullSession, type SessionEvent } from "./session.ts";
import { readoutInfo, readoutValues } from "./values.ts";

/** The speed every sign-on is sent at (IEC 62056-21 modes A, B and C), 7E1. */
export const SIGN_ON_BAUD = 300;

/**
 * Seconds to wait for the identification: the longest reaction time a meter
 * may take (1.5 s), the echo of the request and a long identification line
 * at 300 baud (about 1.5 s), with room for a slow machine.
 */
export const SIGN_ON_TIMEOUT = 5;

/**
 * Seconds added to the transfer time of a data block: the meter's reaction
 * time (up to 1.5 s), the speed change of the port, and room for a slow
 * machine.
 */
export const DATA_SLACK = 5;

/**
 * Milliseconds waited before signing on again after a failed exchange:
 * longer than the longest pause IEC 62056-21 allows inside a message
 * (1.5 s), so a meter cut off in the middle of one has given up and
 * listens at 300 baud again.
 */
export const RESTART_DELAY = 1600;

/** Bytes a data block is assumed to hold until a readout tells its size. */
const ASSUMED_BLOCK_BYTES = 2048;

/** Bits on the line per character: start, 7 data bits, parity, stop. */
const BITS_PER_CHAR = 10;

const STX = 0x02;
const ETX = 0x03;

/** Options of {@link D0PollSession}. */
export interface D0PollSessionOptions {
  /** Device address sent in the sign-on, `/?<address>!`; none by default. */
  address?: string;
  /**
   * Whether a mode C meter is asked to switch to the rate it offers (true
   * by default); false keeps the whole exchange at 300 baud, for heads that
   * cannot follow.
   */
  baudSwitch?: boolean;
  /**
   * Exchanges started over after a failed one (wrong BCC, a block that did
   * not complete) within one poll; {@link DEFAULT_RETRIES} by default.
   */
  retries?: number;
  /** Largest data block kept, in bytes (16 KiB by default). */
  maxBytes?: number;
}

/** A request of the session: the sign-on, or what brings the data block. */
interface D0Request extends PollRequest {
  stage: "sign-on" | "data";
  /** The speed of the data block's reply (data stage). */
  dataBaud?: number;
}

/** Seconds `bytes` take on the line at `baud`. */
function transferSeconds(bytes: number, baud: number): number {
  return (bytes * BITS_PER_CHAR) / baud;
}

/** Bytes as text for a log line, line ends and control characters left out. */
function printable(bytes: Uint8Array): string {
  return latin1Text(bytes.filter((byte) => byte >= 0x20));
}

/** The speed of the data block after `identification`: the meter's rate unless it stays at 300. */
function dataBaudOf(identification: Identification, baudSwitch: boolean): number {
  const { mode, baud } = identification;
  return mode === "B" || (mode === "C" && baudSwitch) ? baud : SIGN_ON_BAUD;
}

/** An IEC 62056-21 meter read on request; see the module documentation. */
export class D0PollSession implements PollSession {
  readonly info: Partial<MeterInfo> = {};
  readonly #pull: PullSession;
  /** A second session that reads replies without touching the exchange: is one complete yet? */
  readonly #scratch: PullSession;
  readonly #address: string | undefined;
  readonly #baudSwitch: boolean;
  readonly #maxBytes: number;
  readonly #exchanges: number;
  #notices: Notice[] = [];
  #warned = new Set<string>();
  /** The identification of the last exchange, kept across polls: its mode sets the waits. */
  #known: Identification | undefined;
  /** Bytes of the last complete reply holding a data block. */
  #blockBytes = ASSUMED_BLOCK_BYTES;
  // The poll in progress:
  #started = 0;
  #request: D0Request | undefined;
  #readout: Readout | undefined;
  #over = true;
  /** Whether a sign-on that timed out showed a mode A meter the wait was too short for. */
  #longer = false;

  /** Throws a RangeError for an invalid address, retries or maxBytes. */
  constructor(options: D0PollSessionOptions = {}) {
    this.#address = options.address;
    this.#baudSwitch = options.baudSwitch ?? true;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BLOCK_BYTES;
    this.#pull = this.#session();
    this.#scratch = this.#session();
    const retries = options.retries ?? DEFAULT_RETRIES;
    if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
      throw new RangeError("retries must be an integer from 0 to 10");
    }
    this.#exchanges = 1 + retries;
  }

  describe(): string {
    const request = printable(this.#scratch.start());
    const data = this.#baudSwitch ? "the rate the meter offers" : "300 baud (no baud switch)";
    return `IEC 62056-21 readouts (sign-on ${request} at ${SIGN_ON_BAUD} baud, data at ${data})`;
  }

  start(): void {
    this.#started = 0;
    this.#request = undefined;
    this.#readout = undefined;
    this.#over = false;
    this.#longer = false;
  }

  next(): PollRequest | undefined {
    if (this.#request) return this.#request;
    if (this.#over || this.#readout) return undefined;
    this.#request = this.#signOn();
    return this.#request;
  }

  /** Throws a TypeError when no request is waiting for a reply. */
  receive(reply: Uint8Array): Result<void> {
    const request = this.#waiting("receive");
    if (request.stage === "sign-on") this.#pull.start();
    const events = this.#pull.receive(reply);
    const identification = this.#pull.identification;
    if (request.stage === "sign-on" && identification) this.#identified(identification);
    const rejection = events.find((e) => e.type === "rejection");
    if (rejection) return reject(rejection.error.reason, rejection.error.message);
    const readout = events.find((e) => e.type === "readout");
    if (readout) {
      this.#done(readout.readout, reply.length);
      return ok(undefined);
    }
    if (request.stage === "sign-on" && this.#pull.state === "data") {
      this.#request = this.#dataRequest(events);
      return ok(undefined);
    }
    return reject("framing", "the reply holds no complete identification or data block");
  }

  timedOut(partial: Uint8Array): Silence {
    const request = this.#waiting("timedOut");
    return request.stage === "sign-on"
      ? this.#signOnSilence(request, partial)
      : this.#dataSilence(request, partial);
  }

  /** Throws a TypeError when no request is waiting for a reply. */
  gaveUp(): void {
    const request = this.#waiting("gaveUp");
    this.#request = undefined;
    const again = request.stage === "data" || this.#longer;
    if (!again || this.#started >= this.#exchanges) this.#over = true;
  }

  reading(time: string): Value[] | undefined {
    const readout = this.#readout;
    if (!readout) return undefined;
    const values = readoutValues(readout.sets);
    if (values.length === 0) {
      const codes = readout.sets.map((set) => set.id).join(", ");
      this.#once(
        "warn",
        `the readout holds no value smr knows (data sets: ${codes || "none"}); ` +
          "nothing to publish",
      );
      return undefined;
    }
    const stamped = values.some((v) => v.node === "meter" && v.property === "timestamp");
    return stamped ? values : [{ ...READ_TIME, value: time }, ...values];
  }

  notices(): Notice[] {
    const notices = this.#notices;
    this.#notices = [];
    return notices;
  }

  /** A pull session with this meter's options. */
  #session(): PullSession {
    return new PullSession({
      address: this.#address,
      baudSwitch: this.#baudSwitch,
      maxBytes: this.#maxBytes,
    });
  }

  /** The request waiting for a reply; a call without one is the driver's mistake. */
  #waiting(call: string): D0Request {
    if (!this.#request) throw new TypeError(`${call}() without a request from next()`);
    return this.#request;
  }

  /** The sign-on of a new exchange. */
  #signOn(): D0Request {
    this.#started++;
    this.#longer = false;
    const bytes = this.#pull.start();
    const modeA = this.#known?.mode === "A";
    return {
      stage: "sign-on",
      what: `sign-on ${printable(bytes)}`,
      bytes,
      baud: SIGN_ON_BAUD,
      timeout: SIGN_ON_TIMEOUT + (modeA ? this.#blockSeconds(SIGN_ON_BAUD) - DATA_SLACK : 0),
      ...(this.#started > 1 ? { delay: RESTART_DELAY } : {}),
      isComplete: (reply) => this.#signOnEvents(reply).some((e) => e.type !== "need-data"),
    };
  }

  /** The option select (mode C) or the plain wait (mode B) that brings the data block. */
  #dataRequest(events: SessionEvent[]): D0Request {
    const send = events.find((e) => e.type === "send");
    const switched = events.find((e) => e.type === "switch-baud");
    const dataBaud = switched?.baud ?? SIGN_ON_BAUD;
    const common = {
      stage: "data" as const,
      dataBaud,
      retries: 0,
      timeout: this.#blockSeconds(dataBaud),
      isComplete: (reply: Uint8Array) => this.#blockComplete(reply),
    };
    if (send) {
      const z = String.fromCharCode(send.bytes[2]);
      return {
        ...common,
        what: `option select ACK 0 ${z} 0 (data at ${dataBaud} baud)`,
        bytes: send.bytes,
        baud: SIGN_ON_BAUD,
        baudAfter: switched?.baud,
        delay: send.delay,
      };
    }
    return {
      ...common,
      what: `data block (mode B, at ${dataBaud} baud)`,
      bytes: new Uint8Array(0),
      baud: dataBaud,
    };
  }

  /** Seconds to wait for a data block at `baud`. */
  #blockSeconds(baud: number): number {
    return DATA_SLACK + transferSeconds(Math.ceil(this.#blockBytes * 1.5), baud);
  }

  /** What the scratch session makes of a reply to the sign-on. */
  #signOnEvents(reply: Uint8Array): SessionEvent[] {
    this.#scratch.start();
    return this.#scratch.receive(reply);
  }

  /**
   * Whether a reply holds a data block: from its first STX an ETX and the
   * BCC after it, as the pull session collects it, or more bytes than a
   * block may have (the session then rejects it).
   */
  #blockComplete(reply: Uint8Array): boolean {
    const stx = reply.indexOf(STX);
    if (stx < 0) return reply.length > this.#maxBytes;
    const etx = reply.indexOf(ETX, stx + 1);
    return etx >= 0 ? etx + 1 < reply.length : reply.length - stx > this.#maxBytes;
  }

  /** Keeps the meter's identification; a new one is logged with its mode and data speed. */
  #identified(identification: Identification): void {
    const before = this.#known;
    this.#known = identification;
    if (before?.line === identification.line) return;
    const { line, mode, baud } = identification;
    const dataBaud = dataBaudOf(identification, this.#baudSwitch);
    const kept = dataBaud !== baud && mode === "C"
      ? ` (meter.baud_switch = false; it offers ${baud})`
      : "";
    this.#notices.push({
      level: "info",
      message: `meter ${line}: mode ${mode}, data at ${dataBaud} baud${kept}`,
    });
  }

  #done(readout: Readout, bytes: number): void {
    this.#readout = readout;
    this.#request = undefined;
    this.#blockBytes = Math.max(256, bytes);
    for (const [key, value] of Object.entries(readoutInfo(readout))) {
      if (value !== undefined) Object.assign(this.info, { [key]: value });
    }
  }

  #signOnSilence(request: D0Request, partial: Uint8Array): Silence {
    if (partial.length === 0) {
      return {
        reply: "no identification",
        hint: "check that the head sits on the meter's optical window and that meter.device " +
          "is the head",
      };
    }
    const session = this.#scratch;
    this.#signOnEvents(partial);
    const identification = session.identification;
    if (!identification) {
      const echo = printable(partial) === printable(request.bytes);
      return echo
        ? {
          reply: "only the echo of the sign-on came back",
          hint: "the head works but the meter does not answer: check the head's position on " +
            "the optical window",
        }
        : {
          reply: `no identification in ${partial.length} bytes`,
          hint: "check the head's position and that the line is 7E1 " +
            '(meter.databits = 7, meter.parity = "even")',
        };
    }
    const wasModeA = this.#known?.mode === "A";
    this.#identified(identification);
    if (identification.mode === "A" && !wasModeA) {
      this.#longer = true;
      return {
        reply: `the mode A readout of ${identification.line} did not complete`,
        hint: "it comes at 300 baud: signing on again with a longer wait",
      };
    }
    const [event] = session.timeout();
    const message = event?.type === "rejection" ? event.error.message : "the readout stopped";
    return { reply: `${identification.line}: ${message}` };
  }

  #dataSilence(request: D0Request, partial: Uint8Array): Silence {
    const stx = partial.indexOf(STX);
    const reply = stx < 0
      ? "no data block (STX) came"
      : `the data block stopped after ${partial.length - stx} bytes without ETX and BCC`;
    const baud = request.dataBaud ?? SIGN_ON_BAUD;
    const hint = baud !== SIGN_ON_BAUD && request.baudAfter !== undefined
      ? `if this repeats, the meter or the head may not manage ${baud} baud: ` +
        "try meter.baud_switch = false"
      : undefined;
    return hint ? { reply, hint } : { reply };
  }

  #once(level: Level, message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#notices.push({ level, message });
  }
}
