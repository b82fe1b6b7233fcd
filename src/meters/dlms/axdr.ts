/**
 * A-XDR decoding of COSEM `Data` (IEC 62056-6-2), the values of a DLMS push:
 * a tag byte, then the value. Variable lengths and element counts use the
 * A-XDR length (one byte below 0x80, or 0x81..0x84 followed by that many
 * big-endian bytes).
 *
 * | tag | type | value |
 * | --- | --- | --- |
 * | 00 | null-data | – |
 * | 01 / 02 | array / structure | count, then the elements |
 * | 03 | boolean | 1 byte |
 * | 04 | bit-string | length in bits, then the bytes |
 * | 05 / 06 | double-long / double-long-unsigned | 4 bytes |
 * | 09 / 0A / 0C | octet-string / visible-string / utf8-string | length, then the bytes |
 * | 0D | bcd | 1 byte, two decimal digits |
 * | 0F / 10 / 11 / 12 | integer / long / unsigned / long-unsigned | 1, 2, 1, 2 bytes |
 * | 14 / 15 | long64 / long64-unsigned | 8 bytes (BigInt) |
 * | 16 | enum | 1 byte |
 * | 17 / 18 | float32 / float64 | 4 / 8 bytes, IEEE 754 |
 * | 19 / 1A / 1B | date-time / date / time | 12 / 5 / 4 bytes |
 *
 * Malformed or truncated input, an unknown tag, a count larger than the
 * bytes left and nesting deeper than the bound are rejections (reason
 * "decode"), never exceptions. Byte values are views into the input.
 */
import { ok, reject, type Result } from "../../result.ts";

/** Integer types that fit a JavaScript number. */
export type CosemIntegerType =
  | "integer"
  | "long"
  | "double-long"
  | "unsigned"
  | "long-unsigned"
  | "double-long-unsigned"
  | "enum"
  | "bcd";

/** One decoded COSEM `Data` value. */
export type CosemData =
  | { type: "null-data" }
  | { type: "array" | "structure"; items: CosemData[] }
  | { type: "boolean"; value: boolean }
  | { type: "bit-string"; bits: number; bytes: Uint8Array }
  | { type: CosemIntegerType; value: number }
  | { type: "long64" | "long64-unsigned"; value: bigint }
  | { type: "float32" | "float64"; value: number }
  | { type: "octet-string" | "date-time" | "date" | "time"; bytes: Uint8Array }
  | { type: "visible-string" | "utf8-string"; value: string };

/** Deepest nesting of arrays and structures accepted by default. */
export const DEFAULT_MAX_DATA_DEPTH = 16;

/** The largest nesting bound a caller may ask for (it bounds the recursion). */
const MAX_DEPTH_BOUND = 256;

/** An A-XDR length and the offset of the first byte after it. */
export interface AxdrLength {
  length: number;
  end: number;
}

/**
 * Reads an A-XDR length at `bytes[at]`. Undefined when it is truncated, uses
 * the indefinite form `0x80`, more than four length bytes, or exceeds 2^31.
 */
export function axdrLength(bytes: Uint8Array, at: number): AxdrLength | undefined {
  if (at >= bytes.length) return undefined;
  const first = bytes[at];
  if (first < 0x80) return { length: first, end: at + 1 };
  const count = first - 0x80;
  if (count === 0 || count > 4 || at + count >= bytes.length) return undefined;
  let length = 0;
  for (let i = 1; i <= count; i++) length = length * 256 + bytes[at + i];
  if (length > 0x7fffffff) return undefined;
  return { length, end: at + 1 + count };
}

/** Fixed sizes of the simple types by tag; 0 for the variable or unknown ones. */
const FIXED = new Uint8Array(256);
for (
  const [tag, size] of [
    [0x03, 1],
    [0x05, 4],
    [0x06, 4],
    [0x0d, 1],
    [0x0f, 1],
    [0x10, 2],
    [0x11, 1],
    [0x12, 2],
    [0x14, 8],
    [0x15, 8],
    [0x16, 1],
    [0x17, 4],
    [0x18, 8],
    [0x19, 12],
    [0x1a, 5],
    [0x1b, 4],
  ]
) FIXED[tag] = size;

const latin1Decoder = new TextDecoder("latin1");
const utf8Decoder = new TextDecoder("utf-8");

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, "0").toUpperCase();
}

