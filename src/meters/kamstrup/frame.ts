/**
 * KMP frames: `start, destination, command id, data..., CRC-hi, CRC-lo, 0D`.
 * The CRC covers destination to data; everything between start and stop is
 * byte-stuffed. Optical heads often echo the request, so a reply is found by
 * skipping everything before its `40` start byte.
 */
import { ok, reject, type Result } from "../../result.ts";
import { crc16Xmodem } from "../../crc.ts";
import { stuff, unstuffInto } from "./stuffing.ts";

/** Start byte of a request (to the meter). */
export const START_REQUEST = 0x80;
/** Start byte of a reply (from the meter). */
export const START_RESPONSE = 0x40;
/** Stop byte of every frame. */
export const STOP = 0x0d;
/** Destination address of a heat meter (MULTICAL 30x/40x/60x). */
export const HEAT_METER = 0x3f;

/** KMP command ids. */
export const COMMAND = {
  getType: 0x01,
  getSerialNo: 0x02,
  setClock: 0x09,
  getRegister: 0x10,
  putRegister: 0x11,
} as const;

/** Options of the frame encoders. */
export interface FrameOptions {
  /** Destination address; default `0x3F`, a heat meter. */
  destination?: number;
}

/** The destination of encoder options (default `0x3F`); throws a RangeError for a non-byte. */
export function destinationOf(options: FrameOptions): number {
  const destination = options.destination ?? HEAT_METER;
  if (!Number.isInteger(destination) || destination < 0 || destination > 0xff) {
    throw new RangeError(`destination ${destination} is not a byte`);
  }
  return destination;
}

/** A parsed frame: unstuffed, CRC checked, CRC removed. */
export interface Frame {
  /** `0x80` (request) or `0x40` (reply). */
  start: number;
  destination: number;
  command: number;
  /** The data between command id and CRC. */
  data: Uint8Array;
}

/** A complete frame found in a buffer, and the bytes after it. */
export interface Found {
  /** The raw frame, start byte to stop byte. */
  frame: Uint8Array;
  /** Everything after the stop byte. */
  rest: Uint8Array;
}

/** Encodes one frame: appends the CRC, stuffs, adds start and stop byte. */
export function encodeFrame(
  start: number,
  destination: number,
  command: number,
  data: Uint8Array,
): Uint8Array {
  const payload = new Uint8Array(data.length + 4);
  payload[0] = destination;
  payload[1] = command;
  payload.set(data, 2);
  const crc = crc16Xmodem(payload, 0, data.length + 2);
  payload[data.length + 2] = crc >> 8;
  payload[data.length + 3] = crc & 0xff;
  const stuffed = stuff(payload);
  const frame = new Uint8Array(stuffed.length + 2);
  frame[0] = start;
  frame.set(stuffed, 1);
  frame[frame.length - 1] = STOP;
  return frame;
}

/**
 * Checks one raw frame (start byte to stop byte) and unstuffs destination,
 * command, data and CRC into `out`, which must hold `bytes.length - 2`
 * bytes; returns how many it wrote (`parseKmpFrame` allocates `out` per
 * frame). Rejects with `framing` a wrong start or stop byte, bad
 * stuffing or a frame too short for destination, command and CRC, and with
 * `crc` a checksum mismatch.
 */
export function unstuffFrame(bytes: Uint8Array, out: Uint8Array): Result<number> {
  const last = bytes.length - 1;
  const start = bytes[0];
  if (start !== START_RESPONSE && start !== START_REQUEST) {
    return reject("framing", "frame: no start byte 40 or 80");
  }
  if (last < 1 || bytes[last] !== STOP) return reject("framing", "frame: no stop byte 0D");
  const n = unstuffInto(bytes, 1, last, out);
  if (typeof n === "string") return reject("framing", `frame: ${n}`);
  if (n < 4) return reject("framing", `frame: ${n} bytes, too short for address, command and CRC`);
  if (crc16Xmodem(out, 0, n) !== 0) {
    const sent = (out[n - 2] << 8) | out[n - 1];
    const computed = crc16Xmodem(out, 0, n - 2);
    return reject("crc", `frame: CRC ${hex16(sent)} sent, ${hex16(computed)} computed`);
  }
  return ok(n);
}

/** Parses exactly one raw frame (start byte to stop byte); rejects like `unstuffFrame`. */
export function parseKmpFrame(bytes: Uint8Array): Result<Frame> {
  const out = new Uint8Array(Math.max(bytes.length - 2, 0));
  const n = unstuffFrame(bytes, out);
  if (!n.ok) return n;
  const data = out.subarray(2, n.value - 2);
  return ok({ start: bytes[0], destination: out[0], command: out[1], data });
}

/**
 * Finds the first complete frame with the given start byte in bytes received
 * so far: everything before it (an echoed request, noise) is skipped, and the
 * frame runs to the first stop byte. When a start byte repeats before the
 * stop byte, the last one wins (stuffing keeps both out of a frame's body).
 * Undefined while no complete frame has arrived.
 */
export function findFrame(buffer: Uint8Array, start: number): Found | undefined {
  const first = buffer.indexOf(start);
  if (first < 0) return undefined;
  const stop = buffer.indexOf(STOP, first + 1);
  if (stop < 0) return undefined;
  const begin = buffer.lastIndexOf(start, stop - 1);
  return { frame: buffer.subarray(begin, stop + 1), rest: buffer.subarray(stop + 1) };
}

/**
 * Finds the first complete reply frame (`40 ... 0D`) in bytes received so
 * far, skipping an echoed request; undefined while it is incomplete. A poller
 * appends each chunk from the port and stops waiting once this finds one.
 */
export function findReply(buffer: Uint8Array): Found | undefined {
  return findFrame(buffer, START_RESPONSE);
}

/**
 * The raw reply frame in bytes received from the meter (echo and noise
 * before it skipped, bytes after it ignored). Rejects with `framing` when no
 * complete reply is present.
 */
export function locateReply(buffer: Uint8Array): Result<Uint8Array> {
  const found = findReply(buffer);
  if (found) return ok(found.frame);
  return reject(
    "framing",
    buffer.includes(START_RESPONSE)
      ? "reply: truncated, no stop byte 0D after the start byte 40"
      : "reply: no start byte 40",
  );
}

/** Locates (see `locateReply`) and parses the reply in bytes received from the meter. */
export function parseReply(buffer: Uint8Array): Result<Frame> {
  const frame = locateReply(buffer);
  return frame.ok ? parseKmpFrame(frame.value) : frame;
}

function hex16(value: number): string {
  return value.toString(16).padStart(4, "0").toUpperCase();
}
