/**
 * From a data-notification body to values: the registers it carries (OBIS
 * code, value, scaler and unit), the meter clock, the meter id, and the
 * electricity layout through the shared OBIS table.
 *
 * Push meters lay their registers out in two ways, and both are read by one
 * walk over the body, without offsets per operator:
 * - nested (Kaifa at TINETZ, VKW, Salzburg, Stoen): every register is its own
 *   structure `{OBIS octet-string(6), value[, {scaler, unit}]}`;
 * - flat (Kaifa and Sagemcom T210-D at Netz NÖ, Landis+Gyr E450 with
 *   general-block-transfer): one structure lists OBIS code, value and
 *   `{scaler, unit}` one after the other, or OBIS code and value alone.
 * Items outside a register are kept when they say something: a 12-byte
 * date-time (the clock of the flat layout), a printable string (the meter
 * number Netz NÖ sends last, without an OBIS code). Bare values without OBIS
 * codes (the positional list of the E450 at Netz Burgenland) give registers
 * only through a table of positions the caller supplies; their meter id
 * string is found either way.
 *
 * Scaled values are exact decimal text (`2337` with scaler −1 is `233.7`),
 * 64-bit integers go through BigInt. A register without a scaler-unit
 * structure gets the unit its code implies only for energy (Wh, varh) and
 * power (W, var), with scaler 0; others (voltage, current, power factor)
 * stay without a unit and give no value.
 */
import { shift } from "../../decimal.ts";
import { encodeHex } from "../../bytes.ts";
import type { Value } from "../../reading.ts";
import { ELECTRICITY } from "../electricity.ts";
import {
  firstOfEach,
  formatObis,
  isCurrentElectricity,
  OBIS_ELECTRICITY,
  type ObisCode,
  obisValues,
  reducedObis,
  unitSymbol,
} from "../obis.ts";
import type { CosemData } from "./axdr.ts";
import { cosemDateTime, DATE_TIME_LENGTH } from "./clock.ts";
import type { DataNotification } from "./notification.ts";

/** One register of a push: its code, its value as text and its unit. */
export interface DlmsRegister {
  /** The OBIS code, `A-B:C.D.E*F` (`1-0:1.8.0*255`). */
  obis: string;
  /**
   * Exact decimal with the scaler applied for numbers, the text of a
   * printable string, ISO 8601 for the clock, lower-case hex for other bytes.
   */
  value: string;
  /** Unit symbol as in `DLMS_UNITS`; `""` for none (unit 255); absent when unknown. */
  unit?: string;
}

/** What one data-notification says. */
export interface DlmsPush {
  /** Values of the electricity layout: the meter clock first, then the registers by the OBIS table's order. */
  values: Value[];
  /** The meter id: 0-0:96.1.1, else 0-0:96.1.0, else a printable string outside any register. */
  serial?: string;
  /** The meter clock, ISO 8601 with offset: 0-0:1.0.0, else the notification's date-time, else a date-time outside any register. */
  meterTime?: string;
  /** The notification's long-invoke-id-and-priority. */
  invokeId: number;
  /** Every register found, in the order sent. */
  registers: DlmsRegister[];
}

/**
 * What a positional layout (values without OBIS codes) has at one index of
 * the body's top-level list: the code, scaler and DLMS unit enumeration.
 */
export interface PositionalRegister {
  /** Index in the body's list of items, from 0. */
  index: number;
  obis: ObisCode;
  scaler: number;
  /** DLMS unit enumeration (`35` V, `33` A, `27` W, `30` Wh, `255` none). */
  unit: number;
}

/** A register as found in the body, before its value is read. */
interface Found {
  code: Uint8Array;
  value: CosemData;
  scaler?: number;
  unit?: number;
}

/** What the walk collects. */
interface Walk {
  registers: Found[];
  /** 12-byte values outside any register, perhaps date-times (read only when needed). */
  looseTimes: Uint8Array[];
  looseSerial?: string;
}

const TABLE_ORDER: ReadonlyMap<string, number> = new Map(
  [...OBIS_ELECTRICITY.keys()].map((code, index) => [code, index]),
);

/** OBIS codes as text by their six bytes packed into a number: pushes repeat the same codes. */
const OBIS_TEXT = new Map<number, string>();
const OBIS_TEXT_LIMIT = 4096;

