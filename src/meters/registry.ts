/**
 * The meter types smr reads: one line per driver. This table is the only
 * place that lists them; the configuration loader, the daemon, `smr decode`,
 * `smr check`, `--help` and the README's table of meter types all read it.
 */
import { ConfigError } from "../config/error.ts";
import type { Logger } from "../log.ts";
import type { AnyDriver, BaseMeterConfig, MeterConfigOf } from "./driver.ts";
import { d0Driver } from "./d0/driver.ts";
import { dlmsDriver } from "./dlms/driver.ts";
import { dsmrDriver } from "./dsmr/driver.ts";
import { dummyDriver } from "./dummy/driver.ts";
import { kamstrupDriver } from "./kamstrup/driver.ts";
import type { Meter } from "./meter.ts";
import { smlDriver } from "./sml/driver.ts";
import { t210Driver } from "./t210/driver.ts";

/** Every meter type, in the order the README and `--help` list them. */
export const DRIVERS = [
  dummyDriver,
  dsmrDriver,
  t210Driver,
  kamstrupDriver,
  dlmsDriver,
  smlDriver,
  d0Driver,
] as const satisfies readonly AnyDriver[];

/** The validated `meter` section: one branch per meter type, keyed by `type`. */
export type MeterConfig = MeterConfigOf<typeof DRIVERS[number]>;

/** The driver of `type` among `drivers`, or undefined. */
export function findDriver(
  type: string,
  drivers: readonly AnyDriver[] = DRIVERS,
): AnyDriver | undefined {
  return drivers.find((driver) => driver.type === type);
}

/**
 * Builds the configured meter with its driver, which loads the meter's code;
 * rejects with `ConfigError` for an unknown type or a setting the driver
 * cannot use.
 */
export async function createMeter(
  config: { env: string; meter: BaseMeterConfig & Record<string, unknown> },
  log: Logger,
  drivers: readonly AnyDriver[] = DRIVERS,
): Promise<Meter> {
  const driver = findDriver(config.meter.type, drivers);
  if (driver === undefined) {
    throw new ConfigError(`meter.type "${config.meter.type}" is not available in this build`);
  }
  return await driver.create(config.meter, { id: config.env, log });
}
