/**
 * The Kamstrup Meter Protocol as a poll session, without I/O: a MULTICAL 403
 * (or kin) behind an optical head. A poll asks for the wanted registers in
 * as few GetRegister requests as possible and turns the answers into one
 * reading; once registers answer, the serial number is asked for until the
 * meter tells it, or has failed to in three polls. A register the meter
 * leaves out of a valid reply is not asked for again. A request the meter
 * did not answer at all ends the poll: the others would only wait as long.
 * `PolledMeter` (../polled_meter.ts) drives it over the port.
 */
import type { Level } from "../../log.ts";
import type { MeterInfo, Value } from "../../reading.ts";
import { ok, type Result } from "../../result.ts";
import {
  type Notice,
  type PollRequest,
  type PollSession,
  READ_TIME,
  type Silence,
} from "../polled_meter.ts";
import { findFrame, findReply, START_REQUEST, START_RESPONSE } from "./frame.ts";
import { decodeSerialResponse, encodeGetSerialNo } from "./identity_codec.ts";
import { dropUnanswered, planRequests, unanswered } from "./plan.ts";
import { decodeRegisterResponse, encodeGetRegister, type Register } from "./register_codec.ts";
import { registerRow } from "./registers.ts";
import { toValues } from "./values.ts";

/** Polls with a reading but no serial number after which the session stops asking for it. */
const SERIAL_POLLS = 3;

/** Options of {@link KmpSession}. */
export interface KmpSessionOptions {
  /** Register ids to read, 0..65535, in the order their values are published. */
  registers: readonly number[];
}

/** A KMP request, with what the session needs to read its reply. */
type KmpRequest = PollRequest & ({ ids: number[] } | { ids?: undefined });

const isComplete = (reply: Uint8Array) => findReply(reply) !== undefined;

