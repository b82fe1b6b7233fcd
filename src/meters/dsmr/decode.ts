/**
 * From telegram bytes to values ready for the Homie sink: check and parse
 * the telegram, then apply the OBIS and M-Bus tables. Only codes the meter
 * sends produce values; an unknown unit, a value that is not a decimal, a
 * tariff outside the known ones or a placeholder timestamp produces no value
 * for that property, never a guess.
 */
import { normalize, sum, whole } from "../../decimal.ts";
import type { Quantity, Value } from "../../reading.ts";
import { ok, type Result } from "../../result.ts";
import { ELECTRICITY } from "../electricity.ts";
import type { DsmrObject } from "./lines.ts";
import { type DsmrObisRow, MBUS_TABLE, type MbusRow, OBIS_TABLE } from "./obis.ts";
import { latestPeak, latestPowerFailure, mbusReading, type TimedValue } from "./records.ts";
import { type ParsedTelegram, parseTelegram, type TelegramOptions } from "./telegram.ts";
import { parseTimestamp } from "./timestamp.ts";
import { convert } from "../../units.ts";

/** Options of {@link decodeTelegram}. */
export interface TelegramDecodeOptions extends TelegramOptions {
  /**
   * M-Bus channel (1..4) to read per device kind, overriding the default:
   * the first channel whose device type fits and whose reading has a value.
   */
  channels?: Partial<Record<MbusRow["kind"], number>>;
}

/** What a telegram yields: values for the sink and the parse underneath. */
export interface DecodedTelegram {
  /** The header line, `/` included (`/ISk5\2MT382-1000`). */
  header: string;
  /** Meter clock `0-0:1.0.0`, ISO 8601 with offset, when valid. */
  meterTime?: string;
  /** Values in publishing order. */
  values: Value[];
  /** The checked telegram: objects by OBIS code, raw values and units. */
  parsed: ParsedTelegram;
}

/** Values of one telegram's objects, see {@link interpret}. */
export interface Interpretation {
  meterTime?: string;
  values: Value[];
}

/** Index in OBIS_TABLE of the register row of each code. */
const REGISTER_ROWS = new Map<string, number>(
  OBIS_TABLE.flatMap((row, i) => row.read === "register" ? [[row.code, i] as const] : []),
);

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `value` in `unit` converted to the quantity's unit (a whole number for an integer). */
function inUnit(quantity: Quantity, value: string, unit: string | undefined): string | undefined {
  if (unit === undefined || quantity.unit === undefined) return undefined;
  const converted = convert(value, unit, quantity.unit);
  return converted !== undefined && quantity.datatype === "integer" ? whole(converted) : converted;
}

/** Reads one row's value from its object, or undefined. */
function readRow(row: DsmrObisRow, object: DsmrObject): string | undefined {
  switch (row.read) {
    case "failure-end":
      return latestPowerFailure(object)?.end;
    case "failure-duration": {
      const failure = latestPowerFailure(object);
      return failure && inUnit(row.quantity, failure.duration, failure.unit);
    }
    case "peak": {
      const peak = latestPeak(object);
      return peak && inUnit(row.quantity, peak.value, peak.unit);
    }
    case "peak-time":
      return latestPeak(object)?.time;
  }
  const group = object.groups[row.group];
  if (!group) return undefined;
  switch (row.read) {
    case "timestamp":
      return parseTimestamp(group.value);
    case "integer": {
      const digits = isDigits(group.value) ? normalize(group.value) : undefined;
      const { options } = row.quantity;
      return digits !== undefined && options && !options.includes(digits) ? undefined : digits;
    }
    case "register":
      return inUnit(row.quantity, group.value, group.unit);
  }
}

/** Row indexes of OBIS_TABLE by code (one code may feed several rows). */
const ROWS_BY_CODE = new Map<string, number[]>();
OBIS_TABLE.forEach((row, i) => {
  const rows = ROWS_BY_CODE.get(row.code);
  if (rows) rows.push(i);
  else ROWS_BY_CODE.set(row.code, [i]);
});

/**
 * The object of each OBIS_TABLE row (first occurrence of its code); a
 * `1-1:` electricity code stands in for an absent `1-0:` one.
 */
function match(objects: readonly DsmrObject[]): (DsmrObject | undefined)[] {
  const slots: (DsmrObject | undefined)[] = new Array(OBIS_TABLE.length).fill(undefined);
  const aliases: DsmrObject[] = [];
  for (const object of objects) {
    const rows = ROWS_BY_CODE.get(object.code);
    if (rows) { for (const row of rows) slots[row] ??= object; }
    else if (object.code.startsWith("1-1:")) aliases.push(object);
  }
  for (const object of aliases) {
    const rows = ROWS_BY_CODE.get("1-0:" + object.code.slice(4));
    if (rows) { for (const row of rows) slots[row] ??= object; }
  }
  return slots;
}

