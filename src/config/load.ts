/** Loading the configuration of one environment from files and the process environment. */
import { ConfigError } from "./error.ts";
import { CONFIG_FILES, mergeLayers, readConfigFile } from "./layers.ts";
import type { AnyDriver } from "../meters/driver.ts";
import { type Config, validate } from "./schema.ts";

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /** `--env`; falls back to `SMR_ENV`. */
  env?: string;
  /** `--config-dir`; falls back to `SMR_CONFIG_DIR`, then the current directory. */
  configDir?: string;
  /** The process environment (for tests); defaults to `Deno.env.toObject()`. */
  environ?: Record<string, string>;
  /** The meter types to accept; the registry's by default. */
  drivers?: readonly AnyDriver[];
}

/** Loads, merges and validates; throws {@link ConfigError} with an actionable message. */
export function loadConfig(options: LoadOptions = {}): Config {
  const environ = options.environ ?? Deno.env.toObject();
  const env = options.env ?? environ.SMR_ENV;
  if (!env) {
    throw new ConfigError("no environment chosen: pass --env NAME or set SMR_ENV");
  }
  const dir = options.configDir ?? environ.SMR_CONFIG_DIR ?? ".";
  const files = [];
  for (const { name, required } of CONFIG_FILES) {
    const table = readConfigFile(dir, name, required);
    if (table) files.push({ name, table });
  }
  return validate(env, mergeLayers({ env, files, environ }), options.drivers);
}
