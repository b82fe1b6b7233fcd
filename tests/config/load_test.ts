import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { ConfigError } from "../../src/config/error.ts";
import { loadConfig } from "../../src/config/load.ts";
import { DRIVERS } from "../../src/meters/registry.ts";
import { type Config, keyDocs } from "../../src/config/schema.ts";

const KEY = "0123456789abcdef0123456789ABCDEF";

/** The meter section as plain fields, whatever the meter type. */
function fields(config: Config): Record<string, unknown> {
  return { ...config.meter };
}
const AUTH = "fedcba9876543210fedcba9876543210";

function configDir(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync({ prefix: "smr-config-" });
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${dir}/${name}`, text);
  return dir;
}

function loadError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assertOk(error instanceof ConfigError, `not a ConfigError: ${error}`);
    return (error as Error).message;
  }
  throw new Error("no error");
}

const SETTINGS = `
[default]
sinks = ["homie"]
log.level = "info"
mqtt.url = "mqtt://broker:1883"
[default.homie]
base_topic = "homie"

[t210]
meter.type = "t210"
meter.device = "/dev/ttyUSB0"
log.level = "debug"

[kamstrup_403]
meter.type = "kamstrup"
meter.device = "/dev/ttyUSB1"
`;

Deno.test("config: default, environment and secrets merge in order", () => {
  const dir = configDir({
    "settings.toml": SETTINGS,
    ".secrets.toml": `[default]\nmqtt.password = "pw"\n[t210]\nmeter.key = "${KEY}"\n`,
  });
  const config = loadConfig({ env: "t210", configDir: dir, environ: {} });
  assertEquals(config.env, "t210");
  assertEquals(config.meter.type, "t210");
  assertEquals(fields(config).key, KEY.toLowerCase());
  assertEquals(config.log.level, "debug");
  assertEquals(config.mqtt.url, "mqtt://broker:1883");
  assertEquals(config.mqtt.password, "pw");
  assertEquals(config.homie.device_id, "t210");
  assertEquals(fields(config).baud, 115200);
  assertEquals(config.meter.interval, 10);
});

Deno.test("config: secrets override settings for the same key", () => {
  const dir = configDir({
    "settings.toml": SETTINGS.replace('meter.device = "/dev/ttyUSB0"', 'meter.device = "/dev/a"'),
    ".secrets.toml": `[t210]\nmeter.key = "${KEY}"\nmeter.device = "/dev/b"\n`,
  });
  assertEquals(fields(loadConfig({ env: "t210", configDir: dir, environ: {} })).device, "/dev/b");
});

Deno.test("config: the environment comes from --env, else SMR_ENV", () => {
  const dir = configDir({ "settings.toml": SETTINGS });
  const config = loadConfig({ configDir: dir, environ: { SMR_ENV: "kamstrup_403" } });
  assertEquals(config.env, "kamstrup_403");
  assertEquals(config.homie.device_id, "kamstrup-403");
  assertEquals(fields(config).baud, 1200);
  assertEquals(fields(config).stopbits, 2);
  assertEquals(fields(config).registers, [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004]);
  assertEquals(
    loadConfig({ env: "kamstrup_403", configDir: dir, environ: { SMR_ENV: "t210" } }).env,
    "kamstrup_403",
  );
  assertMatch(loadError(() => loadConfig({ configDir: dir, environ: {} })), /--env NAME/);
});

Deno.test("config: the folder comes from --config-dir, else SMR_CONFIG_DIR", () => {
  const dir = configDir({ "settings.toml": SETTINGS });
  const config = loadConfig({ env: "kamstrup_403", environ: { SMR_CONFIG_DIR: dir } });
  assertEquals(fields(config).device, "/dev/ttyUSB1");
});

Deno.test("config: SMR_ variables override single keys, parsed as TOML where they parse", () => {
  const dir = configDir({ "settings.toml": SETTINGS });
  const config = loadConfig({
    env: "kamstrup_403",
    configDir: dir,
    environ: {
      SMR_MQTT__URL: "mqtt://127.0.0.1:1884",
      SMR_METER__INTERVAL: "3600",
      SMR_SINKS: '["homie", "dummy"]',
      SMR_HOMIE__NAME: "Heat meter cellar",
      SMR_METER__REGISTERS: "[60, 68]",
      PATH: "/usr/bin",
    },
  });
  assertEquals(config.mqtt.url, "mqtt://127.0.0.1:1884");
  assertEquals(config.meter.interval, 3600);
  assertEquals(config.sinks, ["homie", "dummy"]);
  assertEquals(config.homie.name, "Heat meter cellar");
  assertEquals(fields(config).registers, [60, 68]);
});

Deno.test("config: a missing settings.toml names the folder", () => {
  const dir = configDir({});
  assertMatch(
    loadError(() => loadConfig({ env: "t210", configDir: dir, environ: {} })),
    new RegExp(`settings.toml not found in ${dir}`),
  );
});

Deno.test("config: bad TOML gives the file and line, without echoing the content", () => {
  const dir = configDir({
    "settings.toml": SETTINGS,
    ".secrets.toml": `[t210]\nmeter.key = "${KEY}\n`,
  });
  const message = loadError(() => loadConfig({ env: "t210", configDir: dir, environ: {} }));
  assertMatch(message, /^\.secrets\.toml: invalid TOML at line 2, column \d+/);
  assertOk(!message.includes(KEY), "the key leaked into the message");
});

