/**
 * SML messages (SML 1.04) from the payload of a transport frame: the
 * OpenResponse, the GetListResponse that carries the readings, and the
 * CloseResponse; other message types are kept by tag only.
 *
 * Each message is a list of six: transaction id, group number, abort-on-error,
 * the body `[tag, content]`, a CRC-16 and the end-of-message byte `00`. The
 * message CRC (X-25 over the message up to the CRC field, stored byte-swapped;
 * KERMIT on Holley meters) is only reported, never enforced: the transport
 * CRC already protects the bytes, and some published frames carry message
 * CRCs that were not recomputed after editing.
 *
 * A list entry's value is `raw × 10^scaler`, computed exactly in decimal.
 * Bytes that do not have the shape of these messages are a `decode`
 * rejection, never an exception.
 */
import { crc16Kermit, crc16X25 } from "../../crc.ts";
import { shift } from "../../decimal.ts";
import { ok, reject, type Result } from "../../result.ts";
import { parseSmlNode, type SmlNode } from "./tlv.ts";

/** Tags of the message bodies decoded here. */
export const SML_TAGS = {
  openResponse: 0x0101,
  closeResponse: 0x0201,
  getListResponse: 0x0701,
} as const;

/** An SML time: seconds since the meter started, or a Unix time (with its offsets in minutes). */
export type SmlTime =
  | { kind: "secIndex"; seconds: number }
  | { kind: "timestamp"; seconds: number }
  | { kind: "localTimestamp"; seconds: number; localOffset: number; seasonOffset: number };

/** The value of a list entry: integer, octet string, boolean, list elements, or absent. */
export type SmlEntryValue = number | bigint | boolean | Uint8Array | SmlNode[] | undefined;

/** One entry of a GetListResponse's value list. */
export interface SmlListEntry {
  /** The OBIS code, 6 bytes. */
  obis: Uint8Array;
  /** The status word, often a bit field. */
  status?: number | bigint;
  valTime?: SmlTime;
  /** The DLMS unit code (27 W, 30 Wh, 33 A, 35 V, 44 Hz). */
  unit?: number;
  scaler?: number;
  /** The value as sent. */
  value: SmlEntryValue;
  /** For an integer value: raw × 10^scaler as exact decimal text. */
  decimal?: string;
}

/** An OpenResponse: who sends and which file. */
export interface SmlOpenResponse {
  kind: "openResponse";
  clientId?: Uint8Array;
  reqFileId: Uint8Array;
  serverId: Uint8Array;
  refTime?: SmlTime;
  smlVersion?: number;
}

/** A GetListResponse: the meter's readings. */
export interface SmlGetListResponse {
  kind: "getListResponse";
  clientId?: Uint8Array;
  serverId: Uint8Array;
  listName?: Uint8Array;
  actSensorTime?: SmlTime;
  entries: SmlListEntry[];
  actGatewayTime?: SmlTime;
}

/** A message body: one of the three responses a meter pushes, or another tag. */
export type SmlBody =
  | SmlOpenResponse
  | SmlGetListResponse
  | { kind: "closeResponse" }
  | { kind: "other"; tag: number };

/** One SML message. */
export interface SmlMessage {
  transactionId: Uint8Array;
  groupNo: number;
  abortOnError: number;
  body: SmlBody;
  /**
   * Whether the message CRC matched (X-25 or KERMIT); undefined when the
   * message carries none.
   */
  crcOk: boolean | undefined;
}

/** Thrown inside this module for a wrong shape, and turned into a rejection at its boundary. */
class Shape extends Error {}

/**
 * Decodes the messages of a transport frame's payload, in order. Zero bytes
 * between messages (fill a meter did not count) are skipped.
 */
export function decodeSmlMessages(payload: Uint8Array): Result<SmlMessage[]> {
  const messages: SmlMessage[] = [];
  let at = 0;
  while (at < payload.length) {
    if (payload[at] === 0x00) {
      at++;
      continue;
    }
    const node = parseSmlNode(payload, at);
    if (!node.ok) return node;
    try {
      messages.push(message(payload, node.value, messages.length + 1));
    } catch (error) {
      if (error instanceof Shape) return reject("decode", error.message);
      throw error;
    }
    at = node.value.end;
  }
  if (messages.length === 0) return reject("decode", "no SML message in the frame");
  return ok(messages);
}

function message(payload: Uint8Array, node: SmlNode, n: number): SmlMessage {
  const items = list(node, 6, `message ${n}`);
  if (items[5].kind !== "end") throw new Shape(`SML message ${n} does not end with 00`);
  const [tag, content] = list(items[3], 2, `body of message ${n}`);
  const crc = items[4];
  let crcOk: boolean | undefined;
  if (crc.kind === "integer") {
    const field = Number(crc.value);
    const x25 = crc16X25(payload, node.start, crc.start);
    crcOk = field === (((x25 & 0xff) << 8) | (x25 >> 8)) ||
      field === crc16Kermit(payload, node.start, crc.start);
  } else if (crc.kind !== "absent") {
    throw new Shape(`SML message ${n}: the CRC is not an integer`);
  }
  return {
    transactionId: octets(items[0], "transaction id"),
    groupNo: small(items[1], "group number") ?? 0,
    abortOnError: small(items[2], "abort on error") ?? 0,
    body: body(integer(tag, "message tag"), content),
    crcOk,
  };
}

