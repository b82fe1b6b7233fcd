/**
 * The configuration: the rules of every key, by section, and the validation
 * that turns merged settings into a typed {@link Config} or a
 * {@link ConfigError} naming the source, the key and what was expected,
 * without ever echoing a secret. The `meter` section is the meter type's:
 * the keys every meter has, the serial keys of a meter with a serial line,
 * and the keys its driver declares.
 */
import { type Level, LEVELS } from "../log.ts";
import type { AnyDriver } from "../meters/driver.ts";
import { DRIVERS, findDriver, type MeterConfig } from "../meters/registry.ts";
import { HOMIE_ID } from "../sinks/homie/payload.ts";
import { ConfigError } from "./error.ts";
import type { Setting, Settings } from "./layers.ts";
import {
  baudRate,
  type Check,
  type Derive,
  type DeriveContext,
  integer,
  integerIn,
  type KeyRule,
  list,
  number,
  oneOf,
  rule,
  type Rules,
  text,
  type ValuesOf,
} from "./rules.ts";

/** Sinks smr can publish to. */
export const SINK_TYPES = ["homie", "homeassistant", "dummy"] as const;
/** A sink type. */
export type SinkType = typeof SINK_TYPES[number];

/** Serial parities. */
export const PARITIES = ["none", "even", "odd"] as const;

const mqttUrl: Check<string> = (v) => {
  if (typeof v !== "string") return { expected: "an mqtt:// or mqtts:// URL" };
  try {
    const url = new URL(v);
    if ((url.protocol === "mqtt:" || url.protocol === "mqtts:") && url.hostname) {
      return { value: v };
    }
  } catch {
    // falls through to the expectation below
  }
  return { expected: "an mqtt:// or mqtts:// URL such as mqtt://127.0.0.1:1883" };
};

/** What a PEM file must hold: a certificate, or a private key without a passphrase. */
function pemFile(holds: "certificate" | "private key"): Check<string> {
  const what = `a readable PEM file with a ${holds}`;
  const [begin, marker] = holds === "certificate"
    ? [/^-----BEGIN CERTIFICATE-----/m, "-----BEGIN CERTIFICATE-----"]
    : [/^-----BEGIN [A-Z ]*PRIVATE KEY-----/m, "-----BEGIN PRIVATE KEY-----"];
  return (v) => {
    if (typeof v !== "string" || v.length === 0) {
      return { expected: `the path of ${what.slice(2)}` };
    }
    let text: string;
    try {
      text = Deno.readTextFileSync(v);
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "not found"
        : error instanceof Deno.errors.PermissionDenied
        ? "permission denied"
        : (error as Error).message;
      return { expected: `${what} (${why})` };
    }
    if (!begin.test(text)) return { expected: `${what} (no ${marker} line in it)` };
    if (/^-----BEGIN ENCRYPTED|^Proc-Type: 4,ENCRYPTED/m.test(text)) {
      return { expected: `${what} without a passphrase` };
    }
    return { value: v };
  };
}

const homieId: Check<string> = (v) =>
  typeof v === "string" && HOMIE_ID.test(v)
    ? { value: v }
    : { expected: "lowercase a-z, 0-9 and inner hyphens (e.g. t210-electricity)" };

