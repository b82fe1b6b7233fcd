/**
 * A Kamstrup MULTICAL 403 behind an optical head, played on the peer end of
 * a socat pty: it reads KMP requests, answers GetRegister and GetSerialNo
 * with frames from the KMP core's encoders (and GetType with its own), and misbehaves on
 * demand the way real setups do: the head echoes every request, the meter
 * goes quiet (head moved, optical port asleep), leaves out registers it
 * lacks, answers after the poller gave up, or a reply arrives damaged.
 * Every mode can be changed while it runs.
 */
import {
  COMMAND,
  encodeFrame,
  findFrame,
  HEAT_METER,
  parseKmpFrame,
  START_REQUEST,
  START_RESPONSE,
  STOP,
} from "../../src/meters/kamstrup/frame.ts";
import { encodeSerialResponse } from "../../src/meters/kamstrup/identity_codec.ts";
import {
  decodeGetRegisterRequest,
  encodeRegisterResponse,
  type RegisterReply,
} from "../../src/meters/kamstrup/register_codec.ts";
import { stuff, unstuff } from "../../src/meters/kamstrup/stuffing.ts";
import type { Pty } from "./pty.ts";
import { unwrap } from "../assert.ts";
import { concat } from "../../src/bytes.ts";

/**
 * Plausible MULTICAL 403 registers whose values need byte stuffing on the
 * wire: E1 396.672 MWh is mantissa `00 06 0D 80`, V1 2691.20 m³ is
 * `00 04 1B 40`, flow 128 l/h is `00 00 00 80`, power 6.4 kW is `00 00 00
 * 40`, info 13 is `00 00 00 0D`; registers 64 (0x40) and 128 (0x80) have
 * ids that are stuffed too.
 */
export const MC403_REGISTERS: readonly RegisterReply[] = [
  { id: 60, unit: 3, value: "396.672" },
  { id: 63, unit: 3, value: "0", exponent: -3 },
  { id: 68, unit: 40, value: "2691.20" },
  { id: 74, unit: 41, value: "128" },
  { id: 80, unit: 21, value: "6.4" },
  { id: 86, unit: 37, value: "67.25" },
  { id: 87, unit: 37, value: "26.91" },
  { id: 89, unit: 38, value: "40.34" },
  { id: 99, unit: 0, value: "13" },
  { id: 1004, unit: 46, value: "6886" },
  { id: 64, unit: 3, value: "12.345" },
  { id: 128, unit: 21, value: "13.6" },
];

/** Options of {@link startKamstrupSimulator}. */
export interface KamstrupSimulatorOptions {
  /** Registers the meter knows; {@link MC403_REGISTERS} unless told. */
  registers?: readonly RegisterReply[];
  /** Serial number the meter reports; `71234567` unless told. */
  serial?: string;
  /** Whether the head echoes each request before the reply; false unless told. */
  echo?: boolean;
  /** What GetType reports; type 0x0004, revision F1 unless told. */
  type?: SimulatedType;
}

/** What the simulated meter answers to GetType (command 0x01), which smr does not ask. */
export interface SimulatedType {
  /** The meter type code, 0..65535. */
  type: number;
  /** Software revision letter (1 = A .. 26 = Z) and number 0..255; `0, 0` when unavailable. */
  revision: [letter: number, number: number];
}

/** One request the simulated meter received. */
export interface SimulatedRequest {
  /** KMP command id (0x10 GetRegister, 0x02 GetSerialNo, 0x01 GetType). */
  command: number;
  /** The register ids of a GetRegister request; empty for other commands. */
  ids: number[];
  /** When it arrived (`Date.now()`). */
  at: number;
  /** Whether the meter answered it (correctly or damaged). */
  answered: boolean;
}

/** A running simulated meter; see the module documentation. */
export interface KamstrupSimulator {
  /** Whether the head echoes each request before the reply. */
  echo: boolean;
  /** Whether the meter keeps silent (the head still echoes). */
  silent: boolean;
  /** Serial number the meter reports. */
  serial: string;
  /** Register ids the meter leaves out of its replies, as a meter without them does. */
  readonly dropped: Set<number>;
  /** Every request received so far, oldest first. */
  readonly requests: SimulatedRequest[];
  /** Sets register values (id, unit, value text, optional exponent and length). */
  set(...registers: RegisterReply[]): void;
  /** Sets the value text of a known register, keeping its unit and exponent. */
  setValue(id: number, value: string): void;
  /** Keeps silent for the next `ms` milliseconds. */
  silenceFor(ms: number): void;
  /** Answers the next `count` requests `delayMs` late (after the poller's timeout). */
  answerLate(count: number, delayMs: number): void;
  /**
   * Damages the next `count` GetRegister replies: the CRC does not match.
   * With `values`, only replies holding one of their registers are damaged,
   * and they carry these values (by register id) under the CRC of the true
   * reply, so a poller that skips the check would publish them; without,
   * the CRC itself is off by one bit.
   */
  corruptNext(count?: number, values?: Record<number, string>): void;
  /** Damaged replies still to send. */
  readonly corruptPending: number;
  /** Stops answering and waits for the loop to end. */
  stop(): Promise<void>;
}

const EMPTY = new Uint8Array(0);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `frame` with a CRC that does not match its data: the data of `damaged`
 * (another frame) under the CRC of `frame`, or `frame` with its CRC's last
 * bit flipped. Stuffed again, so the damage shows as a CRC error, not as
 * broken framing.
 */
