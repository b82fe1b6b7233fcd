/**
 * The pull side of IEC 62056-21 (modes A, B and C) as a state machine
 * without I/O: it says what to send and what it waits for, and turns the
 * bytes received into events. The caller owns the serial port and the clock.
 *
 * One exchange, as the session sees it:
 * 1. `start()` returns the sign-on request `/?!` CR LF (or `/?<address>!`
 *    CR LF), to be written at 300 baud 7E1.
 * 2. `receive(chunk)` skips the echo of the request and anything else until
 *    an identification line `/XXXZ<ident>` CR LF. Its baud rate character
 *    tells the mode:
 *    - mode C (`0`..`6`): the session asks to send the acknowledgement /
 *      option select `ACK 0 Z 0` CR LF (data readout). With `baudSwitch`
 *      it offers the meter's rate Z and then asks to switch the port to it;
 *      without, it sends Z = `0` and everything stays at 300 baud;
 *    - mode B (`A`..`F`): the meter switches by itself right after its
 *      identification, so the session asks to switch too (whatever
 *      `baudSwitch` says) and sends nothing;
 *    - mode A (any other character): the data follows at 300 baud.
 * 3. `receive(chunk)` skips everything up to STX (the echo of the
 *    acknowledgement), collects the data block up to ETX and the BCC, checks
 *    the BCC and emits the readout, or a `crc` rejection when it does not
 *    match. The session is then finished.
 * 4. When the caller's clock runs out first, `timeout()` ends the exchange
 *    with a `timeout` rejection.
 *
 * A driver loop, in outline (`port` stands for whatever owns the serial line):
 * ```ts
 * const session = new PullSession({ baudSwitch: true });
 * await port.setBaud(300);
 * await port.write(session.start());
 * while (session.state === "identification" || session.state === "data") {
 *   const chunk = await port.read(deadline); // undefined when the deadline passed
 *   const events = chunk ? session.receive(chunk) : session.timeout();
 *   for (const event of events) {
 *     switch (event.type) {
 *       case "send": await sleep(event.delay); await port.write(event.bytes); break;
 *       case "switch-baud": await port.drain(); await port.setBaud(event.baud); break;
 *       case "readout": yield readoutDecoded(event.readout); break;
 *       case "rejection": tally.rejected(event.error); break;
 *       case "need-data": break; // keep reading
 *     }
 *   }
 * }
 * ```
 */
import { concat, latin1, latin1Text } from "../../bytes.ts";
import type { Rejection } from "../../result.ts";
import {
  type Identification,
  isIdentificationStart,
  parseIdentification,
} from "./identification.ts";
import { parseDataMessage, type Readout } from "./readout.ts";

/** Options of a {@link PullSession}. */
export interface PullSessionOptions {
  /**
   * Device address sent in the request, `/?<address>!` (up to 32 digits,
   * letters or spaces); none by default, which any meter answers.
   */
  address?: string;
  /**
   * Whether a mode C meter is asked to switch to the baud rate it offers
   * (true by default); false keeps the whole exchange at 300 baud.
   */
  baudSwitch?: boolean;
  /**
   * NUL bytes sent before the request to wake meters on battery (the
   * Landis+Gyr ULTRAHEAT wants a burst of them); 0 by default.
   */
  wakeUp?: number;
  /** Largest data block kept, in bytes (16 KiB by default). */
  maxBytes?: number;
}

/**
 * What the session waits for: `idle` before `start()`, `identification`
 * for the answer to the request, `data` for the data block, `done` after a
 * readout, `failed` after a rejection.
 */
export type PullState = "idle" | "identification" | "data" | "done" | "failed";

/**
 * What the caller does next, in order:
 * - `need-data`: read more bytes and pass them to `receive`;
 * - `send`: wait `delay` ms after the last byte received (the meter's
 *   reaction time), then write `bytes` at the current baud rate;
 * - `switch-baud`: once everything written so far has left the port, set it
 *   to `baud` (still 7E1);
 * - `readout`: a complete readout whose BCC matched; the exchange is done;
 * - `rejection`: the exchange failed (BCC, framing, reserved baud character,
 *   timeout); start a new one later.
 */
