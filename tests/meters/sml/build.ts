/**
 * Builds SML elements and messages for tests: the encoder side of the
 * type-length-value rules, kept apart from the decoder it checks.
 */
import { concat, decodeHex } from "../../../src/bytes.ts";
import { crc16Kermit, crc16X25 } from "../../../src/crc.ts";

/** An octet string (bytes or hex text). */
export function octets(value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === "string" ? decodeHex(value) : value;
  return concat(typeLength(0, bytes.length, false), bytes);
}

/** An unsigned integer of `width` bytes. */
export function unsigned(value: number | bigint, width: number): Uint8Array {
  return integer(6, BigInt.asUintN(8 * width, BigInt(value)), width);
}

/** A signed integer of `width` bytes, two's complement. */
export function signed(value: number | bigint, width: number): Uint8Array {
  return integer(5, BigInt.asUintN(8 * width, BigInt(value)), width);
}

/** A boolean. */
export function boolean(value: boolean): Uint8Array {
  return Uint8Array.of(0x42, value ? 1 : 0);
}

/** A list of the given elements. */
export function list(...items: Uint8Array[]): Uint8Array {
  return concat(typeLength(7, items.length, true), ...items);
}

/** An absent optional field. */
export const ABSENT: Uint8Array = Uint8Array.of(0x01);
/** The end of a message. */
export const END: Uint8Array = Uint8Array.of(0x00);

function integer(type: number, value: bigint, width: number): Uint8Array {
  const bytes = new Uint8Array(width);
  for (let i = width - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return concat(typeLength(type, width, false), bytes);
}

/** The fewest TL bytes for `length` (elements of a list, else data bytes plus the TL bytes). */
function typeLength(type: number, length: number, isList: boolean): Uint8Array {
  let count = 1;
  while ((isList ? length : length + count) >= 16 ** count) count++;
  let total = isList ? length : length + count;
  const out = new Uint8Array(count);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = (total & 0x0f) | (i < count - 1 ? 0x80 : 0);
    total >>= 4;
  }
  out[0] |= type << 4;
  return out;
}

/** Options of {@link message}. */
export interface MessageOptions {
  transactionId?: string;
  /** The message CRC: right (X-25 or KERMIT), wrong, or absent. */
  crc?: "x25" | "kermit" | "wrong" | "none";
}

/** An SML message `[transactionId, 0, 0, [tag, content], crc, 00]`. */
export function message(tag: number, content: Uint8Array, options: MessageOptions = {}) {
  const head = concat(
    Uint8Array.of(0x76),
    octets(options.transactionId ?? "0a0b0c0d"),
    unsigned(0, 1),
    unsigned(0, 1),
    list(unsigned(tag, 2), content),
  );
  const mode = options.crc ?? "x25";
  if (mode === "none") return concat(head, ABSENT, END);
  const x25 = crc16X25(head);
  const value = mode === "kermit"
    ? crc16Kermit(head)
    : (((x25 & 0xff) << 8) | (x25 >> 8)) ^ (mode === "wrong" ? 1 : 0);
  return concat(head, unsigned(value, 2), END);
}

/** An OpenResponse content. */
export function openResponse(serverId: string): Uint8Array {
  return list(ABSENT, ABSENT, octets("0102030405"), octets(serverId), ABSENT, ABSENT);
}

/** A CloseResponse content. */
export const CLOSE_RESPONSE: Uint8Array = list(ABSENT);

/** One value list entry. */
export interface EntryOptions {
  obis: string;
  status?: Uint8Array;
  valTime?: Uint8Array;
  unit?: number;
  scaler?: number;
  value: Uint8Array;
}

/** A value list entry `[obis, status, valTime, unit, scaler, value, signature]`. */
export function entry(e: EntryOptions): Uint8Array {
  return list(
    octets(e.obis),
    e.status ?? ABSENT,
    e.valTime ?? ABSENT,
    e.unit === undefined ? ABSENT : unsigned(e.unit, 1),
    e.scaler === undefined ? ABSENT : signed(e.scaler, 1),
    e.value,
    ABSENT,
  );
}

/** A GetListResponse content. */
export function getListResponse(
  serverId: string,
  entries: Uint8Array[],
  sensorTime: Uint8Array = ABSENT,
): Uint8Array {
  return list(ABSENT, octets(serverId), ABSENT, sensorTime, list(...entries), ABSENT, ABSENT);
}

/** Open, GetList and Close responses, as a meter pushes them. */
export function smlFile(serverId: string, entries: Uint8Array[], sensorTime?: Uint8Array) {
  return concat(
    message(0x0101, openResponse(serverId), { transactionId: "01" }),
    message(0x0701, getListResponse(serverId, entries, sensorTime), { transactionId: "02" }),
    message(0x0201, CLOSE_RESPONSE, { transactionId: "03" }),
  );
}