Deno.test("config: a wrong type names file, environment, key and expectation", () => {
  const dir = configDir({
    "settings.toml": SETTINGS + `\n[bad]\nmeter.type = "dummy"\nmeter.interval = "often"\n`,
  });
  assertEquals(
    loadError(() => loadConfig({ env: "bad", configDir: dir, environ: {} })),
    'settings.toml [bad] meter.interval: expected a number from 0.1 to 86400, got "often"',
  );
});

Deno.test("config: an unknown meter type lists the known ones", () => {
  const dir = configDir({ "settings.toml": `[x]\nmeter.type = "landis"\n` });
  assertEquals(
    loadError(() => loadConfig({ env: "x", configDir: dir, environ: {} })),
    `settings.toml [x] meter.type: expected one of ${
      DRIVERS.map((d) => d.type).join(", ")
    }, got "landis"`,
  );
});

Deno.test("config: unknown environments and keys are named", () => {
  const dir = configDir({
    "settings.toml": SETTINGS + `\n[typo]\nmeter.type = "dummy"\nmeter.intervall = 5\n`,
  });
  assertMatch(
    loadError(() => loadConfig({ env: "nope", configDir: dir, environ: {} })),
    /environment "nope" is not defined in settings.toml \(defined: kamstrup_403, t210, typo\)/,
  );
  assertMatch(
    loadError(() => loadConfig({ env: "typo", configDir: dir, environ: {} })),
    /settings.toml \[typo\]: unknown key meter.intervall/,
  );
});

Deno.test("config: keys required by the meter type", () => {
  const dir = configDir({ "settings.toml": SETTINGS });
  assertMatch(
    loadError(() => loadConfig({ env: "t210", configDir: dir, environ: {} })),
    /environment "t210": meter.key is required for meter.type "t210"/,
  );
});

