/**
 * Readers for the multi-group object shapes of P1 telegrams: the power-failure
 * event log, M-Bus readings and the Belgian peak-demand history. They take a
 * parsed object and never fail: what does not fit is left out.
 */
import { normalize } from "../../decimal.ts";
import type { DsmrObject } from "./lines.ts";
import { parseTimestamp } from "./timestamp.ts";

/** One entry of the power-failure event log `1-0:99.97.0`. */
export interface PowerFailure {
  /** End of the failure, ISO 8601; absent for a placeholder timestamp. */
  end?: string;
  /** Duration as an exact decimal. */
  duration: string;
  /** Unit of the duration as sent (`s`). */
  unit?: string;
}

/** A timestamped reading: an M-Bus value or a peak demand. */
export interface TimedValue {
  /** Capture time, ISO 8601; absent for a placeholder timestamp. */
  time?: string;
  /** The value as an exact decimal, normalised. */
  value: string;
  unit?: string;
}

/** One month of the Belgian peak-demand history `0-0:98.1.0`. */
export interface MonthlyPeak extends TimedValue {
  /**
   * When the meter closed the month's record, ISO 8601: the first instant of
   * the next month (the April peak is stamped 1 May); absent for a
   * placeholder.
   */
  month?: string;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,4}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Reads `1-0:99.97.0(N)(0-0:96.7.19)(TST)(duration*s)…`. The empty forms
 * `(0)(0-0:96.7.19)`, `(0)()` and `()` give an empty list; entries beyond N
 * or without a decimal duration are left out.
 */
export function powerFailureLog(object: DsmrObject): PowerFailure[] {
  const groups = object.groups;
  const n = count(groups[0]?.value) ?? 0;
  const out: PowerFailure[] = [];
  for (let i = 2; i + 1 < groups.length && out.length < n; i += 2) {
    const duration = normalize(groups[i + 1].value);
    if (duration === undefined) continue;
    const end = parseTimestamp(groups[i].value);
    out.push({ end, duration, unit: groups[i + 1].unit });
  }
  return out;
}

/** The instant of an ISO 8601 time, for ordering times with different offsets. */
function instant(time: string | undefined): number {
  return time === undefined ? NaN : Date.parse(time);
}

/**
 * The entry of the power-failure log that ended last, or undefined when no
 * entry has a valid end (the log lists them in no fixed order).
 */
export function latestPowerFailure(object: DsmrObject): PowerFailure | undefined {
  let latest: PowerFailure | undefined;
  for (const failure of powerFailureLog(object)) {
    const at = instant(failure.end);
    if (Number.isNaN(at)) continue;
    if (latest === undefined || at > instant(latest.end)) latest = failure;
  }
  return latest;
}

/**
 * Reads an M-Bus reading: `0-n:24.2.1(TST)(value*unit)` (also `24.2.3`), or
 * the DSMR 2.2 profile `0-n:24.3.0(TST)(status)(period)(count)(obis)(unit)`
 * with the value in the continuation group. Undefined when the value is not
 * a decimal; the unit is absent when the meter sent none.
 */
export function mbusReading(object: DsmrObject): TimedValue | undefined {
  const groups = object.groups;
  const profile = object.code.endsWith(":24.3.0");
  const reading = profile ? groups[6] : groups[1];
  const value = reading && normalize(reading.value);
  if (value === undefined) return undefined;
  const unit = profile ? (groups[5].value || undefined) : reading.unit;
  return { time: parseTimestamp(groups[0].value), value, unit };
}

/**
 * Reads `0-0:98.1.0(N)(1-0:1.6.0)(1-0:1.6.0)` followed by N × `(TST month)
 * (TST occurred)(value*kW)`. Other layouts (the Hungarian monthly record has
 * no count) give an empty list.
 */
export function peakHistory(object: DsmrObject): MonthlyPeak[] {
  const groups = object.groups;
  const n = count(groups[0]?.value);
  if (n === undefined || groups.length < 3 + 3 * n) return [];
  const out: MonthlyPeak[] = [];
  for (let i = 3; i + 2 < groups.length && out.length < n; i += 3) {
    const value = normalize(groups[i + 2].value);
    if (value === undefined) continue;
    out.push({
      month: parseTimestamp(groups[i].value),
      time: parseTimestamp(groups[i + 1].value),
      value,
      unit: groups[i + 2].unit,
    });
  }
  return out;
}

/**
 * The month of the peak history closed last (meters list the months oldest
 * first or newest first), or undefined when no month has a valid stamp.
 */
export function latestPeak(object: DsmrObject): MonthlyPeak | undefined {
  let latest: MonthlyPeak | undefined;
  for (const peak of peakHistory(object)) {
    const at = instant(peak.month);
    if (Number.isNaN(at)) continue;
    if (latest === undefined || at > instant(latest.month)) latest = peak;
  }
  return latest;
}
