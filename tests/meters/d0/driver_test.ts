/**
 * The `d0` driver: its keys through the configuration, the meter it builds
 * for each mode, and `smr decode` on captures of push streams and pull
 * sessions (request echo, identification, option select echo, block).
 */
import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { concat, latin1 } from "../../../src/bytes.ts";
import { decodeCapture } from "../../../src/cli/decode.ts";
import { ConfigError } from "../../../src/config/error.ts";
import type { Settings } from "../../../src/config/layers.ts";
import { type Config, validate } from "../../../src/config/schema.ts";
import { d0Driver, looksLikeD0 } from "../../../src/meters/d0/driver.ts";
import { bcc } from "../../../src/meters/d0/readout.ts";
import { PolledMeter } from "../../../src/meters/polled_meter.ts";
import { createMeter } from "../../../src/meters/registry.ts";
import { StreamMeter } from "../../../src/meters/stream_meter.ts";

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

function settings(meter: Record<string, unknown>): Settings {
  const out: Settings = new Map();
  for (const [key, value] of Object.entries({ type: "d0", device: "/dev/null", ...meter })) {
    out.set(`meter.${key}`, { value, source: "test" });
  }
  out.set("sinks", { value: ["dummy"], source: "test" });
  return out;
}

function config(meter: Record<string, unknown> = {}): Config {
  return validate("d0", settings(meter));
}

/** The meter section as plain fields. */
function fields(meter: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...config(meter).meter };
}

function configError(meter: Record<string, unknown>): string {
  try {
    config(meter);
  } catch (error) {
    assertOk(error instanceof ConfigError, String(error));
    return error.message;
  }
  throw new Error("no ConfigError");
}

function block(data: string): Uint8Array {
  const bytes = latin1(`\x02${data}\x03`);
  return concat(bytes, Uint8Array.of(bcc(bytes, 1)));
}

const DATA = "F.F(00)\r\nC.1(12345678)\r\n1.8.0(000285.4*kWh)\r\n2.8.0(000012.5*kWh)\r\n!\r\n";

/** A pull session as a terminal shows it: the head echoes the request and the option select. */
function pullCapture(data = DATA, damage = false): Uint8Array {
  const data_block = block(data);
  if (damage) data_block[data_block.length - 1] ^= 0x01;
  return concat(latin1("/?!\r\n/LGZ5ZMD120AR\r\n\x06050\r\n"), data_block);
}

Deno.test("d0 keys: push by default; pull with address and baud switch; bad values named", () => {
  const push = fields();
  assertEquals([push.type, push.mode, push.interval, push.bcc], ["d0", "push", 10, "optional"]);
  const pull = fields({ mode: "pull", address: "12345678", baud_switch: false });
  assertEquals(
    [pull.mode, pull.address, pull.baud_switch, pull.baud, pull.databits, pull.parity],
    ["pull", "12345678", false, 9600, 7, "even"],
  );
  assertEquals(fields({ mode: "pull" }).baud_switch, true);
  assertMatch(configError({ mode: "poll" }), /meter\.mode: expected one of push, pull/);
  assertMatch(configError({ address: "1/2" }), /meter\.address: expected 1 to 32 digits/);
  assertMatch(configError({ baud_switch: "no" }), /meter\.baud_switch: expected true or false/);
});

Deno.test("d0 meters: push listens (StreamMeter), pull asks (PolledMeter) at the configured interval", async () => {
  const push = await createMeter(config(), SILENT);
  assertOk(push instanceof StreamMeter);
  const pull = await createMeter(config({ mode: "pull", interval: 900 }), SILENT);
  assertOk(pull instanceof PolledMeter);
  assertEquals(pull.interval, 900);
  assertEquals(d0Driver.serial, { baud: 9600, databits: 7, parity: "even", stopbits: 1 });
});

Deno.test("smr decode reads a captured pull session: echoes skipped, BCC checked", async () => {
  const capture = concat(pullCapture(), pullCapture(DATA.replace("285.4", "999.9"), true));
  const report = await decodeCapture(config({ mode: "pull" }), capture);
  assertEquals(report.readings.length, 1);
  const values = Object.fromEntries(
    report.readings[0].values.map((v) => [`${v.node}/${v.property}`, v.value]),
  );
  assertEquals(values["import/total"], "285.4");
  assertEquals(values["export/total"], "12.5");
  assertEquals(report.problems.length, 1);
  assertMatch(report.problems[0], /^frame 2: crc: BCC 0x.. given, 0x.. computed$/);
});

Deno.test("a D0 capture is recognised with or without the echo of a sign-on", () => {
  assertOk(looksLikeD0(pullCapture()));
  assertOk(looksLikeD0(latin1("/?12345678!\r\n/LUGCUH50\r\n")));
  assertOk(looksLikeD0(latin1("/ESY5Q3DA1024 V3.03\r\n\r\n1-0:1.8.0*255(1*kWh)\r\n!\r\n")));
  assertOk(!looksLikeD0(latin1("/?!\r\n")));
  assertOk(!looksLikeD0(Uint8Array.of(0x1b, 0x1b, 0x1b, 0x1b, 1, 1, 1, 1)));
  assertOk(!looksLikeD0(new Uint8Array(0)));
});
