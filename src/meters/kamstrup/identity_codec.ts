/**
 * GetSerialNo (command 0x02): a request without data, and a reply carrying
 * the meter's 32-bit big-endian serial number.
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

const EMPTY = new Uint8Array(0);

/**
 * Encodes a GetSerialNo request (`80 3F 02 35 E9 0D` for a heat meter).
 * Throws a RangeError for a bad destination.
 */
export function encodeGetSerialNo(options: FrameOptions = {}): Uint8Array {
  return encodeFrame(START_REQUEST, destinationOf(options), COMMAND.getSerialNo, EMPTY);
}

/**
 * Decodes a GetSerialNo reply (echo skipped) to the serial number as decimal
 * text (`01 23 45 67` → `19088743`). Rejects with `framing`/`crc` a bad frame
 * and with `decode` another command or a length other than 4 data bytes.
 */
export function decodeSerialResponse(bytes: Uint8Array): Result<string> {
  const parsed = parseReply(bytes);
  if (!parsed.ok) return parsed;
  const { command, data } = parsed.value;
  if (command !== COMMAND.getSerialNo) {
    return reject("decode", `reply to command ${command}, not GetSerialNo`);
  }
  if (data.length !== 4) {
    return reject("decode", `GetSerialNo reply: ${data.length} data bytes, expected 4`);
  }
  const [a, b, c, d] = data;
  return ok(String(a * 0x1000000 + ((b << 16) | (c << 8) | d)));
}

/**
 * Encodes a GetSerialNo reply frame (for simulators and tests). Throws a
 * RangeError for a serial that is not decimal digits within 0..4294967295 or
 * a bad destination.
 */
export function encodeSerialResponse(serial: string, options: FrameOptions = {}): Uint8Array {
  const destination = destinationOf(options);
  if (!/^\d{1,10}$/.test(serial) || Number(serial) > 0xffffffff) {
    throw new RangeError(`serial ${serial} is not a number within 0..4294967295`);
  }
  const value = Number(serial);
  const data = new Uint8Array([
    value >>> 24,
    (value >>> 16) & 0xff,
    (value >>> 8) & 0xff,
    value & 0xff,
  ]);
  return encodeFrame(START_RESPONSE, destination, COMMAND.getSerialNo, data);
}
