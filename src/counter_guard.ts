/**
 * Which counter values are believed. A counter (energy, volume, operating
 * hours) only grows, and no faster than a meter can count; a value that
 * breaks either rule is held back, not published:
 *
 * - a rise is plausible when it is at most what the unit's bound (table
 *   below: 1 MW for energy, 100 m³/h for volume, 1 h/h for hours) adds in
 *   the time since the last believed value was seen, plus one minute (frames
 *   that were buffered arrive in a burst) and one step of the meter's
 *   resolution; a counter in a unit not in the table may rise to ten times
 *   its last value;
 * - a value that does not fit (a rise too fast, or any decrease) is held
 *   back, and counted by the caller as a rejection;
 * - values that do not fit but persist for {@link CONFIRMATIONS} readings in
 *   a row, never decreasing among themselves, are believed: a meter exchange
 *   or reset (counters restart near zero), or a meter whose scale changed.
 *   The last of them is published and becomes the new reference.
 *
 * So one absurd value (`999999999999.999 kWh` in a frame whose CRC happens
 * to match) is dropped and the next real value goes out as usual, while a
 * counter never freezes: whatever the meter says for long enough is believed.
 *
 * Pure: values are exact decimal text (compared with decimal.ts), times are
 * milliseconds passed in (a monotonic clock is best); nothing reads a clock.
 * The first value of a counter is believed as it is, as nothing came before.
 */
import { compare, fixed, isDecimal, shift, sum } from "./decimal.ts";
import type { Value } from "./reading.ts";

/** Readings in a row a value that does not fit must persist for to be believed. */
export const CONFIRMATIONS = 3;

/** Milliseconds of growth at the bound allowed on top of the elapsed time. */
export const GRACE_MS = 60_000;

const ENERGY_PER_HOUR = 1000; // kWh in one hour at 1 MW
const KCAL_PER_KWH = 3600 / 4.1868; // International Table calorie

/**
 * Most a counter rises per hour, by unit symbol: energy at 1 MW (more than
 * any household connection and the largest MULTICAL 403), volume at
 * 100 m³/h, operating time at its own pace.
 */
export const HOURLY_BOUND: Readonly<Record<string, number>> = {
  "Wh": ENERGY_PER_HOUR * 1e3,
  "kWh": ENERGY_PER_HOUR,
  "MWh": ENERGY_PER_HOUR / 1e3,
  "GWh": ENERGY_PER_HOUR / 1e6,
  "varh": ENERGY_PER_HOUR * 1e3,
  "kvarh": ENERGY_PER_HOUR,
  "Mvarh": ENERGY_PER_HOUR / 1e3,
  "Gvarh": ENERGY_PER_HOUR / 1e6,
  "VAh": ENERGY_PER_HOUR * 1e3,
  "kVAh": ENERGY_PER_HOUR,
  "MVAh": ENERGY_PER_HOUR / 1e3,
  "GVAh": ENERGY_PER_HOUR / 1e6,
  "J": ENERGY_PER_HOUR * 3.6e6,
  "kJ": ENERGY_PER_HOUR * 3.6e3,
  "MJ": ENERGY_PER_HOUR * 3.6,
  "GJ": ENERGY_PER_HOUR * 3.6e-3,
  "cal": ENERGY_PER_HOUR * KCAL_PER_KWH * 1e3,
  "kcal": ENERGY_PER_HOUR * KCAL_PER_KWH,
  "Mcal": ENERGY_PER_HOUR * KCAL_PER_KWH / 1e3,
  "Gcal": ENERGY_PER_HOUR * KCAL_PER_KWH / 1e6,
  "m³": 100,
  "m3": 100,
  "L": 100_000,
  "t": 100,
  "h": 1,
  "min": 60,
  "s": 3600,
  "d": 1 / 24,
};

/** What a counter value is: believed, believed after persisting, or held back. */
export type CounterVerdict =
  | { kind: "fits" }
  | { kind: "restarted"; from: string; readings: number }
  | { kind: "rise"; last: string; elapsedMs: number }
  | { kind: "decrease"; last: string };

/** A counter value held back, with the verdict that held it. */
export interface HeldCounter {
  value: Value;
  verdict: Extract<CounterVerdict, { kind: "rise" | "decrease" }>;
}

/** A counter value believed after persisting: the value and the reference it replaced. */
export interface RestartedCounter {
  value: Value;
  from: string;
  readings: number;
}

/** A reading's values after the guard: what to publish, what was held, what restarted. */
export interface Screened {
  values: Value[];
  held: HeldCounter[];
  restarted: RestartedCounter[];
}

/** Options of {@link CounterGuard}. */
export interface CounterGuardOptions {
  /** Readings in a row a misfit must persist for; {@link CONFIRMATIONS} unless told. */
  confirmations?: number;
  /** Grace on top of the elapsed time; {@link GRACE_MS} unless told. */
  graceMs?: number;
}

interface Track {
  unit?: string;
  /** The believed value and when it was last seen. */
  value: string;
  at: number;
  /** Values in a row that did not fit: the newest and how many. */
  misfit?: { value: string; count: number };
}

/** The counter policy of the module documentation, one track per `node/property`. */
export class CounterGuard {
  readonly #confirmations: number;
  readonly #graceMs: number;
  readonly #tracks = new Map<string, Track>();