function describeRegisters(ids: readonly number[]): string {
  return ids.map((id) => `${id} (${registerRow(id).name})`).join(", ");
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** A Kamstrup heat meter's poll session; see the module documentation. */
export class KmpSession implements PollSession {
  readonly info: Partial<MeterInfo> = {};
  /** The registers still read, in configured order. */
  #wanted: number[];
  #notices: Notice[] = [];
  #warned = new Set<string>();
  #serialMisses = 0;
  /** The GetRegister requests of this poll, and how many are done. */
  #plan: number[][] = [];
  #done = 0;
  #phase: "registers" | "serial" | "over" = "over";
  #request?: KmpRequest;
  /** Whether a complete reply to the current request came back in any attempt. */
  #heard = false;
  #registers = new Map<number, Register>();
  #missing: number[] = [];

  /** Throws a RangeError when `registers` is empty or holds an id outside 0..65535. */
  constructor(options: KmpSessionOptions) {
    const bad = options.registers.find((id) => !Number.isInteger(id) || id < 0 || id > 0xffff);
    if (options.registers.length === 0 || bad !== undefined) {
      throw new RangeError(
        `Kamstrup registers must be a non-empty list of ids 0..65535, not [${options.registers}]`,
      );
    }
    this.#wanted = [...new Set(options.registers)];
  }

  /** The registers still read: the configured ones minus those the meter lacks. */
  get registers(): readonly number[] {
    return this.#wanted;
  }

  describe(): string {
    const requests = planRequests(this.#wanted).length;
    return `registers ${this.#wanted.join(", ")} in ${plural(requests, "request")}`;
  }

  start(): void {
    this.#plan = planRequests(this.#wanted);
    this.#done = 0;
    this.#phase = "registers";
    this.#request = undefined;
    this.#registers.clear();
    this.#missing = [];
  }

  next(): PollRequest | undefined {
    if (this.#request) return this.#request;
    if (this.#phase === "registers") {
      if (this.#done < this.#plan.length) return this.#ask(this.#plan[this.#done]);
      this.#drop();
      this.#phase = this.#registers.size > 0 && this.#wantsSerial() ? "serial" : "over";
    }
    if (this.#phase === "serial") return this.#ask();
    return undefined;
  }

  /** Throws a TypeError when no request is waiting for a reply. */
  receive(reply: Uint8Array): Result<void> {
    const request = this.#waiting("receive");
    this.#heard = true;
    if (request.ids === undefined) {
      const serial = decodeSerialResponse(reply);
      if (!serial.ok) return serial;
      this.info.serial = serial.value;
      this.#notices.push({ level: "info", message: `meter serial number ${serial.value}` });
      this.#phase = "over";
    } else {
      const registers = decodeRegisterResponse(reply, { ids: request.ids });
      if (!registers.ok) return registers;
      for (const register of registers.value) this.#registers.set(register.id, register);
      this.#missing.push(...unanswered(request.ids, registers.value));
      this.#done++;
    }
    this.#request = undefined;
    return ok(undefined);
  }

  timedOut(partial: Uint8Array): Silence {
    if (partial.length === 0) {
      return {
        reply: "no reply",
        hint: "check that the optical head sits on the meter's optical port and that " +
          "meter.device is the head",
      };
    }
    if (findFrame(partial, START_REQUEST) && !partial.includes(START_RESPONSE)) {
      return {
        reply: "only the echo of the request came back",
        hint: "the head works but the meter does not answer: check the head's position on " +
          "the optical port",
      };
    }
    return {
      reply: `incomplete reply (${partial.length} bytes)`,
      hint: "check the head's position and meter.baud",
    };
  }

  /** Throws a TypeError when no request is waiting for a reply. */
  gaveUp(): void {
    const request = this.#waiting("gaveUp");
    this.#request = undefined;
    if (request.ids === undefined) {
      this.#phase = "over";
      if (++this.#serialMisses === SERIAL_POLLS) {
        this.#notices.push({
          level: "warn",
          message: `the meter did not tell its serial number in ${SERIAL_POLLS} polls; ` +
            "no longer asking",
        });
      }
    } else {
      this.#done = this.#heard ? this.#done + 1 : this.#plan.length;
    }
  }

  reading(time: string): Value[] | undefined {
    if (this.#phase !== "over" || this.#registers.size === 0) return undefined;
    const registers = this.#wanted.flatMap((id) => this.#registers.get(id) ?? []);
    const values = toValues(registers, { onWarning: (message) => this.#once("warn", message) });
    return [{ ...READ_TIME, value: time }, ...values];
  }

  notices(): Notice[] {
    const notices = this.#notices;
    this.#notices = [];
    return notices;
  }

  /** The request waiting for a reply; a call without one is the driver's mistake. */
  #waiting(call: string): KmpRequest {
    if (!this.#request) throw new TypeError(`${call}() without a request from next()`);
    return this.#request;
  }

  /** Makes the GetRegister request for `ids`, or GetSerialNo without. */
  #ask(ids?: number[]): KmpRequest {
    this.#heard = false;
    this.#request = ids === undefined
      ? { what: "GetSerialNo", bytes: encodeGetSerialNo(), isComplete }
      : { what: `GetRegister ${ids.join(", ")}`, bytes: encodeGetRegister(ids), isComplete, ids };
    return this.#request;
  }

  /** Whether to ask for the serial number: unknown, and not yet failed in {@link SERIAL_POLLS} polls. */
  #wantsSerial(): boolean {
    return this.info.serial === undefined && this.#serialMisses < SERIAL_POLLS;
  }

  /** Stops reading registers a valid reply left out; one notice per poll. */
  #drop(): void {
    if (this.#missing.length === 0) return;
    const { keep, dropped, none } = dropUnanswered(this.#wanted, this.#missing);
    this.#missing = [];
    if (none) {
      this.#once(
        "error",
        `the meter answers none of the registers ${this.#wanted.join(", ")}; ` +
          "check meter.registers against the meter's register list",
      );
      return;
    }
    this.#wanted = keep;
    this.#notices.push({
      level: "warn",
      message: `the meter does not answer register ${describeRegisters(dropped)}; no longer ` +
        `reading ${dropped.length === 1 ? "it" : "them"} (remove from meter.registers to ` +
        "silence this)",
    });
  }

  #once(level: Level, message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#notices.push({ level, message });
  }
}