/** One M-Bus channel: its device type and its readings by code (`24.2.1`). */
interface Channel {
  type?: number;
  readings: Map<string, DsmrObject>;
}

/** M-Bus channels 1..9 by number, in ascending order. */
function channels(objects: readonly DsmrObject[]): Map<number, Channel> {
  const found = new Map<number, Channel>();
  for (const object of objects) {
    const code = object.code;
    if (code.charCodeAt(0) !== 48 || code.charCodeAt(3) !== 58 || code.charCodeAt(1) !== 45) {
      continue;
    }
    const n = code.charCodeAt(2) - 48;
    const rest = code.slice(4);
    if (n < 1 || n > 9 || !rest.startsWith("24.")) continue;
    let channel = found.get(n);
    if (!channel) found.set(n, channel = { readings: new Map() });
    if (rest === "24.1.0") {
      const type = object.groups[0]?.value ?? "";
      if (channel.type === undefined && isDigits(type)) channel.type = Number(type);
    } else if (!channel.readings.has(rest)) {
      channel.readings.set(rest, object);
    }
  }
  return found.size > 1 ? new Map([...found].sort((a, b) => a[0] - b[0])) : found;
}

/** The reading of a channel for a device kind, converted, or undefined. */
function channelReading(row: MbusRow, channel: Channel): TimedValue | undefined {
  const typed = channel.type !== undefined && row.deviceTypes.includes(channel.type);
  for (const code of row.codes) {
    if (!typed && !(channel.type === undefined && row.untyped.includes(code))) continue;
    const object = channel.readings.get(code);
    const reading = object && mbusReading(object);
    if (!reading || reading.unit === undefined || row.value.unit === undefined) continue;
    const value = convert(reading.value, reading.unit, row.value.unit);
    if (value !== undefined) return { time: reading.time, value, unit: row.value.unit };
  }
  return undefined;
}

function value(q: Quantity, text: string): Value {
  const v: Value = {
    node: q.node,
    property: q.property,
    name: q.name,
    datatype: q.datatype,
    kind: q.kind,
    value: text,
  };
  if (q.unit !== undefined) v.unit = q.unit;
  if (q.options !== undefined) v.options = q.options;
  return v;
}

/**
 * Applies the tables to parsed objects: channel-0 rows in table order (totals
 * summed from tariff registers when the meter sends none), then one device
 * per M-Bus kind.
 */
export function interpret(
  objects: readonly DsmrObject[],
  options: Pick<TelegramDecodeOptions, "channels"> = {},
): Interpretation {
  const slots = match(objects);
  const texts = slots.map((object, i) => object && readRow(OBIS_TABLE[i], object));
  const values: Value[] = [];
  let meterTime: string | undefined;
  OBIS_TABLE.forEach((row, i) => {
    let text = texts[i];
    if (row.sumOf && !slots[i]) {
      const sent = row.sumOf.map((code) => REGISTER_ROWS.get(code) ?? -1).filter((r) => slots[r]);
      const parts = sent.map((r) => texts[r]);
      if (sent.length > 0 && parts.every((part) => part !== undefined)) {
        text = sum(parts as string[]);
      }
    }
    if (text === undefined) return;
    if (row.quantity === ELECTRICITY.timestamp) meterTime = text;
    values.push(value(row.quantity, text));
  });
  const byChannel = channels(objects);
  for (const row of MBUS_TABLE) {
    const wanted = options.channels?.[row.kind];
    const candidates = [...byChannel]
      .filter(([n]) => wanted === undefined || n === wanted)
      .map(([, channel]) => channel);
    // A channel that says it is of this kind before one that says nothing.
    const ordered = [
      ...candidates.filter((channel) => channel.type !== undefined),
      ...candidates.filter((channel) => channel.type === undefined),
    ];
    for (const channel of ordered) {
      const reading = channelReading(row, channel);
      if (!reading) continue;
      values.push(value(row.value, reading.value));
      if (reading.time !== undefined) values.push(value(row.time, reading.time));
      break;
    }
  }
  return { meterTime, values };
}

/**
 * Decodes one telegram (as framed by `TelegramFramer`, or a whole capture):
 * checks header, footer and CRC per `options.crc`, parses every line and
 * returns the values. Rejects with `framing` or `crc`; never throws.
 */
export function decodeTelegram(
  bytes: Uint8Array,
  options: TelegramDecodeOptions,
): Result<DecodedTelegram> {
  const parsed = parseTelegram(bytes, options);
  if (!parsed.ok) return parsed;
  const { meterTime, values } = interpret(parsed.value.objects, options);
  return ok({ header: parsed.value.header, meterTime, values, parsed: parsed.value });
}