  /** Throws a RangeError for fewer than 1 confirmation or a negative grace. */
  constructor(options: CounterGuardOptions = {}) {
    this.#confirmations = options.confirmations ?? CONFIRMATIONS;
    this.#graceMs = options.graceMs ?? GRACE_MS;
    if (!Number.isInteger(this.#confirmations) || this.#confirmations < 1) {
      throw new RangeError(`confirmations must be a whole number ≥ 1, not ${this.#confirmations}`);
    }
    if (!(this.#graceMs >= 0)) throw new RangeError(`graceMs must be ≥ 0, not ${this.#graceMs}`);
  }

  /**
   * Judges the counter `key` at `value` (exact decimal text) in `unit`, seen
   * at `now` milliseconds. Throws a RangeError for a value that is not a
   * decimal or a time that is not finite.
   */
  judge(key: string, value: string, unit: string | undefined, now: number): CounterVerdict {
    if (!isDecimal(value)) throw new RangeError(`${key}: not a decimal: ${value}`);
    if (!Number.isFinite(now)) throw new RangeError(`not a time: ${now}`);
    const track = this.#tracks.get(key);
    if (!track || track.unit !== unit) {
      this.#tracks.set(key, { unit, value, at: now });
      return { kind: "fits" };
    }
    const order = compare(value, track.value);
    const elapsedMs = Math.max(0, now - track.at);
    if (order >= 0 && (order === 0 || this.#plausible(track, value, elapsedMs))) {
      track.value = value;
      track.at = now;
      track.misfit = undefined;
      return { kind: "fits" };
    }
    const misfit = track.misfit;
    track.misfit = misfit && compare(value, misfit.value) >= 0
      ? { value, count: misfit.count + 1 }
      : { value, count: 1 };
    if (track.misfit.count >= this.#confirmations) {
      const from = track.value;
      const readings = track.misfit.count;
      this.#tracks.set(key, { unit, value, at: now });
      return { kind: "restarted", from, readings };
    }
    return order < 0
      ? { kind: "decrease", last: track.value }
      : { kind: "rise", last: track.value, elapsedMs };
  }

  /**
   * Judges every counter of a reading (kind `counter`, decimal value); other
   * values pass as they are. Returns the values to publish, in their order.
   */
  screen(values: readonly Value[], now: number): Screened {
    const screened: Screened = { values: [], held: [], restarted: [] };
    for (const value of values) {
      if (value.kind !== "counter" || !isDecimal(value.value)) {
        screened.values.push(value);
        continue;
      }
      const key = `${value.node}/${value.property}`;
      const verdict = this.judge(key, value.value, value.unit, now);
      if (verdict.kind === "rise" || verdict.kind === "decrease") {
        screened.held.push({ value, verdict });
        continue;
      }
      if (verdict.kind === "restarted") {
        screened.restarted.push({ value, from: verdict.from, readings: verdict.readings });
      }
      screened.values.push(value);
    }
    return screened;
  }

  /** Whether a rise from the believed value to `value` in `elapsedMs` is plausible. */
  #plausible(track: Track, value: string, elapsedMs: number): boolean {
    const step = shift("1", -scaleOf(track.value))!;
    const hourly = track.unit === undefined ? undefined : HOURLY_BOUND[track.unit];
    let limit: string;
    if (hourly !== undefined) {
      const rise = hourly * (elapsedMs + this.#graceMs) / 3_600_000;
      limit = sum([track.value, fixed(rise, 6), step])!;
    } else {
      if (compare(track.value, "0") <= 0) return true;
      limit = sum([shift(track.value, 1)!, step])!;
    }
    return compare(value, limit) <= 0;
  }
}

/** Digits after the decimal point of decimal text. */
function scaleOf(text: string): number {
  const point = text.indexOf(".");
  return point < 0 ? 0 : text.length - point - 1;
}

function withUnit(text: string, unit?: string): string {
  return unit ? `${text} ${unit}` : text;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** One line on a held counter value, for the log. */
export function describeHeld(
  { value, verdict }: HeldCounter,
  confirmations = CONFIRMATIONS,
): string {
  const key = `${value.node}/${value.property}`;
  const what = `${key}: ${withUnit(value.value, value.unit)} held back`;
  const last = withUnit(verdict.last, value.unit);
  if (verdict.kind === "decrease") {
    return `${what}: lower than ${last}; believed only if it persists for ` +
      `${confirmations} readings in a row`;
  }
  const hourly = value.unit === undefined ? undefined : HOURLY_BOUND[value.unit];
  const bound = hourly === undefined
    ? "more than ten times the last value"
    : `more than ${Number(hourly.toPrecision(6))} ${value.unit} per hour`;
  return `${what}: a rise from ${last} in ${seconds(verdict.elapsedMs)} is ${bound}`;
}

/** One line on the counters a reading restarted (a meter exchange or reset), for the log. */
export function describeRestarts(restarted: readonly RestartedCounter[]): string {
  const changes = restarted.map(({ value, from }) =>
    `${value.node}/${value.property} ${from} → ${withUnit(value.value, value.unit)}`
  );
  const readings = Math.max(...restarted.map((r) => r.readings));
  return `counters restarted, believed after ${readings} readings in a row ` +
    `(a meter exchange or reset): ${changes.join(", ")}`;
}
