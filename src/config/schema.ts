/**
 * The configuration keys: one declarative row per key with its check, its
 * default and whether it is secret. Validation turns merged settings into a
 * typed {@link Config} or a {@link ConfigError} naming the source, the key and
 * what was expected, without ever echoing a secret.
 */
import { type Level, LEVELS } from "../log.ts";
import { BAUD_RATES, KMP_SETTINGS, P1_SETTINGS, type SerialSettings } from "../serial/stty.ts";
import { HOMIE_ID } from "../sinks/homie/payload.ts";
import { ConfigError } from "./error.ts";
import type { Setting, Settings } from "./layers.ts";

/** Meter types smr can read. */
export const METER_TYPES = ["dummy", "dsmr", "t210", "kamstrup"] as const;
/** A meter type. */
export type MeterType = typeof METER_TYPES[number];

/** Sinks smr can publish to. */
export const SINK_TYPES = ["homie", "homeassistant", "dummy"] as const;
/** A sink type. */
export type SinkType = typeof SINK_TYPES[number];

/** Serial parities. */
export const PARITIES = ["none", "even", "odd"] as const;

/** The validated configuration of one environment. */
export interface Config {
  env: string;
  meter: {
    type: MeterType;
    device?: string;
    interval: number;
    baud?: number;
    databits?: number;
    parity?: typeof PARITIES[number];
    stopbits?: number;
    key?: string;
    auth_key?: string;
    crc: "required" | "optional";
    registers?: number[];
    timeout: number;
    silence_after?: number;
    silence_for: number;
  };
  sinks: SinkType[];
  mqtt: {
    url: string;
    username?: string;
    password?: string;
    ca?: string;
    cert?: string;
    key?: string;
  };
  homie: {
    device_id: string;
    name: string;
    base_topic: string;
    stats_interval: number;
    min_interval: number;
  };
  homeassistant: { prefix: string };
  log: { level: Level; summary_interval: number };
}

/** A check: the parsed value, or what was expected. */
type Check = (value: unknown) => { value: unknown } | { expected: string };

/** A default computed from the environment name and the other values. */
type Derive = (env: string, values: Record<string, unknown>) => unknown;

/** One configuration key. */
export interface KeyRule {
  key: string;
  check: Check;
  /** The default, or a function of the environment and the other values. */
  default?: string | number | readonly unknown[] | Derive;
  /** Never shown in messages or logs. */
  secret?: boolean;
  /** One line for the README's configuration reference. */
  doc: string;
}

const string: Check = (v) =>
  typeof v === "string" && v.length > 0 ? { value: v } : { expected: "a non-empty string" };

function oneOf(options: readonly string[]): Check {
  return (v) =>
    typeof v === "string" && options.includes(v)
      ? { value: v }
      : { expected: `one of ${options.join(", ")}` };
}

