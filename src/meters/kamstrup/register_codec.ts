/**
 * GetRegister (command 0x10): the request `80 3F 10 N {id-hi id-lo}×N CRC 0D`
 * with 1..8 register ids, and the reply whose data is one block per register
 * the meter supports: `id-hi id-lo unit len sigexp mantissa[len]`.
 */
import { ok, reject, type Result } from "../../result.ts";
import {
  COMMAND,
  destinationOf,
  encodeFrame,
  type FrameOptions,
  parseKmpFrame,
  parseReply,
  START_REQUEST,
  START_RESPONSE,
} from "./frame.ts";
import { type KmpNumber, type NumberOptions, readNumber, writeNumber } from "./number.ts";

/** Most register ids one GetRegister request may carry. */
export const MAX_REGISTERS_PER_REQUEST = 8;

/** One decoded register block. */
export interface Register extends KmpNumber {
  /** Register id, e.g. 60 for heat energy E1. */
  id: number;
  /** Unit byte, e.g. 3 for MWh (see units.ts). */
  unit: number;
}

/** A register value for a reply frame (meter simulators, tests). */
export interface RegisterReply extends NumberOptions {
  id: number;
  /** Unit byte, 0..255. */
  unit: number;
  /** Exact decimal text, e.g. `1917.57`. */
  value: string;
}

/** Options for decoding a reply. */
export interface RegisterDecodeOptions {
  /**
   * The ids that were requested. When given, a block with another id or a
   * repeated id is rejected (a stale or garbled reply); requested ids the
   * meter left out are simply absent from the result.
   */
  ids?: readonly number[];
}

function isByte(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xff;
}

function isRegisterId(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

/**
 * Encodes a GetRegister request for 1..8 register ids (each 0..65535).
 * Throws a RangeError for any other count or id, or a bad destination.
 */
export function encodeGetRegister(
  ids: readonly number[],
  options: FrameOptions = {},
): Uint8Array {
  const destination = destinationOf(options);
  if (ids.length < 1 || ids.length > MAX_REGISTERS_PER_REQUEST) {
    throw new RangeError(`GetRegister takes 1 to 8 register ids, not ${ids.length}`);
  }
  const data = new Uint8Array(1 + 2 * ids.length);
  data[0] = ids.length;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!isRegisterId(id)) throw new RangeError(`register id ${id} is outside 0..65535`);
    data[1 + 2 * i] = id >> 8;
    data[2 + 2 * i] = id & 0xff;
  }
  return encodeFrame(START_REQUEST, destination, COMMAND.getRegister, data);
}

/**
 * Decodes a GetRegister request frame (as a simulator receives it) to its
 * register ids. Rejects with `framing`/`crc` a bad frame and with `decode`
 * another command or a count that does not match the ids.
 */
export function decodeGetRegisterRequest(bytes: Uint8Array): Result<number[]> {
  const parsed = parseKmpFrame(bytes);
  if (!parsed.ok) return parsed;
  const { start, command, data } = parsed.value;
  if (start !== START_REQUEST || command !== COMMAND.getRegister) {
    return reject("decode", "not a GetRegister request");
  }
  const count = data[0];
  if (
    data.length === 0 || count < 1 || count > MAX_REGISTERS_PER_REQUEST ||
    data.length !== 1 + 2 * count
  ) {
    return reject("decode", "GetRegister request: register count does not match its ids");
  }
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((data[1 + 2 * i] << 8) | data[2 + 2 * i]);
  return ok(ids);
}

/**
 * Decodes the register blocks of a GetRegister reply's data (no frame).
 * Rejects with `decode` a truncated block or a zero-length mantissa.
 */
export function decodeRegisterBlocks(
  data: Uint8Array,
  options: RegisterDecodeOptions = {},
): Result<Register[]> {
  const registers: Register[] = [];
  const ids = options.ids;
  const end = data.length;
  let i = 0;
  while (i < end) {
    if (i + 5 > end) return reject("decode", `register block at ${i}: truncated header`);
    const id = (data[i] << 8) | data[i + 1];
    const number = readNumber(data, i + 3, end);
    if (!number) return reject("decode", `register ${id}: truncated or empty value`);
    if (ids !== undefined) {
      if (!ids.includes(id)) return reject("decode", `register ${id} was not requested`);
      for (const seen of registers) {
        if (seen.id === id) return reject("decode", `register ${id} appears twice`);
      }
    }
    registers.push({
      id,
      unit: data[i + 2],
      value: number.value,
      exponent: number.exponent,
      length: number.length,
      mantissa: number.mantissa,
      negative: number.negative,
    });
    i += 5 + number.length;
  }
  return ok(registers);
}

/**
 * Decodes a GetRegister reply from the bytes received (an echoed request and
 * noise before the `40` start byte are skipped). Registers come in wire
 * order; match them by id, since a meter leaves out registers it lacks.
 * Rejects with `framing`, `crc` or `decode`.
 */
export function decodeRegisterResponse(
  bytes: Uint8Array,
  options: RegisterDecodeOptions = {},
): Result<Register[]> {
  const frame = parseReply(bytes);
  if (!frame.ok) return frame;
  const { command, data } = frame.value;
  if (command !== COMMAND.getRegister) {
    return reject("decode", `reply to command ${command}, not GetRegister`);
  }
  return decodeRegisterBlocks(data, options);
}

/**
 * Encodes a GetRegister reply frame from register values, stuffing ids and
 * values as a meter does (for simulators and tests). Throws a RangeError for
 * a bad id, unit, destination or value (see `writeNumber`).
 */
export function encodeRegisterResponse(
  registers: readonly RegisterReply[],
  options: FrameOptions = {},
): Uint8Array {
  const destination = destinationOf(options);
  const blocks: Uint8Array[] = [];
  let size = 0;
  for (const register of registers) {
    if (!isRegisterId(register.id)) {
      throw new RangeError(`register id ${register.id} is outside 0..65535`);
    }
    if (!isByte(register.unit)) throw new RangeError(`unit ${register.unit} is not a byte`);
    const number = writeNumber(register.value, register);
    const block = new Uint8Array(3 + number.length);
    block[0] = register.id >> 8;
    block[1] = register.id & 0xff;
    block[2] = register.unit;
    block.set(number, 3);
    blocks.push(block);
    size += block.length;
  }
  const data = new Uint8Array(size);
  let offset = 0;
  for (const block of blocks) {
    data.set(block, offset);
    offset += block.length;
  }
  return encodeFrame(START_RESPONSE, destination, COMMAND.getRegister, data);
}