export function withBadCrc(frame: Uint8Array, damaged?: Uint8Array): Uint8Array {
  const truth = unwrap(unstuff(frame.subarray(1, frame.length - 1)));
  const body = damaged ? unwrap(unstuff(damaged.subarray(1, damaged.length - 1))) : truth.slice();
  body.set(truth.subarray(truth.length - 2), body.length - 2);
  if (!damaged || body.every((byte, i) => byte === truth[i])) body[body.length - 1] ^= 0x01;
  return concat(new Uint8Array([START_RESPONSE]), stuff(body), new Uint8Array([STOP]));
}

class Simulator implements KamstrupSimulator {
  echo: boolean;
  silent = false;
  serial: string;
  readonly dropped = new Set<number>();
  readonly requests: SimulatedRequest[] = [];
  readonly #pty: Pty;
  readonly #type: SimulatedType;
  readonly #registers = new Map<number, RegisterReply>();
  #silentUntil = 0;
  #late = { count: 0, delayMs: 0 };
  #corrupt: { count: number; values?: Record<number, string> } = { count: 0 };
  #running = true;
  readonly #loop: Promise<void>;

  constructor(pty: Pty, options: KamstrupSimulatorOptions) {
    this.#pty = pty;
    this.echo = options.echo ?? false;
    this.serial = options.serial ?? "71234567";
    this.#type = options.type ?? { type: 0x0004, revision: [6, 1] };
    this.set(...(options.registers ?? MC403_REGISTERS));
    this.#loop = this.#run();
  }

  get corruptPending(): number {
    return this.#corrupt.count;
  }

  set(...registers: RegisterReply[]): void {
    for (const register of registers) {
      encodeRegisterResponse([register]);
      this.#registers.set(register.id, { ...register });
    }
  }

  setValue(id: number, value: string): void {
    const register = this.#registers.get(id);
    if (!register) throw new Error(`simulator: register ${id} is not set`);
    this.set({ ...register, value });
  }

  silenceFor(ms: number): void {
    this.#silentUntil = Date.now() + ms;
  }

  answerLate(count: number, delayMs: number): void {
    this.#late = { count, delayMs };
  }

  corruptNext(count = 1, values?: Record<number, string>): void {
    this.#corrupt = { count, values };
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #run(): Promise<void> {
    let buffer: Uint8Array = EMPTY;
    while (this.#running) {
      const chunk = await this.#pty.read({
        until: (received) => received.includes(STOP),
        timeoutMs: 100,
      });
      if (chunk.length === 0) continue;
      buffer = concat(buffer, chunk);
      for (
        let found = findFrame(buffer, START_REQUEST);
        found;
        found = findFrame(buffer, START_REQUEST)
      ) {
        buffer = found.rest.slice();
        await this.#handle(found.frame.slice());
      }
      if (!buffer.includes(START_REQUEST)) buffer = EMPTY;
    }
  }

  async #handle(frame: Uint8Array): Promise<void> {
    const parsed = parseKmpFrame(frame);
    if (!parsed.ok || parsed.value.start !== START_REQUEST) return;
    const { command } = parsed.value;
    const decoded = command === COMMAND.getRegister ? decodeGetRegisterRequest(frame) : undefined;
    const ids = decoded?.ok ? decoded.value : [];
    const request: SimulatedRequest = { command, ids, at: Date.now(), answered: false };
    this.requests.push(request);
    if (this.echo) await this.#write(frame);
    if (this.silent || Date.now() < this.#silentUntil) return;
    const reply = this.#reply(command, ids);
    if (!reply) return;
    if (this.#late.count > 0) {
      this.#late.count--;
      await delay(this.#late.delayMs);
    }
    request.answered = true;
    await this.#write(reply);
  }

  #reply(command: number, ids: number[]): Uint8Array | undefined {
    switch (command) {
      case COMMAND.getSerialNo:
        return encodeSerialResponse(this.serial);
      case COMMAND.getType:
        return this.#typeReply();
      case COMMAND.getRegister:
        return ids.length > 0 ? this.#registerReply(ids) : undefined;
      default:
        return undefined;
    }
  }

  /** `40 3F 01 type-hi type-lo letter number CRC 0D` (KMP document: type 4, revision F1). */
  #typeReply(): Uint8Array {
    const { type, revision: [letter, number] } = this.#type;
    const data = new Uint8Array([type >> 8, type & 0xff, letter, number]);
    return encodeFrame(START_RESPONSE, HEAT_METER, COMMAND.getType, data);
  }

  #registerReply(ids: number[]): Uint8Array {
    const known = ids
      .filter((id) => this.#registers.has(id) && !this.dropped.has(id))
      .map((id) => this.#registers.get(id)!);
    const frame = encodeRegisterResponse(known);
    const { count, values } = this.#corrupt;
    if (count === 0 || (values && !known.some((r) => r.id in values))) return frame;
    this.#corrupt.count--;
    if (!values) return withBadCrc(frame);
    const damaged = known.map((r) => r.id in values ? { ...r, value: values[r.id] } : r);
    return withBadCrc(frame, encodeRegisterResponse(damaged));
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      await this.#pty.write(bytes);
    } catch {
      // unplugged: the bytes are lost, as on a real line
    }
  }
}

/** Starts a simulated MULTICAL 403 on `pty.peer`; see {@link KamstrupSimulator}. */
export function startKamstrupSimulator(
  pty: Pty,
  options: KamstrupSimulatorOptions = {},
): KamstrupSimulator {
  return new Simulator(pty, options);
}