function number(min: number, max: number, integer = false): Check {
  const what = integer ? "an integer" : "a number";
  return (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max &&
      (!integer || Number.isInteger(v))
      ? { value: v }
      : { expected: `${what} from ${min} to ${max}` };
}

function list(item: Check, what: string): Check {
  return (v) => {
    if (!Array.isArray(v) || v.length === 0) return { expected: `a non-empty list of ${what}` };
    const values: unknown[] = [];
    for (const element of v) {
      const checked = item(element);
      if ("expected" in checked) return { expected: `a non-empty list of ${what}` };
      values.push(checked.value);
    }
    return { value: values };
  };
}

const baudRate: Check = (v) =>
  typeof v === "number" && BAUD_RATES.includes(v)
    ? { value: v }
    : { expected: `a baud rate stty knows: ${BAUD_RATES.join(", ")}` };

const hexKey: Check = (v) =>
  typeof v === "string" && /^[0-9a-fA-F]{32}$/.test(v.trim())
    ? { value: v.trim().toLowerCase() }
    : { expected: "32 hex characters" };

const mqttUrl: Check = (v) => {
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
function pemFile(holds: "certificate" | "private key"): Check {
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

const homieId: Check = (v) =>
  typeof v === "string" && HOMIE_ID.test(v)
    ? { value: v }
    : { expected: "lowercase a-z, 0-9 and inner hyphens (e.g. t210-electricity)" };

const topicLevel: Check = (v) =>
  typeof v === "string" && /^[^/+#$\s][^/+#\s]*$/.test(v)
    ? { value: v }
    : { expected: "one topic level without /, +, # or a leading $ (e.g. homie)" };

/** The Homie device id an environment gets by default: `kamstrup_403` → `kamstrup-403`. */
export function defaultDeviceId(env: string): string {
  return env.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "smr";
}

const METER_NAMES: Record<MeterType, string> = {
  dummy: "Dummy electricity meter",
  dsmr: "Electricity meter",
  t210: "Electricity meter",
  kamstrup: "Heat meter",
};

const SERIAL: Record<MeterType, Readonly<SerialSettings>> = {
  dummy: P1_SETTINGS,
  dsmr: P1_SETTINGS,
  t210: P1_SETTINGS,
  kamstrup: KMP_SETTINGS,
};

const INTERVALS: Record<MeterType, number> = { dummy: 5, dsmr: 10, t210: 10, kamstrup: 60 };

/** Kamstrup registers read by default. */
export const DEFAULT_REGISTERS = [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004];

const meterType = (values: Record<string, unknown>) => values["meter.type"] as MeterType;

/** Every configuration key, in documentation order. */
export const KEYS: readonly KeyRule[] = [
  { key: "meter.type", check: oneOf(METER_TYPES), doc: "meter type: dummy, dsmr, t210, kamstrup" },
  { key: "meter.device", check: string, doc: "serial device, e.g. /dev/ttyUSB0 (serial meters)" },
  {
    key: "meter.interval",
    check: number(0.1, 86400),
    default: (_env, v) => INTERVALS[meterType(v)],
    doc: "seconds between readings (polled or expected); alert after 3 without one",
  },
  {
    key: "meter.baud",
    check: baudRate,
    default: (_env, v) => SERIAL[meterType(v)].baud,
    doc: "serial speed (P1 115200, Kamstrup 1200)",
  },
  {
    key: "meter.databits",
    check: number(5, 8, true),
    default: (_env, v) => SERIAL[meterType(v)].databits,
    doc: "serial data bits",
  },
  {
    key: "meter.parity",
    check: oneOf(PARITIES),
    default: (_env, v) => SERIAL[meterType(v)].parity,
    doc: "serial parity: none, even, odd",
  },
  {
    key: "meter.stopbits",
    check: number(1, 2, true),
    default: (_env, v) => SERIAL[meterType(v)].stopbits,
    doc: "serial stop bits (P1 1, Kamstrup 2)",
  },
  {
    key: "meter.key",
    check: hexKey,
    secret: true,
    doc: "T210 encryption key (GUEK), 32 hex characters, from the grid operator",
  },
  {
    key: "meter.auth_key",
    check: hexKey,
    secret: true,
    doc: "T210 authentication key (GAK); when set, the GCM tag is checked",
  },
  {
    key: "meter.crc",
    check: oneOf(["required", "optional"]),
    default: "required",
    doc: "DSMR CRC: required, or optional for DSMR 2.2/3 meters that send none",
  },
  {
    key: "meter.registers",
    check: list(number(1, 65535, true), "register ids"),
    default: (_env, v) => meterType(v) === "kamstrup" ? DEFAULT_REGISTERS : undefined,
    doc: "Kamstrup registers to read",
  },
  {
    key: "meter.timeout",
    check: number(0.05, 60),
    default: 2,
    doc: "Kamstrup: seconds to wait for a reply",
  },
  {
    key: "meter.silence_after",
    check: number(0, 1e9, true),
    doc: "dummy: stop delivering after this many readings (simulates an outage)",
  },
  {
    key: "meter.silence_for",
    check: number(0, 1e9, true),
    default: 1e9,
    doc: "dummy: readings the outage lasts",
  },
  {
    key: "sinks",
    check: list(oneOf(SINK_TYPES), `sinks (${SINK_TYPES.join(", ")})`),
    default: ["homie"],
    doc: "where readings go: homie, homeassistant (discovery for the Homie topics), dummy",
  },
  {
    key: "mqtt.url",
    check: mqttUrl,
    default: "mqtt://127.0.0.1:1883",
    secret: true,
    doc: "broker URL, mqtt:// or mqtts://",
  },
  { key: "mqtt.username", check: string, doc: "broker user name" },
  { key: "mqtt.password", check: string, secret: true, doc: "broker password" },
  {
    key: "mqtt.ca",
    check: pemFile("certificate"),
    doc: "PEM file of the CA to trust for mqtts:// instead of the public CAs",
  },
  {
    key: "mqtt.cert",
    check: pemFile("certificate"),
    doc: "PEM file of smr's client certificate, for brokers that ask for one (with mqtt.key)",
  },
  {
    key: "mqtt.key",
    check: pemFile("private key"),
    doc: "PEM file of the client certificate's private key; the file is secret, its path is not",
  },
  {
    key: "homie.device_id",
    check: homieId,
    default: (env) => defaultDeviceId(env),
    doc: "Homie device id (default: the environment name, _ → -)",
  },
  {
    key: "homie.name",
    check: string,
    default: (_env, v) => METER_NAMES[meterType(v)],
    doc: "friendly device name",
  },
  { key: "homie.base_topic", check: topicLevel, default: "homie", doc: "Homie base topic" },
  {
    key: "homie.stats_interval",
    check: number(1, 86400, true),
    default: 60,
    doc: "seconds between $stats/uptime updates",
  },
  {
    key: "homie.min_interval",
    check: number(0, 86400),
    default: 0,
    doc: "seconds at least between publishes of one instantaneous value; counters: on change",
  },
  {
    key: "homeassistant.prefix",
    check: topicLevel,
    default: "homeassistant",
    doc: "Home Assistant discovery prefix",
  },
  { key: "log.level", check: oneOf(LEVELS), default: "info", doc: "debug, info, warn, error" },
  {
    key: "log.summary_interval",
    check: number(1, 604800, true),
    default: 3600,
    doc: "seconds between summary lines: frames received, decoded, rejected, last reading",
  },
];

/** Keys each meter type needs. */
const REQUIRED: Record<MeterType, string[]> = {
  dummy: [],
  dsmr: ["meter.device"],
  t210: ["meter.device", "meter.key"],
  kamstrup: ["meter.device"],
};

function where(setting: Setting | undefined, key: string): string {
  return setting ? `${setting.source} ${key}` : key;
}

/** Validates merged settings for an environment; throws {@link ConfigError}. */
export function validate(env: string, settings: Settings): Config {
  const rules = new Map(KEYS.map((rule) => [rule.key, rule]));
  for (const [key, setting] of settings) {
    if (!rules.has(key)) {
      throw new ConfigError(
        `${setting.source}: unknown key ${key} (see the configuration reference in README.md)`,
      );
    }
  }
  const values: Record<string, unknown> = {};
  const typeSetting = settings.get("meter.type");
  if (!typeSetting) {
    throw new ConfigError(
      `meter.type is not set for environment "${env}" (expected one of ${METER_TYPES.join(", ")})`,
    );
  }
  for (const rule of KEYS) {
    const setting = settings.get(rule.key);
    if (setting === undefined) continue;
    let checked = rule.check(setting.value);
    if ("expected" in checked && setting.text !== undefined) {
      const asText = rule.check(setting.text);
      if (!("expected" in asText)) checked = asText;
    }
    if ("expected" in checked) {
      const shown = rule.secret ? "" : `, got ${JSON.stringify(setting.value)}`;
      throw new ConfigError(`${where(setting, rule.key)}: expected ${checked.expected}${shown}`);
    }
    values[rule.key] = checked.value;
  }
  for (const rule of KEYS) {
    if (values[rule.key] !== undefined || rule.default === undefined) continue;
    values[rule.key] = typeof rule.default === "function"
      ? rule.default(env, values)
      : rule.default;
  }
  const type = values["meter.type"] as MeterType;
  for (const key of REQUIRED[type]) {
    if (values[key] === undefined) {
      const rule = rules.get(key)!;
      throw new ConfigError(
        `environment "${env}": ${key} is required for meter.type "${type}" (${rule.doc})`,
      );
    }
  }
  const sinks = values["sinks"] as string[];
  if (sinks.includes("homeassistant") && !sinks.includes("homie")) {
    throw new ConfigError(
      `environment "${env}" sinks: "homeassistant" needs "homie" as well, since its discovery points Home Assistant at the Homie topics`,
    );
  }
  const config: Record<string, unknown> = { env };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const path = key.split(".");
    let table = config;
    for (const part of path.slice(0, -1)) table = (table[part] ??= {}) as Record<string, unknown>;
    table[path[path.length - 1]] = value;
  }
  return config as unknown as Config;
}

/** The secret values of a config, to scrub from any text before it is shown. */
export function secretsOf(config: Config): string[] {
  const values: string[] = [];
  for (const rule of KEYS) {
    if (!rule.secret) continue;
    const [section, name] = rule.key.split(".");
    const value = (config as unknown as Record<string, Record<string, unknown>>)[section]?.[name];
    if (typeof value === "string" && value.length > 0) values.push(value);
  }
  return values;
}
