/**
 * One IEC 62056-21 readout, checked and split: the identification line and
 * the data message after it.
 *
 * The data message comes in two shapes. Mode D pushes send the data lines
 * bare and end them with `!` CR LF. Modes A, B and C send a data block
 * `STX` data `!` CR LF `ETX` `BCC`, where the BCC is the XOR of every byte
 * after STX up to and including ETX; a block whose BCC does not match gives
 * a `crc` rejection and no values.
 */
import { ok, reject, type Result } from "../../result.ts";
import { latin1Text } from "../../bytes.ts";
import { dataEnd, parseDataSets, type ParsedDataSets } from "./data_sets.ts";
import {
  type Identification,
  isIdentificationStart,
  parseIdentification,
} from "./identification.ts";

/**
 * How to treat the BCC of a data block: `required` rejects a block without
 * ETX and BCC (what a pull session receives), `optional` accepts a block cut
 * after its `!` CR LF but checks a BCC that is there, `ignore` skips the
 * check (tools reading captures whose BCC was edited; never for live data).
 * Mode D data has no block and no BCC in any mode.
 */
export type BccMode = "required" | "optional" | "ignore";

/** Options of {@link parseDataMessage} and {@link decodeReadout}. */
export interface ReadoutOptions {
  /** `optional` by default. */
  bcc?: BccMode;
}

/** A checked data message: its data sets and the BCC it carried. */
export interface DataMessage extends ParsedDataSets {
  /** The block's BCC, checked unless the mode was `ignore`; absent without a block or ETX. */
  bcc?: number;
}

/** A checked readout: identification and data message. */
export interface Readout extends DataMessage {
  identification: Identification;
}

const STX = 0x02;
const ETX = 0x03;
const ACK = 0x06;
const LF = 0x0a;
const CR = 0x0d;
const SLASH = 0x2f;

/** XOR of `bytes[start, end)`: the block check character. */
export function bcc(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  let check = 0;
  for (let i = start; i < end; i++) check ^= bytes[i];
  return check;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * Checks and parses a data message: optional empty lines (and the echo of an
 * acknowledgement, as a raw capture of a pull session has it), then either a
 * data block `STX … ETX BCC` or bare mode D lines ending in `!`. Rejects with
 * `framing` when the end is missing, with `crc` when the BCC does not match.
 * Never throws.
 */
export function parseDataMessage(
  bytes: Uint8Array,
  options: ReadoutOptions = {},
): Result<DataMessage> {
  const mode = options.bcc ?? "optional";
  let at = 0;
  for (;;) {
    const byte = bytes[at];
    const ackEnd = byte === ACK ? bytes.indexOf(LF, at) : -1;
    if (byte === CR || byte === LF) at++;
    else if (ackEnd >= 0) at = ackEnd + 1;
    else break;
  }
  if (bytes[at] !== STX) {
    const text = latin1Text(bytes, at);
    const end = dataEnd(text);
    if (end < 0) return reject("framing", "no '!' ends the data lines");
    return ok(parseDataSets(text, 0, end));
  }
  const etx = bytes.indexOf(ETX, at + 1);
  if (etx < 0) {
    if (mode === "required") return reject("framing", "the data block has no ETX and BCC");
    const text = latin1Text(bytes, at + 1);
    const end = dataEnd(text);
    if (end < 0) return reject("framing", "no '!' ends the data block");
    return ok(parseDataSets(text, 0, end));
  }
  if (etx + 1 >= bytes.length) return reject("framing", "the data block ends at ETX without BCC");
  const given = bytes[etx + 1];
  if (mode !== "ignore") {
    const computed = bcc(bytes, at + 1, etx + 1);
    if (computed !== given) {
      return reject("crc", `BCC ${hex(given)} given, ${hex(computed)} computed`);
    }
  }
  const text = latin1Text(bytes, at + 1, etx);
  const end = dataEnd(text);
  return ok({ ...parseDataSets(text, 0, end < 0 ? text.length : end), bcc: given });
}

/**
 * Checks and parses a whole readout as captured: anything before the first
 * identification line (`/` and three letters: the echo `/?!` CR LF of an
 * optical head, noise) is skipped, then the identification line and the data
 * message ({@link parseDataMessage}). Never throws.
 */
export function decodeReadout(bytes: Uint8Array, options: ReadoutOptions = {}): Result<Readout> {
  let start = bytes.indexOf(SLASH);
  while (start >= 0 && !isIdentificationStart(latin1Text(bytes, start, start + 4))) {
    start = bytes.indexOf(SLASH, start + 1);
  }
  if (start < 0) return reject("framing", "no identification line /XXXZ… found");
  const lineEnd = bytes.indexOf(LF, start);
  if (lineEnd < 0) return reject("framing", "the identification line has no line end");
  const identification = parseIdentification(latin1Text(bytes, start, lineEnd));
  if (!identification.ok) return identification;
  const message = parseDataMessage(bytes.subarray(lineEnd + 1), options);
  if (!message.ok) return message;
  return ok({ identification: identification.value, ...message.value });
}
