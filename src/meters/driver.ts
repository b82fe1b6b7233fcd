/**
 * The meter driver contract. A meter type is one driver: a folder under
 * `src/meters/` and one line in `registry.ts`. The driver declares, as data,
 * what the rest of smr needs to know about the type: its `meter.*` keys, its
 * serial line, its name and interval, and how to build the meter and decode
 * a capture. Nothing outside the driver's folder switches on the meter type.
 *
 * The declaration (`driver.ts`) is light: it loads the code that builds the
 * meter and decodes with `import()` inside `create` and `decode`, so smr
 * loads only the configured meter's code (every driver is declared, since the
 * configuration is checked against all of them).
 */
import type { Rules, ValuesOf } from "../config/rules.ts";
import type { Logger } from "../log.ts";
import type { Reading, Value } from "../reading.ts";
import { isoLocal } from "../time.ts";
import type { SerialSettings } from "../serial/stty.ts";
import type { Meter } from "./meter.ts";
import type { Result } from "../result.ts";
import type { Decoded } from "./stream_meter.ts";

/** The `meter.*` keys of a serial meter, whatever its type. */
export type SerialMeterConfig = {
  device: string;
  baud: number;
  databits: SerialSettings["databits"];
  parity: SerialSettings["parity"];
  stopbits: SerialSettings["stopbits"];
};

/** The `meter` section every meter has. */
export type BaseMeterConfig<T extends string = string> = {
  type: T;
  /** Seconds between readings, polled or expected. */
  interval: number;
};

/**
 * The validated `meter` section of a meter type `T` with keys `R` and serial
 * line `S`: base keys, serial keys if it has a line, its own keys.
 */
export type DriverConfig<
  T extends string,
  R extends Rules,
  S extends SerialSettings | undefined,
> = BaseMeterConfig<T> & (S extends SerialSettings ? SerialMeterConfig : unknown) & ValuesOf<R>;

/** The validated `meter` section of a driver. */
export type MeterConfigOf<D extends AnyDriver> = D extends MeterDriver<infer T, infer R, infer S>
  ? DriverConfig<T, R, S>
  : never;

/** What a driver's meter is built with besides its configuration. */
export interface MeterContext {
  /** The meter id (the environment name). */
  id: string;
  log: Logger;
}

/** What a capture decoded to: readings in order, and one line per problem. */
export interface DecodeReport {
  readings: Reading[];
  problems: string[];
}

/** A meter type. */
export interface MeterDriver<
  T extends string = string,
  R extends Rules = Rules,
  S extends SerialSettings | undefined = SerialSettings | undefined,
> {
  /** `meter.type`. */
  type: T;
  /** The meters it reads, for the README and `--help`: `plain DSMR P1 meters (NL, BE, …)`. */
  meters: string;
  /** How the meter is connected, for the README: `P1, 115200 8N1`. */
  link: string;
  /** The Homie device name by default (`homie.name`). */
  name: string;
  /**
   * Seconds between readings by default (`meter.interval`), or a function of
   * the driver's own keys when the default depends on them.
   */
  interval: number | ((meter: Readonly<Record<string, unknown>>) => number);
  /** The serial line by default; absent for a meter without one. */
  serial: S;
  /** Its own `meter.*` keys. */
  keys: R;
  /**
   * Builds the meter, loading its code first; throws (or rejects with)
   * `ConfigError` for a setting it cannot use.
   */
  create(meter: DriverConfig<T, R, S>, context: MeterContext): Meter | Promise<Meter>;
  /** Decodes captured bytes for `smr decode`; absent when the type has nothing to decode. */
  decode?(
    meter: DriverConfig<T, R, S>,
    bytes: Uint8Array,
    context: MeterContext,
  ): DecodeReport | Promise<DecodeReport>;
  /** Whether captured bytes look like this type's, for the hint `smr decode` gives on a mismatch. */
  detect?(bytes: Uint8Array): boolean;
}

/** Any driver, for tables of drivers. */
// deno-lint-ignore no-explicit-any
export type AnyDriver = MeterDriver<string, any, any>;

/** Declares a driver, keeping the literal types of its keys for {@link MeterConfigOf}. */
export function defineDriver<
  const T extends string,
  const R extends Rules,
  const S extends SerialSettings | undefined,
>(driver: MeterDriver<T, R, S>): MeterDriver<T, R, S> {
  return driver;
}

/** The serial line settings of a serial meter's configuration. */
export function serialSettings(meter: SerialMeterConfig): SerialSettings {
  const { baud, databits, parity, stopbits } = meter;
  return { baud, databits, parity, stopbits };
}

/** A reading of a capture, stamped with the meter's own clock when it tells one. */
export function captureReading(meter: string, values: Value[]): Reading {
  const stamp = values.find((v) => v.node === "meter" && v.property === "timestamp")?.value;
  return { meter, time: stamp ?? isoLocal(new Date()), values };
}

/** A stream decoder that can be told the stream ended, as capture decoding needs. */
export interface FlushableDecoder {
  push(chunk: Uint8Array): Result<Decoded>[];
  flush(): Result<Decoded>[];
}

/**
 * Decodes a capture with a stream decoder: one reading per decoded frame,
 * one problem line per rejected one, and `none` when the capture held no
 * frame at all.
 */
export function decodeStreamCapture(
  id: string,
  decoder: FlushableDecoder,
  bytes: Uint8Array,
  none: string,
): DecodeReport {
  const report: DecodeReport = { readings: [], problems: [] };
  const results = [...decoder.push(bytes), ...decoder.flush()];
  results.forEach((result, n) => {
    if (result.ok) report.readings.push(captureReading(id, result.value.values));
    else report.problems.push(`frame ${n + 1}: ${result.error.reason}: ${result.error.message}`);
  });
  if (results.length === 0) report.problems.push(none);
  return report;
}