function body(tag: number | bigint, content: SmlNode): SmlBody {
  switch (tag) {
    case SML_TAGS.openResponse: {
      const [codepage, clientId, reqFileId, serverId, refTime, version] = list(
        content,
        6,
        "OpenResponse",
      );
      optionalOctets(codepage, "codepage");
      return {
        kind: "openResponse",
        clientId: optionalOctets(clientId, "client id"),
        reqFileId: octets(reqFileId, "request file id"),
        serverId: octets(serverId, "server id"),
        refTime: time(refTime, "reference time"),
        smlVersion: small(version, "SML version"),
      };
    }
    case SML_TAGS.getListResponse: {
      const [clientId, serverId, listName, sensorTime, valList, , gatewayTime] = list(
        content,
        7,
        "GetListResponse",
      );
      return {
        kind: "getListResponse",
        clientId: optionalOctets(clientId, "client id"),
        serverId: octets(serverId, "server id"),
        listName: optionalOctets(listName, "list name"),
        actSensorTime: time(sensorTime, "sensor time"),
        entries: valList.kind === "absent" ? [] : list(valList, -1, "value list").map(entry),
        actGatewayTime: time(gatewayTime, "gateway time"),
      };
    }
    case SML_TAGS.closeResponse:
      return { kind: "closeResponse" };
    default:
      return { kind: "other", tag: Number(tag) };
  }
}

function entry(node: SmlNode, i: number): SmlListEntry {
  const [objName, statusNode, valTime, unitNode, scalerNode, valueNode] = list(
    node,
    7,
    `list entry ${i + 1}`,
  );
  const obis = octets(objName, `OBIS code of entry ${i + 1}`);
  if (obis.length !== 6) {
    throw new Shape(`SML list entry ${i + 1}: OBIS code of ${obis.length} bytes, not 6`);
  }
  const unit = small(unitNode, "unit");
  const scaler = small(scalerNode, "scaler");
  if (unit !== undefined && (unit < 0 || unit > 255)) {
    throw new Shape(`SML unit ${unit} out of range`);
  }
  if (scaler !== undefined && (scaler < -128 || scaler > 127)) {
    throw new Shape(`SML scaler ${scaler} out of range`);
  }
  const result: SmlListEntry = { obis, value: value(valueNode) };
  if (statusNode.kind !== "absent") result.status = integer(statusNode, "status");
  const when = time(valTime, "value time");
  if (when) result.valTime = when;
  if (unit !== undefined) result.unit = unit;
  if (scaler !== undefined) result.scaler = scaler;
  if (typeof result.value === "number" || typeof result.value === "bigint") {
    result.decimal = shift(String(result.value), scaler ?? 0);
  }
  return result;
}

function value(node: SmlNode): SmlEntryValue {
  switch (node.kind) {
    case "integer":
    case "boolean":
      return node.value;
    case "octets":
      return node.bytes;
    case "list":
      return node.items;
    case "absent":
      return undefined;
    default:
      throw new Shape(`SML value at byte ${node.start} is an end of message`);
  }
}

/**
 * An SML time: a list of two (choice 1 seconds index, 2 Unix time, 3 local
 * time with offsets), or a bare unsigned integer some meters send instead
 * (taken as a seconds index).
 */
function time(node: SmlNode, what: string): SmlTime | undefined {
  if (node.kind === "absent") return undefined;
  if (node.kind === "integer" && !node.signed) {
    return { kind: "secIndex", seconds: Number(node.value) };
  }
  const [choice, content] = list(node, 2, what);
  switch (integer(choice, `${what} choice`)) {
    case 1:
      return { kind: "secIndex", seconds: Number(integer(content, what)) };
    case 2:
      return { kind: "timestamp", seconds: Number(integer(content, what)) };
    case 3: {
      const [seconds, local, season] = list(content, 3, what);
      return {
        kind: "localTimestamp",
        seconds: Number(integer(seconds, what)),
        localOffset: Number(integer(local, what)),
        seasonOffset: Number(integer(season, what)),
      };
    }
    default:
      throw new Shape(`SML ${what}: unknown time choice`);
  }
}

/** The elements of a list node; `count` -1 accepts any number. */
function list(node: SmlNode, count: number, what: string): SmlNode[] {
  if (node.kind !== "list") throw new Shape(`SML ${what} at byte ${node.start} is not a list`);
  if (count >= 0 && node.items.length !== count) {
    throw new Shape(`SML ${what} has ${node.items.length} elements, not ${count}`);
  }
  return node.items;
}

function octets(node: SmlNode, what: string): Uint8Array {
  if (node.kind !== "octets") {
    throw new Shape(`SML ${what} at byte ${node.start} is not an octet string`);
  }
  return node.bytes;
}

function optionalOctets(node: SmlNode, what: string): Uint8Array | undefined {
  return node.kind === "absent" ? undefined : octets(node, what);
}

function integer(node: SmlNode, what: string): number | bigint {
  if (node.kind !== "integer") {
    throw new Shape(`SML ${what} at byte ${node.start} is not an integer`);
  }
  return node.value;
}

/** An optional integer that fits a `number` (group number, unit, scaler). */
function small(node: SmlNode, what: string): number | undefined {
  if (node.kind === "absent") return undefined;
  const value = integer(node, what);
  if (typeof value === "bigint") throw new Shape(`SML ${what} is too large`);
  return value;
}