/** The recursive descent over one input; `error` is set on the first failure. */
class Descent {
  readonly bytes: Uint8Array;
  readonly maxDepth: number;
  view: DataView | undefined;
  error = "";

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.bytes = bytes;
    this.maxDepth = maxDepth;
  }

  fail(message: string): undefined {
    if (this.error === "") this.error = message;
    return undefined;
  }

  dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }

  /** Reads one Data at `at`; returns it and sets `end`, or undefined with `error`. */
  read(at: number, depth: number): CosemData | undefined {
    const bytes = this.bytes;
    const n = bytes.length;
    if (at >= n) return this.fail(`data truncated at byte ${at}`);
    const tag = bytes[at];
    const start = at + 1;
    const fixed = FIXED[tag];
    if (fixed !== 0) {
      if (start + fixed > n) {
        return this.fail(`data of tag 0x${hex2(tag)} truncated at byte ${at}`);
      }
      this.end = start + fixed;
      return this.simple(tag, start, at);
    }
    switch (tag) {
      case 0x00:
        this.end = start;
        return { type: "null-data" };
      case 0x01:
      case 0x02:
        return this.container(tag === 0x01 ? "array" : "structure", at, depth);
      case 0x04: {
        const length = axdrLength(bytes, start);
        if (length === undefined) return this.fail(`bad bit-string length at byte ${start}`);
        const size = Math.ceil(length.length / 8);
        if (length.end + size > n) return this.fail(`bit-string truncated at byte ${at}`);
        this.end = length.end + size;
        return {
          type: "bit-string",
          bits: length.length,
          bytes: bytes.subarray(length.end, this.end),
        };
      }
      case 0x09:
      case 0x0a:
      case 0x0c: {
        const length = axdrLength(bytes, start);
        if (length === undefined) return this.fail(`bad string length at byte ${start}`);
        if (length.end + length.length > n) {
          return this.fail(`string of ${length.length} bytes truncated at byte ${at}`);
        }
        this.end = length.end + length.length;
        const content = bytes.subarray(length.end, this.end);
        if (tag === 0x09) return { type: "octet-string", bytes: content };
        if (tag === 0x0a) return { type: "visible-string", value: latin1Decoder.decode(content) };
        return { type: "utf8-string", value: utf8Decoder.decode(content) };
      }
      case 0x13:
        return this.fail(`compact-array at byte ${at} is not supported`);
      default:
        return this.fail(`unknown data tag 0x${hex2(tag)} at byte ${at}`);
    }
  }

  /** Offset after the last Data read. */
  end = 0;

  container(type: "array" | "structure", at: number, depth: number): CosemData | undefined {
    if (depth >= this.maxDepth) {
      return this.fail(`data nested deeper than ${this.maxDepth} at byte ${at}`);
    }
    const count = axdrLength(this.bytes, at + 1);
    if (count === undefined) return this.fail(`bad ${type} count at byte ${at + 1}`);
    if (count.length > this.bytes.length - count.end) {
      return this.fail(`${type} of ${count.length} elements truncated at byte ${at}`);
    }
    const items: CosemData[] = new Array(count.length);
    let next = count.end;
    for (let i = 0; i < count.length; i++) {
      const item = this.read(next, depth + 1);
      if (item === undefined) return undefined;
      items[i] = item;
      next = this.end;
    }
    this.end = next;
    return { type, items };
  }

  simple(tag: number, at: number, tagAt: number): CosemData | undefined {
    const bytes = this.bytes;
    switch (tag) {
      case 0x03:
        return { type: "boolean", value: bytes[at] !== 0 };
      case 0x05:
        return { type: "double-long", value: this.dataView().getInt32(at) };
      case 0x06:
        return { type: "double-long-unsigned", value: this.dataView().getUint32(at) };
      case 0x0d: {
        const high = bytes[at] >> 4;
        const low = bytes[at] & 0x0f;
        if (high > 9 || low > 9) return this.fail(`bcd byte is not two digits at byte ${tagAt}`);
        return { type: "bcd", value: high * 10 + low };
      }
      case 0x0f:
        return { type: "integer", value: (bytes[at] << 24) >> 24 };
      case 0x10:
        return { type: "long", value: ((bytes[at] << 24) >> 16) | bytes[at + 1] };
      case 0x11:
        return { type: "unsigned", value: bytes[at] };
      case 0x12:
        return { type: "long-unsigned", value: (bytes[at] << 8) | bytes[at + 1] };
      case 0x14:
        return { type: "long64", value: this.dataView().getBigInt64(at) };
      case 0x15:
        return { type: "long64-unsigned", value: this.dataView().getBigUint64(at) };
      case 0x16:
        return { type: "enum", value: bytes[at] };
      case 0x17:
        return { type: "float32", value: this.dataView().getFloat32(at) };
      case 0x18:
        return { type: "float64", value: this.dataView().getFloat64(at) };
      case 0x19:
        return { type: "date-time", bytes: bytes.subarray(at, at + 12) };
      case 0x1a:
        return { type: "date", bytes: bytes.subarray(at, at + 5) };
      default:
        return { type: "time", bytes: bytes.subarray(at, at + 4) };
    }
  }
}

/** A Data value and the offset of the first byte after it. */
export interface DataAt {
  data: CosemData;
  end: number;
}

/**
 * Reads one Data value starting at `bytes[at]`; the bytes after it are left
 * alone. Rejects (reason "decode") what is malformed or truncated.
 */
export function readData(
  bytes: Uint8Array,
  at: number,
  maxDepth: number = DEFAULT_MAX_DATA_DEPTH,
): Result<DataAt> {
  if (!(maxDepth >= 1 && maxDepth <= MAX_DEPTH_BOUND)) {
    throw new RangeError(`maxDepth must be 1..${MAX_DEPTH_BOUND}`);
  }
  if (!(at >= 0)) throw new RangeError("at must not be negative");
  const descent = new Descent(bytes, maxDepth);
  const data = descent.read(at, 0);
  if (data === undefined) return reject("decode", `malformed A-XDR data: ${descent.error}`);
  return ok({ data, end: descent.end });
}

/**
 * Decodes bytes holding exactly one Data value. Rejects (reason "decode")
 * malformed or truncated input and bytes left over after the value.
 */
export function decodeData(
  bytes: Uint8Array,
  maxDepth: number = DEFAULT_MAX_DATA_DEPTH,
): Result<CosemData> {
  const read = readData(bytes, 0, maxDepth);
  if (!read.ok) return read;
  if (read.value.end !== bytes.length) {
    return reject(
      "decode",
      `malformed A-XDR data: ${bytes.length - read.value.end} bytes left after the value`,
    );
  }
  return ok(read.value.data);
}