function obisText(code: Uint8Array): string {
  const key = ((code[0] * 256 + code[1]) * 256 + code[2]) * 2 ** 24 +
    ((code[3] << 16) | (code[4] << 8) | code[5]);
  let text = OBIS_TEXT.get(key);
  if (text === undefined) {
    text = formatObis(code)!;
    if (OBIS_TEXT.size >= OBIS_TEXT_LIMIT) OBIS_TEXT.clear();
    OBIS_TEXT.set(key, text);
  }
  return text;
}

function isContainer(data: CosemData): data is { type: "array" | "structure"; items: CosemData[] } {
  return data.type === "array" || data.type === "structure";
}

function isObisCode(data: CosemData): data is { type: "octet-string"; bytes: Uint8Array } {
  return data.type === "octet-string" && data.bytes.length === 6;
}

function integerOf(data: CosemData): number | undefined {
  switch (data.type) {
    case "integer":
    case "long":
    case "double-long":
    case "unsigned":
    case "long-unsigned":
    case "double-long-unsigned":
    case "enum":
      return data.value;
    default:
      return undefined;
  }
}

/** `{scaler, unit}`: a structure of two integers, the scaler a signed byte. */
function scalerUnit(data: CosemData | undefined): { scaler: number; unit: number } | undefined {
  if (data === undefined || data.type !== "structure" || data.items.length !== 2) return undefined;
  const scaler = integerOf(data.items[0]);
  const unit = integerOf(data.items[1]);
  if (scaler === undefined || unit === undefined) return undefined;
  if (scaler < -128 || scaler > 127 || unit < 0 || unit > 255) return undefined;
  return { scaler, unit };
}

function isPrintable(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  for (const byte of bytes) if (byte < 0x20 || byte > 0x7e) return false;
  return true;
}

function ascii(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** A float as plain decimal text: the shortest that reads back the same, no exponent. */
function floatText(value: number, single: boolean): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  let text = String(value);
  if (single) {
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = value.toPrecision(digits);
      if (Math.fround(Number(candidate)) === value) {
        text = String(Number(candidate));
        break;
      }
    }
  }
  const e = text.indexOf("e");
  if (e < 0) return text;
  return shift(text.slice(0, e), Number(text.slice(e + 1)));
}

/** The unscaled number of a Data value as decimal text, or undefined when it is not a number. */
function numberText(data: CosemData): string | undefined {
  switch (data.type) {
    case "integer":
    case "long":
    case "double-long":
    case "unsigned":
    case "long-unsigned":
    case "double-long-unsigned":
    case "enum":
    case "bcd":
      return String(data.value);
    case "long64":
    case "long64-unsigned":
      return data.value.toString();
    case "float32":
      return floatText(data.value, true);
    case "float64":
      return floatText(data.value, false);
    default:
      return undefined;
  }
}

/** Text of a string value: printable octet-strings and the string types. */
function stringText(data: CosemData): string | undefined {
  if (data.type === "visible-string" || data.type === "utf8-string") return data.value;
  if (data.type === "octet-string" && isPrintable(data.bytes)) return ascii(data.bytes);
  return undefined;
}

/** The unit energy and power registers imply when the meter sends no scaler-unit. */
function impliedUnit(code: Uint8Array): string | undefined {
  if (code[0] !== 1) return undefined;
  const c = code[2];
  const d = code[3];
  if (d === 8) {
    if (c === 1 || c === 2) return "Wh";
    if (c === 3 || c === 4) return "varh";
    return undefined;
  }
  if (d === 7) {
    if (c === 3 || c === 4) return "var";
    if (c === 1 || c === 2 || c === 16 || c === 36 || c === 56 || c === 76) return "W";
    if ((c >= 21 && c <= 22) || (c >= 41 && c <= 42) || (c >= 61 && c <= 62)) return "W";
  }
  return undefined;
}

/** Walks a list of items, flat or nested; see the module doc. */
function walk(items: CosemData[], into: Walk): void {
  const n = items.length;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    if (isContainer(item)) {
      const inner = item.items;
      if (
        item.type === "structure" && (inner.length === 2 || inner.length === 3) &&
        isObisCode(inner[0]) && !isContainer(inner[1])
      ) {
        const su = inner.length === 3 ? scalerUnit(inner[2]) : undefined;
        if (inner.length === 2 || su !== undefined) {
          into.registers.push({
            code: inner[0].bytes,
            value: inner[1],
            scaler: su?.scaler,
            unit: su?.unit,
          });
          continue;
        }
      }
      walk(inner, into);
      continue;
    }
    if (isObisCode(item) && i + 1 < n && !isContainer(items[i + 1])) {
      const su = scalerUnit(items[i + 2]);
      into.registers.push({
        code: item.bytes,
        value: items[i + 1],
        scaler: su?.scaler,
        unit: su?.unit,
      });
      i += su === undefined ? 1 : 2;
      continue;
    }
    loose(item, into);
  }
}

