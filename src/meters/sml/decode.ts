/**
 * One SML transport payload to the electricity layout: the messages are
 * decoded, the entries of every GetListResponse become values through the
 * shared OBIS table, and the meter's identity is read from them.
 *
 * Only current values of electricity registers become values: OBIS group A
 * is 1 and group F is 255, so history registers (Holley sends
 * `1-0:1.8.0*96` … `*100`, energy over past periods) do not overwrite the
 * totals. The first entry of a quantity wins. Energy arrives in Wh and
 * is published in kWh, converted exactly; a meter that hides its decimals
 * until the PIN is entered gives the integer it sends.
 */
import type { Value } from "../../reading.ts";
import { ok, reject, type Result } from "../../result.ts";
import { firstOfEach, isCurrentElectricity, obisValues, reducedObis, unitSymbol } from "../obis.ts";
import { type SmlIdentity, smlIdentity } from "./identity.ts";
import {
  decodeSmlMessages,
  type SmlGetListResponse,
  type SmlListEntry,
  type SmlMessage,
  type SmlTime,
} from "./messages.ts";

/** What one payload gives. */
export interface SmlDecoded {
  /** Values of the electricity layout. */
  values: Value[];
  /** Manufacturer and serial, as far as the meter tells. */
  info: SmlIdentity;
  /** The GetListResponses, with every entry as sent. */
  lists: SmlGetListResponse[];
  /** The sensor time of the first GetListResponse that has one. */
  sensorTime?: SmlTime;
  /** Messages whose CRC did not match: a note only, the transport CRC held. */
  messageCrcMismatches: number;
}

/** Decodes the SML messages of one transport payload (or a capture of messages only). */
export function decodeSmlPayload(payload: Uint8Array): Result<SmlDecoded> {
  const decoded = decodeSmlMessages(payload);
  if (!decoded.ok) return decoded;
  return smlDecoded(decoded.value);
}

/** Values, identity and notes of decoded messages; a rejection when no GetListResponse is among them. */
export function smlDecoded(messages: readonly SmlMessage[]): Result<SmlDecoded> {
  const lists: SmlGetListResponse[] = [];
  const serverIds: Uint8Array[] = [];
  let mismatches = 0;
  for (const { body, crcOk } of messages) {
    if (crcOk === false) mismatches++;
    if (body.kind === "getListResponse") lists.push(body);
    if (body.kind === "getListResponse" || body.kind === "openResponse") {
      serverIds.push(body.serverId);
    }
  }
  if (lists.length === 0) return reject("decode", "no GetListResponse in the SML messages");
  const entries = lists.flatMap((list) => list.entries);
  const decoded: SmlDecoded = {
    values: smlValues(entries),
    info: smlIdentity(entries, serverIds),
    lists,
    messageCrcMismatches: mismatches,
  };
  const sensorTime = lists.find((list) => list.actSensorTime)?.actSensorTime;
  if (sensorTime) decoded.sensorTime = sensorTime;
  return ok(decoded);
}

/** The electricity values of list entries: current registers of group A 1, first entry wins. */
export function smlValues(entries: readonly SmlListEntry[]): Value[] {
  return firstOfEach(entries.flatMap(({ obis, unit, decimal }) => {
    if (decimal === undefined || !isCurrentElectricity(obis)) return [];
    const symbol = unit === undefined ? "" : unitSymbol(unit);
    return symbol === undefined ? [] : obisValues(reducedObis(obis), decimal, symbol);
  }));
}