Deno.test("config: secrets never appear in validation messages", () => {
  const dir = configDir({
    "settings.toml": SETTINGS,
    ".secrets.toml": `[t210]\nmeter.key = "${KEY}"\nmeter.auth_key = "${AUTH}zz"\n`,
  });
  const message = loadError(() => loadConfig({ env: "t210", configDir: dir, environ: {} }));
  assertEquals(message, ".secrets.toml [t210] meter.auth_key: expected 32 hex characters");
  const good = configDir({
    "settings.toml": SETTINGS,
    ".secrets.toml": `[t210]\nmeter.key = "${KEY}"\n`,
  });
  const url = loadError(() =>
    loadConfig({
      env: "t210",
      configDir: good,
      environ: { SMR_MQTT__URL: "http://user:secretpw@host" },
    })
  );
  assertMatch(url, /^environment variable SMR_MQTT__URL mqtt.url: expected an mqtt:\/\//);
  assertOk(!url.includes("secretpw"));
});

Deno.test("config: the shipped settings.toml has working dummy, t210 and kamstrup_403 environments", () => {
  const dir = new URL("../../config", import.meta.url).pathname;
  assertEquals(loadConfig({ env: "dummy", configDir: dir, environ: {} }).sinks, ["dummy"]);
  const t210 = loadConfig({ env: "t210", configDir: dir, environ: { SMR_METER__KEY: KEY } });
  assertEquals(t210.homie.device_id, "t210-electricity");
  assertEquals(
    loadConfig({ env: "kamstrup_403", configDir: dir, environ: {} }).meter.type,
    "kamstrup",
  );
  const example = Deno.readTextFileSync(`${dir}/.secrets.toml.example`);
  const copy = configDir({
    "settings.toml": Deno.readTextFileSync(`${dir}/settings.toml`),
    ".secrets.toml": example,
  });
  assertEquals(
    loadConfig({ env: "t210", configDir: copy, environ: {} }).mqtt.password,
    "change-me",
  );
  // The example holds secrets only.
  const secret = new Set(keyDocs().filter((d) => d.rule.secret).map((d) => d.key));
  const keys = [...example.matchAll(/^#?\s*([a-z_]+\.[a-z_]+|[a-z_]+) = /gm)].map(([, k]) => k);
  const named = keys.map((k) => k.includes(".") ? k : `mqtt.${k}`);
  assertEquals(named.filter((k) => !secret.has(k)), []);
});

Deno.test("config: a secret in settings.toml and a .secrets.toml others can read are warned of, once each", () => {
  const dir = configDir({
    "settings.toml": SETTINGS.replace(
      'meter.type = "t210"',
      `meter.type = "t210"\nmeter.key = "${KEY}"`,
    ),
    ".secrets.toml": `[default]\nmqtt.password = "pw"\n`,
  });
  Deno.chmodSync(`${dir}/.secrets.toml`, 0o644);
  const warnings: string[] = [];
  loadConfig({ env: "t210", configDir: dir, environ: {}, onWarning: (w) => warnings.push(w) });
  assertEquals(warnings.length, 2, warnings.join("\n"));
  assertMatch(
    warnings[0],
    /^settings.toml \[t210\] meter.key is a secret: move it to .secrets.toml/,
  );
  assertMatch(warnings[1], /\.secrets\.toml is readable by every user \(mode 644\): chmod 600/);
  assertOk(!warnings.join("").includes(KEY) && !warnings.join("").includes("pw"));
  Deno.chmodSync(`${dir}/.secrets.toml`, 0o600);
  const quiet: string[] = [];
  const clean = configDir({
    "settings.toml": SETTINGS,
    ".secrets.toml": `[t210]\nmeter.key = "${KEY}"\n`,
  });
  Deno.chmodSync(`${clean}/.secrets.toml`, 0o600);
  loadConfig({ env: "t210", configDir: clean, environ: {}, onWarning: (w) => quiet.push(w) });
  assertEquals(quiet, []);
});

Deno.test("config: SMR_ text that TOML reads as a number stays text for text keys", () => {
  const dir = configDir({ "settings.toml": SETTINGS });
  const config = loadConfig({
    env: "t210",
    configDir: dir,
    environ: {
      SMR_METER__KEY: KEY,
      SMR_MQTT__USERNAME: "1000",
      SMR_MQTT__PASSWORD: "12345",
      SMR_HOMIE__DEVICE_ID: "123",
      SMR_METER__INTERVAL: "5",
    },
  });
  assertEquals(config.mqtt.username, "1000");
  assertEquals(config.mqtt.password, "12345");
  assertEquals(config.homie.device_id, "123");
  assertEquals(config.meter.interval, 5);
});

Deno.test("config: a baud rate stty does not know is refused when loading, not at the device", () => {
  const dir = configDir({ "settings.toml": SETTINGS });
  const message = loadError(() =>
    loadConfig({ env: "kamstrup_403", configDir: dir, environ: { SMR_METER__BAUD: "250000" } })
  );
  assertMatch(message, /SMR_METER__BAUD meter\.baud: expected a baud rate stty knows: .*115200/);
});

Deno.test("config: homeassistant without homie is refused when loading", () => {
  const dir = configDir({ "settings.toml": SETTINGS });
  const message = loadError(() =>
    loadConfig({ env: "kamstrup_403", configDir: dir, environ: { SMR_SINKS: '["homeassistant"]' } })
  );
  assertMatch(message, /"homeassistant" needs "homie"/);
});

Deno.test("config: a driver's default interval may depend on its own keys (d0 pull polls every minute)", () => {
  const dir = configDir({
    "settings.toml": `[push]\nmeter.type = "d0"\nmeter.device = "/dev/ttyUSB0"\n` +
      `[pull]\nmeter.type = "d0"\nmeter.device = "/dev/ttyUSB0"\nmeter.mode = "pull"\n`,
  });
  assertEquals(loadConfig({ env: "push", configDir: dir, environ: {} }).meter.interval, 10);
  assertEquals(loadConfig({ env: "pull", configDir: dir, environ: {} }).meter.interval, 60);
  const set = loadConfig({ env: "pull", configDir: dir, environ: { SMR_METER__INTERVAL: "900" } });
  assertEquals(set.meter.interval, 900);
});