/** Keeps an item outside any register when it may be a date-time or is a printable string. */
function loose(item: CosemData, into: Walk): void {
  if (item.type === "date-time" || (item.type === "octet-string" && item.bytes.length === 12)) {
    into.looseTimes.push(item.bytes);
  }
  if (into.looseSerial !== undefined) return;
  const text = stringText(item)?.trim();
  if (text !== undefined && text.length >= 4) into.looseSerial = text;
}

/** The first loose value that is a valid date-time. */
function looseTime(into: Walk): string | undefined {
  for (const bytes of into.looseTimes) {
    const time = cosemDateTime(bytes);
    if (time !== undefined) return time;
  }
  return undefined;
}

function isClock(code: Uint8Array): boolean {
  return code[0] === 0 && code[2] === 1 && code[3] === 0 && code[4] === 0;
}

/** 0 for 0-0:96.1.1, 1 for 0-0:96.1.0 (the preference), -1 for other codes. */
function idRank(code: Uint8Array): number {
  if (code[0] !== 0 || code[2] !== 96 || code[3] !== 1) return -1;
  return code[4] === 1 ? 0 : code[4] === 0 ? 1 : -1;
}

/**
 * Reads a data-notification's body into registers and values; see the
 * module doc. `positions` names the bare values of a positional layout.
 * Never fails: what it does not understand gives no value.
 */
export function pushValues(
  notification: DataNotification,
  positions: readonly PositionalRegister[] = [],
): DlmsPush {
  const found: Walk = { registers: [], looseTimes: [] };
  const body = notification.body;
  if (isContainer(body)) {
    walk(body.items, found);
    for (const { index, obis, scaler, unit } of positions) {
      const value = body.items[index];
      if (value !== undefined && !isContainer(value)) {
        found.registers.push({ code: Uint8Array.from(obis), value, scaler, unit });
      }
    }
  } else {
    loose(body, found);
  }

  const registers: DlmsRegister[] = [];
  const ranked: { rank: number; values: Value[] }[] = [];
  let clock: string | undefined;
  const ids: (string | undefined)[] = [undefined, undefined];
  for (const { code, value, scaler, unit: unitCode } of found.registers) {
    const obis = obisText(code);
    if (isClock(code)) {
      const bytes = value.type === "octet-string" || value.type === "date-time"
        ? value.bytes
        : undefined;
      const time = bytes && bytes.length === DATE_TIME_LENGTH ? cosemDateTime(bytes) : undefined;
      clock ??= time;
      registers.push({ obis, value: time ?? (bytes ? encodeHex(bytes) : "") });
      continue;
    }
    const raw = numberText(value);
    if (raw === undefined) {
      const text = stringText(value);
      const rank = idRank(code);
      if (rank >= 0 && text !== undefined && text.trim() !== "") ids[rank] ??= text.trim();
      const shown = text ?? (value.type === "octet-string" ? encodeHex(value.bytes) : undefined);
      if (shown !== undefined) registers.push({ obis, value: shown });
      continue;
    }
    let unit: string | undefined;
    let text: string | undefined = raw;
    if (scaler !== undefined && unitCode !== undefined) {
      unit = unitSymbol(unitCode);
      text = shift(raw, scaler);
    } else {
      unit = impliedUnit(code);
    }
    if (text === undefined) continue;
    registers.push(unit === undefined ? { obis, value: text } : { obis, value: text, unit });
    if (isCurrentElectricity(code) && unit !== undefined) {
      const reduced = reducedObis(code);
      const values = obisValues(reduced, text, unit);
      if (values.length > 0) ranked.push({ rank: TABLE_ORDER.get(reduced) ?? 0, values });
    }
  }

  const meterTime = clock ??
    (notification.dateTime ? cosemDateTime(notification.dateTime) : undefined) ??
    looseTime(found);
  const values: Value[] = [];
  if (meterTime !== undefined) values.push({ ...ELECTRICITY.timestamp, value: meterTime });
  ranked.sort((a, b) => a.rank - b.rank);
  values.push(...firstOfEach(ranked.flatMap((r) => r.values)));
  const serial = ids[0] ?? ids[1] ?? found.looseSerial;
  const push: DlmsPush = { values, invokeId: notification.invokeId, registers };
  if (serial !== undefined) push.serial = serial;
  if (meterTime !== undefined) push.meterTime = meterTime;
  return push;
}
