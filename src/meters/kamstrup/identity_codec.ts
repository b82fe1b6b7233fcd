/**
 * GetType (command 0x01) and GetSerialNo (command 0x02): requests without
 * data; the GetType reply carries the meter type (16 bits) and the software
 * revision (a letter 1=A..26=Z and a number, `00 00` when unavailable), the
 * GetSerialNo reply a 32-bit big-endian serial number.
 */
import { ok, reject, type Result } from "../../result.ts";
import {
  COMMAND,
  destinationOf,
  encodeFrame,
  type FrameOptions,
  parseReply,
  START_REQUEST,
  START_RESPONSE,
} from "./frame.ts";

/** What a GetType reply says. */
export interface MeterType {
  /** The meter type code, 0..65535 (e.g. 0x0004 in the KMP document example). */
  type: number;
  /** Software revision such as `F1`; absent when the meter sends `00 00`. */
  revision?: string;
}

const EMPTY = new Uint8Array(0);
const REVISION = /^([A-Z])(0|[1-9][0-9]{0,2})$/;

function request(command: number, options: FrameOptions): Result<Uint8Array> {
  const destination = destinationOf(options);
  if (!destination.ok) return destination;
  return ok(encodeFrame(START_REQUEST, destination.value, command, EMPTY));
}

function replyData(
  bytes: Uint8Array,
  command: number,
  what: string,
): Result<Uint8Array> {
  const parsed = parseReply(bytes);
  if (!parsed.ok) return parsed;
  const { command: actual, data } = parsed.value;
  if (actual !== command) return reject("decode", `reply to command ${actual}, not ${what}`);
  if (data.length !== 4) {
    return reject("decode", `${what} reply: ${data.length} data bytes, expected 4`);
  }
  return ok(data);
}

/** Encodes a GetType request (`80 3F 01 05 8A 0D` for a heat meter). */
export function encodeGetType(options: FrameOptions = {}): Result<Uint8Array> {
  return request(COMMAND.getType, options);
}

/** Encodes a GetSerialNo request (`80 3F 02 35 E9 0D` for a heat meter). */
export function encodeGetSerialNo(options: FrameOptions = {}): Result<Uint8Array> {
  return request(COMMAND.getSerialNo, options);
}

/**
 * Decodes a GetType reply (echo skipped). Rejects with `framing`/`crc` a bad
 * frame and with `decode` another command, a length other than 4 data bytes
 * or a revision letter outside 1..26.
 */
export function decodeTypeResponse(bytes: Uint8Array): Result<MeterType> {
  const data = replyData(bytes, COMMAND.getType, "GetType");
  if (!data.ok) return data;
  const [typeHi, typeLo, letter, number] = data.value;
  const type = (typeHi << 8) | typeLo;
  if (letter === 0 && number === 0) return ok({ type });
  if (letter < 1 || letter > 26) {
    return reject("decode", `GetType reply: revision letter ${letter} outside 1..26`);
  }
  return ok({ type, revision: String.fromCharCode(64 + letter) + number });
}

/**
 * Decodes a GetSerialNo reply (echo skipped) to the serial number as decimal
 * text (`01 23 45 67` → `19088743`). Rejects like `decodeTypeResponse`.
 */
export function decodeSerialResponse(bytes: Uint8Array): Result<string> {
  const data = replyData(bytes, COMMAND.getSerialNo, "GetSerialNo");
  if (!data.ok) return data;
  const [a, b, c, d] = data.value;
  return ok(String(a * 0x1000000 + ((b << 16) | (c << 8) | d)));
}

/**
 * Encodes a GetType reply frame (for simulators and tests). Rejects with
 * `decode` a type outside 0..65535, a revision not like `F1` (A..Z, 0..255)
 * or a bad destination.
 */
export function encodeTypeResponse(
  meter: MeterType,
  options: FrameOptions = {},
): Result<Uint8Array> {
  const destination = destinationOf(options);
  if (!destination.ok) return destination;
  if (!Number.isInteger(meter.type) || meter.type < 0 || meter.type > 0xffff) {
    return reject("decode", `meter type ${meter.type} is outside 0..65535`);
  }
  const match = meter.revision === undefined ? undefined : REVISION.exec(meter.revision);
  if (meter.revision !== undefined && (!match || Number(match[2]) > 255)) {
    return reject("decode", `software revision ${meter.revision} is not a letter and 0..255`);
  }
  const data = new Uint8Array([
    meter.type >> 8,
    meter.type & 0xff,
    match ? match[1].charCodeAt(0) - 64 : 0,
    match ? Number(match[2]) : 0,
  ]);
  return ok(encodeFrame(START_RESPONSE, destination.value, COMMAND.getType, data));
}

/**
 * Encodes a GetSerialNo reply frame (for simulators and tests). Rejects with
 * `decode` a serial that is not decimal digits within 0..4294967295 or a bad
 * destination.
 */
export function encodeSerialResponse(
  serial: string,
  options: FrameOptions = {},
): Result<Uint8Array> {
  const destination = destinationOf(options);
  if (!destination.ok) return destination;
  if (!/^\d{1,10}$/.test(serial) || Number(serial) > 0xffffffff) {
    return reject("decode", `serial ${serial} is not a number within 0..4294967295`);
  }
  const value = Number(serial);
  const data = new Uint8Array([
    value >>> 24,
    (value >>> 16) & 0xff,
    (value >>> 8) & 0xff,
    value & 0xff,
  ]);
  return ok(encodeFrame(START_RESPONSE, destination.value, COMMAND.getSerialNo, data));
}