export type SessionEvent =
  | { type: "need-data" }
  | { type: "send"; bytes: Uint8Array; delay: number }
  | { type: "switch-baud"; baud: number }
  | { type: "readout"; readout: Readout }
  | { type: "rejection"; error: Rejection };

/** Default bound of a data block in bytes. */
export const DEFAULT_MAX_BLOCK_BYTES = 16384;

/** Longest identification line looked for, `/` and line end included. */
const MAX_IDENTIFICATION = 128;

/** Reaction time before the acknowledgement, ms: 200, or 20 for a lower-case third letter. */
const REACTION = 200;
const FAST_REACTION = 20;

const STX = 0x02;
const ETX = 0x03;
const ACK = 0x06;
const LF = 0x0a;
const SLASH = 0x2f;

const ADDRESS = /^[0-9A-Za-z ]{1,32}$/;

const NEED_DATA: SessionEvent = Object.freeze({ type: "need-data" });

/** A pull readout (modes A, B, C) as a state machine; see the module comment. */
export class PullSession {
  readonly #request: Uint8Array;
  readonly #baudSwitch: boolean;
  readonly #max: number;
  #state: PullState = "idle";
  #baud = 300;
  #identification: Identification | undefined;
  /** The unread part of the answer while waiting for the identification. */
  #pending: Uint8Array = new Uint8Array(0);
  /** The data block from its STX, in `#block[0, #length)`. */
  #block: Uint8Array = new Uint8Array(0);
  #length = 0;

  /** Creates a session; throws a RangeError for an invalid option. */
  constructor(options: PullSessionOptions = {}) {
    const { address = "", wakeUp = 0 } = options;
    if (address !== "" && !ADDRESS.test(address)) {
      throw new RangeError("address must be 1 to 32 digits, letters or spaces");
    }
    if (!Number.isInteger(wakeUp) || wakeUp < 0 || wakeUp > 1024) {
      throw new RangeError("wakeUp must be an integer from 0 to 1024");
    }
    const max = options.maxBytes ?? DEFAULT_MAX_BLOCK_BYTES;
    if (!Number.isInteger(max) || max < 16) {
      throw new RangeError("maxBytes must be an integer of at least 16");
    }
    this.#request = concat(new Uint8Array(wakeUp), latin1(`/?${address}!\r\n`));
    this.#baudSwitch = options.baudSwitch ?? true;
    this.#max = max;
  }

  /** What the session waits for. */
  get state(): PullState {
    return this.#state;
  }

  /** The baud rate the port must be at now (300 until a switch). */
  get baud(): number {
    return this.#baud;
  }

  /** The meter's identification, once received. */
  get identification(): Identification | undefined {
    return this.#identification;
  }

  /**
   * Starts an exchange (a new one in any state): returns the request to
   * write at 300 baud 7E1; the session then waits for the identification.
   */
  start(): Uint8Array {
    this.#state = "identification";
    this.#baud = 300;
    this.#identification = undefined;
    this.#pending = new Uint8Array(0);
    this.#length = 0;
    return this.#request.slice();
  }

