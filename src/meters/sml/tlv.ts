/**
 * The type-length-value encoding of SML: every element starts with one or
 * more TL bytes. In each TL byte bit 7 says another TL byte follows and bits
 * 3..0 are the next nibble of the length; in the first byte bits 6..4 give the
 * type (`000` octet string, `100` boolean, `101` signed integer, `110`
 * unsigned integer, `111` list) and must be `000` in the bytes after it.
 *
 * For a list the length counts its elements; for every other type it counts
 * bytes, the TL bytes included. Two single bytes are special: `00` ends a
 * message and `01` (an octet string of no bytes) stands for an optional
 * field that is absent.
 *
 * Integers are big-endian, 1 to 9 bytes (SML sends up to 8; one more is
 * tolerated), two's complement when signed. Up to 6 bytes they decode to a
 * `number`, longer ones to a `bigint`, so no value loses digits.
 *
 * Truncated or malformed input is a `decode` rejection, never an exception;
 * nesting is bounded and a list never claims more elements than bytes left.
 */
import { ok, reject, type Result } from "../../result.ts";
import { hexByte } from "../../bytes.ts";

/** An SML element with where it lies in the input: `start` (its first TL byte) to `end`. */
export type SmlNode =
  & { start: number; end: number }
  & (
    | { kind: "octets"; bytes: Uint8Array }
    | { kind: "boolean"; value: boolean }
    | { kind: "integer"; signed: boolean; value: number | bigint }
    | { kind: "list"; items: SmlNode[] }
    /** `01`: an optional field that is absent. */
    | { kind: "absent" }
    /** `00`: the end of an SML message. */
    | { kind: "end" }
  );

/** Options of {@link parseSmlNode}. */
export interface SmlParseOptions {
  /** Deepest nesting of lists accepted; 16 by default (SML messages need 6). */
  maxDepth?: number;
}

/** Default bound of list nesting. */
export const DEFAULT_MAX_SML_DEPTH = 16;

/** Most TL bytes of one element (a length of up to 2^28). */
const MAX_TL_BYTES = 7;
/** Longest integer accepted, in bytes after the TL byte(s). */
const MAX_INTEGER_BYTES = 9;
/** Longest integer decoded to a `number` without losing digits. */
const MAX_NUMBER_BYTES = 6;

const TYPE_OCTETS = 0;
const TYPE_BOOLEAN = 4;
const TYPE_SIGNED = 5;
const TYPE_UNSIGNED = 6;
const TYPE_LIST = 7;

/** Why parsing stopped, with the offset, carried up through the nesting. */
class Malformed {
  constructor(readonly message: string) {}
}

/**
 * Parses the element that starts at `bytes[start]`. The node's `end` is
 * where the next element starts.
 */
export function parseSmlNode(
  bytes: Uint8Array,
  start = 0,
  options: SmlParseOptions = {},
): Result<SmlNode> {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_SML_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 256) {
    throw new RangeError(`maxDepth ${maxDepth} is not an integer from 1 to 256`);
  }
  if (!Number.isInteger(start) || start < 0 || start > bytes.length) {
    throw new RangeError(`start ${start} is outside the ${bytes.length} bytes`);
  }
  const node = parse(bytes, start, maxDepth);
  return node instanceof Malformed ? reject("decode", node.message) : ok(node);
}

function parse(bytes: Uint8Array, at: number, depth: number): SmlNode | Malformed {
  const n = bytes.length;
  if (at >= n) return new Malformed(`SML element expected at byte ${at}, input ends`);
  const first = bytes[at];
  if (first === 0x00) return { kind: "end", start: at, end: at + 1 };
  if (first === 0x01) return { kind: "absent", start: at, end: at + 1 };
  const type = (first >> 4) & 0x07;
  let length = first & 0x0f;
  let tl = 1;
  let byte = first;
  while (byte & 0x80) {
    if (at + tl >= n) return new Malformed(`SML type-length at byte ${at} is cut off`);
    if (tl >= MAX_TL_BYTES) return new Malformed(`SML type-length at byte ${at} is too long`);
    byte = bytes[at + tl];
    if (byte & 0x70) {
      return new Malformed(
        `SML type-length byte ${at + tl} has type bits set (0x${hexByte(byte)})`,
      );
    }
    length = length * 16 + (byte & 0x0f);
    tl++;
  }
  const from = at + tl;
  if (type === TYPE_LIST) return list(bytes, at, from, length, depth);
  if (length < tl) {
    return new Malformed(
      `SML element at byte ${at}: length ${length} shorter than its type-length`,
    );
  }
  const end = at + length;
  if (end > n) {
    return new Malformed(`SML element at byte ${at} needs ${length} bytes, ${n - at} left`);
  }
  const size = end - from;
  switch (type) {
    case TYPE_OCTETS:
      return { kind: "octets", bytes: bytes.subarray(from, end), start: at, end };
    case TYPE_BOOLEAN:
      if (size !== 1) return new Malformed(`SML boolean at byte ${at} has ${size} bytes, not 1`);
      return { kind: "boolean", value: bytes[from] !== 0, start: at, end };
    case TYPE_SIGNED:
    case TYPE_UNSIGNED: {
      if (size < 1 || size > MAX_INTEGER_BYTES) {
        return new Malformed(`SML integer at byte ${at} has ${size} bytes (1 to 9 accepted)`);
      }
      const signed = type === TYPE_SIGNED;
      return { kind: "integer", signed, value: integer(bytes, from, end, signed), start: at, end };
    }
    default:
      return new Malformed(`SML element at byte ${at} has unknown type 0x${hexByte(first)}`);
  }
}

function list(
  bytes: Uint8Array,
  at: number,
  from: number,
  count: number,
  depth: number,
): SmlNode | Malformed {
  if (depth <= 0) return new Malformed(`SML list at byte ${at} is nested too deeply`);
  if (count > bytes.length - from) {
    return new Malformed(`SML list at byte ${at} claims ${count} elements, input ends before`);
  }
  const items: SmlNode[] = [];
  let next = from;
  for (let i = 0; i < count; i++) {
    const item = parse(bytes, next, depth - 1);
    if (item instanceof Malformed) return item;
    items.push(item);
    next = item.end;
  }
  return { kind: "list", items, start: at, end: next };
}

/** A big-endian integer of `bytes[from, end)`, a bigint beyond 6 bytes. */
function integer(bytes: Uint8Array, from: number, end: number, signed: boolean): number | bigint {
  const size = end - from;
  if (size <= MAX_NUMBER_BYTES) {
    let value = 0;
    for (let i = from; i < end; i++) value = value * 256 + bytes[i];
    if (signed && bytes[from] & 0x80) value -= 2 ** (8 * size);
    return value;
  }
  let value = 0n;
  for (let i = from; i < end; i++) value = (value << 8n) | BigInt(bytes[i]);
  return signed ? BigInt.asIntN(8 * size, value) : value;
}