const topicLevel: Check<string> = (v) =>
  typeof v === "string" && /^[^/+#$\s][^/+#\s]*$/.test(v)
    ? { value: v }
    : { expected: "one topic level without /, +, # or a leading $ (e.g. homie)" };

/** The Homie device id an environment gets by default: `kamstrup_403` → `kamstrup-403`. */
export function defaultDeviceId(env: string): string {
  return env.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "smr";
}

/** Top-level keys. */
const TOP = {
  sinks: rule(list(oneOf(SINK_TYPES), `sinks (${SINK_TYPES.join(", ")})`), {
    default: ["homie"],
    doc: "where readings go: homie, homeassistant (discovery for the Homie topics), dummy",
  }),
};

const MQTT = {
  url: rule(mqttUrl, {
    default: "mqtt://127.0.0.1:1883",
    secret: true,
    doc: "broker URL, mqtt:// or mqtts://",
  }),
  username: rule(text, { doc: "broker user name" }),
  password: rule(text, { secret: true, doc: "broker password" }),
  ca: rule(pemFile("certificate"), {
    doc: "PEM file of the CA to trust for mqtts:// instead of the public CAs",
  }),
  cert: rule(pemFile("certificate"), {
    doc: "PEM file of smr's client certificate, for brokers that ask for one (with mqtt.key)",
  }),
  key: rule(pemFile("private key"), {
    doc: "PEM file of the client certificate's private key; the file is secret, its path is not",
  }),
};

const HOMIE = {
  device_id: rule(homieId, {
    default: ({ env }: DeriveContext) => defaultDeviceId(env),
    doc: "Homie device id (default: the environment name, _ → -)",
  }),
  name: rule(text, { default: ({ name }: DeriveContext) => name, doc: "friendly device name" }),
  base_topic: rule(topicLevel, { default: "homie", doc: "Homie base topic" }),
  stats_interval: rule(integer(1, 86400), {
    default: 60,
    doc: "seconds between $stats/uptime updates",
  }),
  min_interval: rule(number(0, 86400), {
    default: 0,
    doc: "seconds at least between publishes of one instantaneous value; counters: on change",
  }),
};

const HOMEASSISTANT = {
  prefix: rule(topicLevel, { default: "homeassistant", doc: "Home Assistant discovery prefix" }),
};

const LOG = {
  level: rule(oneOf(LEVELS), { default: "info" as Level, doc: "debug, info, warn, error" }),
  summary_interval: rule(integer(1, 604800), {
    default: 3600,
    doc: "seconds between summary lines: frames received, decoded, rejected, last reading",
  }),
};

/** The `meter` keys of every meter type. */
const METER = {
  interval: rule(number(0.1, 86400), {
    doc: "seconds between readings (polled or expected); alert after 3 without one",
  }),
};

/** The `meter` keys of a meter with a serial line; the defaults are its driver's. */
const SERIAL = {
  device: rule(text, {
    required: true,
    doc: "serial device, e.g. /dev/ttyUSB0 (serial meters)",
  }),
  baud: rule(baudRate, { doc: "serial speed" }),
  databits: rule(integerIn([5, 6, 7, 8]), { doc: "serial data bits" }),
  parity: rule(oneOf(PARITIES), { doc: "serial parity: none, even, odd" }),
  stopbits: rule(integerIn([1, 2]), { doc: "serial stop bits" }),
};

/** The validated configuration of one environment. */
export interface Config {
  env: string;
  meter: MeterConfig;
  sinks: SinkType[];
  mqtt: ValuesOf<typeof MQTT>;
  homie: ValuesOf<typeof HOMIE>;
  homeassistant: ValuesOf<typeof HOMEASSISTANT>;
  log: ValuesOf<typeof LOG>;
}

/** One documented key: its dotted name, its rule and the meter types that have it. */
export interface KeyDoc {
  key: string;
  rule: KeyRule;
  /** The meter types a `meter.*` key belongs to; absent for keys of every environment. */
  types?: string[];
}

/** The sections other than `meter`, by name (`""` for top-level keys). */
const SECTIONS: Readonly<Record<string, Rules>> = {
  "": TOP,
  mqtt: MQTT,
  homie: HOMIE,
  homeassistant: HOMEASSISTANT,
  log: LOG,
};

/** The `meter` rules of a driver, with its defaults for the shared keys. */
function meterRules(driver: AnyDriver): Rules {
  const { interval } = driver;
  const rules: Record<string, KeyRule> = {};
  if (driver.serial) {
    rules.device = SERIAL.device;
    for (const name of ["baud", "databits", "parity", "stopbits"] as const) {
      rules[name] = { ...SERIAL[name], default: driver.serial[name] };
    }
  }
  const byKeys: Derive<number> = (_context, values) =>
    typeof interval === "number" ? interval : interval(values);
  // The driver's own keys come first: a default interval may depend on them.
  return { ...driver.keys, ...rules, interval: { ...METER.interval, default: byKeys } };
}

function dotted(section: string, name: string): string {
  return section === "" ? name : `${section}.${name}`;
}

/** Every key in documentation order: `meter.type`, the meter keys by driver, then the rest. */
export function keyDocs(drivers: readonly AnyDriver[] = DRIVERS): KeyDoc[] {
  const docs = new Map<string, KeyDoc>();
  docs.set("meter.type", {
    key: "meter.type",
    rule: rule(text, { required: true, doc: "meter type" }),
  });
  const add = (key: string, keyRule: KeyRule, type?: string) => {
    const doc = docs.get(key) ?? { key, rule: keyRule, ...(type ? { types: [] } : {}) };
    if (type) doc.types?.push(type);
    docs.set(key, doc);
  };
  for (const [name, keyRule] of Object.entries(METER)) add(`meter.${name}`, keyRule);
  for (const [name, keyRule] of Object.entries(SERIAL)) add(`meter.${name}`, keyRule);
  for (const driver of drivers) {
    for (const [name, keyRule] of Object.entries(driver.keys as Rules)) {
      add(`meter.${name}`, keyRule, driver.type);
    }
  }
  for (const [section, rules] of Object.entries(SECTIONS)) {
    for (const [name, keyRule] of Object.entries(rules)) add(dotted(section, name), keyRule);
  }
  return [...docs.values()];
}

function where(setting: Setting | undefined, key: string): string {
  return setting ? `${setting.source} ${key}` : key;
}

/** Checks the settings of one section against its rules and applies the defaults. */
function section<R extends Rules>(
  name: string,
  rules: R,
  settings: Settings,
  context: DeriveContext,
  required: (key: string, keyRule: KeyRule) => ConfigError,
): ValuesOf<R> {
  const values: Record<string, unknown> = {};
  for (const [key, keyRule] of Object.entries(rules) as [string, KeyRule][]) {
    const full = dotted(name, key);
    const setting = settings.get(full);
    if (setting === undefined) {
      const fallback = typeof keyRule.default === "function"
        ? (keyRule.default as Derive<unknown>)(context, values)
        : keyRule.default;
      if (fallback !== undefined) values[key] = fallback;
      else if (keyRule.required) throw required(full, keyRule);
      continue;
    }
    let checked = keyRule.check(setting.value);
    if ("expected" in checked && setting.text !== undefined) {
      const asText = keyRule.check(setting.text);
      if (!("expected" in asText)) checked = asText;
    }
    if ("expected" in checked) {
      const shown = keyRule.secret ? "" : `, got ${JSON.stringify(setting.value)}`;
      throw new ConfigError(`${where(setting, full)}: expected ${checked.expected}${shown}`);
    }
    values[key] = checked.value;
  }
  // The rules checked every value and gave every present key its type.
  return values as ValuesOf<R>;
}

/**
 * Validates merged settings for an environment against the rules and the
 * drivers of the registry (or `drivers`); throws {@link ConfigError}.
 */
export function validate(
  env: string,
  settings: Settings,
  drivers: readonly AnyDriver[] = DRIVERS,
): Config {
  const types = drivers.map((d) => d.type);
  const typeSetting = settings.get("meter.type");
  if (!typeSetting) {
    throw new ConfigError(
      `meter.type is not set for environment "${env}" (expected one of ${types.join(", ")})`,
    );
  }
  const driver = findDriver(String(typeSetting.value), drivers);
  if (driver === undefined) {
    throw new ConfigError(
      `${where(typeSetting, "meter.type")}: expected one of ${types.join(", ")}, ` +
        `got ${JSON.stringify(typeSetting.value)}`,
    );
  }
  const meterSection = meterRules(driver);
  const known = new Set(["meter.type", ...Object.keys(meterSection).map((k) => `meter.${k}`)]);
  for (const [name, rules] of Object.entries(SECTIONS)) {
    for (const key of Object.keys(rules)) known.add(dotted(name, key));
  }
  const everyKey = new Set(keyDocs(drivers).map((doc) => doc.key));
  for (const [key, setting] of settings) {
    if (known.has(key)) continue;
    throw new ConfigError(
      everyKey.has(key)
        ? `${setting.source}: ${key} is not a setting of meter.type "${driver.type}"`
        : `${setting.source}: unknown key ${key} (see the configuration reference in README.md)`,
    );
  }
  const context: DeriveContext = { env, name: driver.name };
  const required = (key: string, keyRule: KeyRule) =>
    new ConfigError(
      `environment "${env}": ${key} is required for meter.type "${driver.type}" (${keyRule.doc})`,
    );
  const { sinks } = section("", TOP, settings, context, required);
  if (sinks.includes("homeassistant") && !sinks.includes("homie")) {
    throw new ConfigError(
      `environment "${env}" sinks: "homeassistant" needs "homie" as well, since its discovery points Home Assistant at the Homie topics`,
    );
  }
  const meter = {
    type: driver.type,
    ...section("meter", meterSection, settings, context, required),
  };
  return {
    env,
    // The driver's rules checked the section; its type is the driver's branch of the union.
    meter: meter as MeterConfig,
    sinks,
    mqtt: section("mqtt", MQTT, settings, context, required),
    homie: section("homie", HOMIE, settings, context, required),
    homeassistant: section("homeassistant", HOMEASSISTANT, settings, context, required),
    log: section("log", LOG, settings, context, required),
  };
}

/** The secret values of a config, to scrub from any text before it is shown. */
export function secretsOf(config: Config, drivers: readonly AnyDriver[] = DRIVERS): string[] {
  const values: string[] = [];
  const driver = findDriver(config.meter.type, drivers);
  const sections: [Rules, Record<string, unknown>][] = [
    [MQTT, config.mqtt],
    [driver ? meterRules(driver) : {}, config.meter],
  ];
  for (const [rules, section] of sections) {
    for (const [name, keyRule] of Object.entries(rules)) {
      const value = section[name];
      if (keyRule.secret && typeof value === "string" && value.length > 0) values.push(value);
    }
  }
  return values;
}

/**
 * One warning per secret set in `settings.toml`, which is meant to be
 * readable: secrets belong in `.secrets.toml`. A broker URL is a secret only
 * when it carries a password.
 */
export function secretWarnings(
  settings: Settings,
  drivers: readonly AnyDriver[] = DRIVERS,
): string[] {
  const secret = new Set(keyDocs(drivers).filter((d) => d.rule.secret).map((d) => d.key));
  const warnings: string[] = [];
  for (const [key, setting] of settings) {
    if (!secret.has(key) || !setting.source.startsWith("settings.toml")) continue;
    if (key === "mqtt.url" && !/\/\/[^/@]*:[^/@]*@/.test(String(setting.value))) continue;
    warnings.push(
      `${setting.source} ${key} is a secret: move it to .secrets.toml, which only smr may read`,
    );
  }
  return warnings;
}
