/** Loading the configuration of one environment from files and the process environment. */
import { ConfigError } from "./error.ts";
import { CONFIG_FILES, mergeLayers, readConfigFile } from "./layers.ts";
import type { AnyDriver } from "../meters/driver.ts";
import { type Config, secretWarnings, validate } from "./schema.ts";

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
  /** Told of each thing that works but is unsafe (a secret in settings.toml, a readable .secrets.toml). */
  onWarning?: (message: string) => void;
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
  const settings = mergeLayers({ env, files, environ });
  const config = validate(env, settings, options.drivers);
  const warn = options.onWarning ?? (() => {});
  secretWarnings(settings, options.drivers).forEach(warn);
  const secrets = `${dir.replace(/\/+$/, "") || "/"}/.secrets.toml`;
  const mode = files.some((f) => f.name === ".secrets.toml") ? fileMode(secrets) : undefined;
  if (mode !== undefined && (mode & 0o004) !== 0) {
    warn(
      `${secrets} is readable by every user (mode ${(mode & 0o777).toString(8)}): ` +
        "chmod 600 it, or 640 with the group smr runs as",
    );
  }
  return config;
}

function fileMode(path: string): number | undefined {
  try {
    return Deno.statSync(path).mode ?? undefined;
  } catch {
    return undefined;
  }
}