  /**
   * Takes bytes read from the port; returns what to do, ending with
   * `need-data` while the exchange goes on. Bytes outside an exchange
   * (before `start()`, after the readout) are ignored. Never throws.
   */
  receive(chunk: Uint8Array): SessionEvent[] {
    const events: SessionEvent[] = [];
    if (this.#state === "identification") this.#identify(chunk, events);
    else if (this.#state === "data") this.#collect(chunk, events);
    return events;
  }

  /**
   * Tells the session the caller's deadline passed: ends a running exchange
   * with a `timeout` rejection (nothing outside an exchange).
   */
  timeout(): SessionEvent[] {
    const waiting = this.#state === "identification"
      ? "no identification answered the request (is the head on the meter's window?)"
      : this.#state === "data"
      ? this.#length > 0
        ? `the data block stopped after ${this.#length} bytes without ETX and BCC`
        : "no data block (STX) followed the identification"
      : undefined;
    if (waiting === undefined) return [];
    return [this.#fail("timeout", waiting)];
  }

  #identify(chunk: Uint8Array, events: SessionEvent[]): void {
    let buffer = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    for (;;) {
      let start = buffer.indexOf(SLASH);
      while (
        start >= 0 && buffer.length - start >= 4 &&
        !isIdentificationStart(latin1Text(buffer, start, start + 4))
      ) {
        start = buffer.indexOf(SLASH, start + 1);
      }
      if (start < 0) {
        this.#pending = new Uint8Array(0);
        events.push(NEED_DATA);
        return;
      }
      const lineEnd = buffer.indexOf(LF, start);
      if (lineEnd < 0) {
        if (buffer.length - start >= MAX_IDENTIFICATION) {
          buffer = buffer.subarray(start + 1);
          continue;
        }
        this.#pending = buffer.slice(start);
        events.push(NEED_DATA);
        return;
      }
      const parsed = parseIdentification(latin1Text(buffer, start, lineEnd));
      if (!parsed.ok) {
        if (parsed.error.reason === "decode") {
          events.push(this.#fail(parsed.error.reason, parsed.error.message));
          return;
        }
        // A line that is no identification (noise with a `/`): look on after it.
        buffer = buffer.subarray(lineEnd + 1);
        continue;
      }
      this.#accept(parsed.value, events);
      this.#pending = new Uint8Array(0);
      this.#state = "data";
      this.#collect(buffer.subarray(lineEnd + 1), events);
      return;
    }
  }

  /** What the identification asks for: acknowledgement and baud switch by mode. */
  #accept(identification: Identification, events: SessionEvent[]): void {
    this.#identification = identification;
    const { mode, baud, baudChar } = identification;
    if (mode === "C") {
      const switching = this.#baudSwitch && baud !== 300;
      const z = switching ? baudChar.charCodeAt(0) : 0x30;
      const delay = identification.fastReaction ? FAST_REACTION : REACTION;
      events.push({ type: "send", bytes: Uint8Array.of(ACK, 0x30, z, 0x30, 0x0d, LF), delay });
      if (switching) this.#switch(baud, events);
    } else if (mode === "B") {
      this.#switch(baud, events);
    }
  }

  #switch(baud: number, events: SessionEvent[]): void {
    if (baud === this.#baud) return;
    this.#baud = baud;
    events.push({ type: "switch-baud", baud });
  }

  /** Collects the data block from STX to the BCC after ETX, then checks it. */
  #collect(chunk: Uint8Array, events: SessionEvent[]): void {
    if (this.#length === 0) {
      const stx = chunk.indexOf(STX);
      if (stx < 0) {
        events.push(NEED_DATA);
        return;
      }
      chunk = chunk.subarray(stx);
    }
    // The block holds no ETX but possibly as its last byte, still waiting for the BCC.
    const afterEtx = this.#length > 0 && this.#block[this.#length - 1] === ETX;
    const etx = afterEtx ? -1 : chunk.indexOf(ETX, this.#length === 0 ? 1 : 0);
    const part = chunk.subarray(0, afterEtx ? 1 : etx >= 0 ? etx + 2 : chunk.length);
    if (this.#length + part.length > this.#max) {
      events.push(this.#fail("framing", `data block longer than ${this.#max} bytes`));
      return;
    }
    this.#append(part);
    const complete = afterEtx ? part.length === 1 : etx >= 0 && etx + 1 < part.length;
    if (!complete) {
      events.push(NEED_DATA);
      return;
    }
    const message = parseDataMessage(this.#block.subarray(0, this.#length), { bcc: "required" });
    this.#length = 0;
    if (!message.ok) {
      events.push(this.#fail(message.error.reason, message.error.message));
      return;
    }
    this.#state = "done";
    events.push({
      type: "readout",
      readout: { identification: this.#identification!, ...message.value },
    });
  }

  /** Appends to the data block, growing its buffer by doubling. */
  #append(bytes: Uint8Array): void {
    const need = this.#length + bytes.length;
    if (need > this.#block.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.#block.length, 256));
      grown.set(this.#block.subarray(0, this.#length));
      this.#block = grown;
    }
    this.#block.set(bytes, this.#length);
    this.#length = need;
  }

  #fail(reason: Rejection["reason"], message: string): SessionEvent {
    this.#state = "failed";
    this.#pending = new Uint8Array(0);
    this.#length = 0;
    return { type: "rejection", error: { reason, message } };
  }
}
