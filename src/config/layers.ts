/**
 * Configuration layers in the dynaconf style: `settings.toml` and
 * `.secrets.toml`, each with a `[default]` table and one table per
 * environment, and `SMR_*` environment variables over everything.
 *
 * Layers are flattened to dotted keys (`meter.key`), which makes the deep
 * merge a plain override and lets every value remember where it came from.
 */
import { parse, TomlSyntaxError } from "./toml.ts";
import { ConfigError } from "./error.ts";

/** A configuration value and where it was set, for error messages. */
export interface Setting {
  value: unknown;
  /** `settings.toml [t210]` or `environment variable SMR_METER__KEY`. */
  source: string;
  /** An environment variable's own text, for a key that wants text where TOML read a number. */
  text?: string;
}

/** Dotted key → the winning setting. */
export type Settings = Map<string, Setting>;

/** The files smr reads, in merge order. */
export const CONFIG_FILES = [
  { name: "settings.toml", required: true },
  { name: ".secrets.toml", required: false },
] as const;

/** Variables that select the configuration rather than set a key. */
const SELECTORS = new Set(["SMR_ENV", "SMR_CONFIG_DIR"]);

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Adds every leaf of `table` under `prefix` to `settings`, overriding. */
function flatten(table: Table, source: string, settings: Settings, prefix = ""): void {
  for (const [key, value] of Object.entries(table)) {
    const path = prefix + key;
    if (isTable(value)) {
      for (const existing of [...settings.keys()]) {
        if (existing === path) settings.delete(existing);
      }
      flatten(value, source, settings, path + ".");
    } else {
      for (const existing of [...settings.keys()]) {
        if (existing.startsWith(path + ".")) settings.delete(existing);
      }
      settings.set(path, { value, source });
    }
  }
}

/** Parses one TOML file; the error names the line but never echoes the content. */
export function parseToml(text: string, fileName: string): Table {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof TomlSyntaxError) {
      throw new ConfigError(
        `${fileName}: invalid TOML at line ${error.line}, column ${error.column}: ${error.reason}`,
      );
    }
    throw error;
  }
}

/** Reads a config file; undefined when it is optional and absent. */
export function readConfigFile(dir: string, name: string, required: boolean): Table | undefined {
  const path = `${dir.replace(/\/+$/, "") || "/"}/${name}`;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      if (!required) return undefined;
      throw new ConfigError(
        `${name} not found in ${dir} (set --config-dir or SMR_CONFIG_DIR to the folder holding it)`,
      );
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new ConfigError(`${path}: permission denied`);
    }
    throw new ConfigError(`${path}: cannot read: ${(error as Error).message}`);
  }
  return parseToml(text, name);
}

/** The environment tables of a parsed file, checked for shape. */
function environments(table: Table, fileName: string): Map<string, Table> {
  const result = new Map<string, Table>();
  for (const [name, value] of Object.entries(table)) {
    if (!isTable(value)) {
      throw new ConfigError(
        `${fileName}: top-level key "${name}" is not in a table; put settings under [default] or [<environment>]`,
      );
    }
    result.set(name, value);
  }
  return result;
}

/** Parses an environment variable's value as a TOML value, else takes it as a string. */
export function parseEnvValue(raw: string): unknown {
  try {
    return parse(`value = ${raw}`).value;
  } catch {
    return raw;
  }
}

/** Options of {@link mergeLayers}. */
export interface LayerOptions {
  env: string;
  /** Parsed files by name, in merge order; absent optional files are left out. */
  files: ReadonlyArray<{ name: string; table: Table }>;
  /** Environment variables (`SMR_MQTT__URL=...`). */
  environ: Record<string, string>;
}

/**
 * Merges `[default]` then `[<env>]` of each file in order, then `SMR_*`
 * variables. Fails when no file has a table for the environment.
 */
export function mergeLayers({ env, files, environ }: LayerOptions): Settings {
  const settings: Settings = new Map();
  const known = new Set<string>();
  for (const { name, table } of files) {
    const envs = environments(table, name);
    for (const section of ["default", env]) {
      const values = envs.get(section);
      if (values) flatten(values, `${name} [${section}]`, settings);
    }
    for (const section of envs.keys()) if (section !== "default") known.add(section);
  }
  if (env === "default" || !known.has(env)) {
    const list = [...known].sort().join(", ") || "none";
    throw new ConfigError(
      `environment "${env}" is not defined in ${
        files[0]?.name ?? "settings.toml"
      } (defined: ${list})`,
    );
  }
  for (const [name, raw] of Object.entries(environ).sort()) {
    if (!name.startsWith("SMR_") || SELECTORS.has(name)) continue;
    const key = name.slice(4).toLowerCase().split("__").join(".");
    if (key === "") continue;
    const value = parseEnvValue(raw);
    flatten({ [key]: value }, `environment variable ${name}`, settings);
    const setting = settings.get(key);
    if (setting && !isTable(value)) setting.text = raw;
  }
  return settings;
}
