/**
 * What openHAB and Home Assistant find on a real broker: smr runs as a child
 * process with the `homie` and `homeassistant` sinks for three meters (the
 * dummy meter, a DSMR meter with gas and water on a pty, the Kamstrup
 * simulator on a pty), and a newcomer's view of the retained topics is
 * taken once every property has its value and its discovery config.
 *
 * Captures are made once per test process and shared by the consumer tests.
 * Waits are generous (emulated CPUs are slow) and never depend on timing:
 * a capture is taken when the retained tree is complete, not after a delay.
 */
import { startBroker } from "../e2e/broker.ts";
import { capture, retainedSnapshot } from "../e2e/capture.ts";
import { MC403_REGISTERS, startKamstrupSimulator } from "../e2e/kamstrup_simulator.ts";
import { editTelegram, sharedText } from "../e2e/p1_frames.ts";
import { startPty, writeInChunks } from "../e2e/pty.ts";
import { startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import { latin1 } from "../../src/bytes.ts";
import type { RegisterReply } from "../../src/meters/kamstrup/register_codec.ts";

/** One smr device as consumers see it on the broker. */
export interface DeviceCapture {
  /** Which setup: `dummy`, `dsmr`, `kamstrup`. */
  label: string;
  deviceId: string;
  /** The retained Homie tree by path below `homie/<id>/` (`import/total/$unit`). */
  homie: Map<string, string>;
  /** The retained discovery configs by `<node>_<property>`, parsed. */
  discovery: Map<string, Record<string, unknown>>;
}

/** How long a setup may take to publish its whole tree, for slow (emulated) machines. */
const COMPLETE_MS = 90_000;

/**
 * The Fluvius e-MUCS telegram (gas on channel 1, water of device type 007 on
 * channel 2, the monthly peak history), with the power-failure counters and
 * a two-entry power-failure log inserted in the DSMR 4.2 form (values of the
 * NL vectors, dates of this telegram's month), CRC recomputed.
 */
export function dsmrTelegram(): Uint8Array {
  const telegram = editTelegram(
    sharedText("dsmr/fluvius_be_flu5-v171_dp.txt"),
    (body) =>
      body.replace(
        "0-1:24.1.0(003)",
        [
          "0-0:96.7.21(00004)",
          "0-0:96.7.9(00002)",
          "1-0:99.97.0(2)(0-0:96.7.19)(200511152415S)(0000000240*s)(200502151004S)(0000000301*s)",
          "0-1:24.1.0(003)",
        ].join("\r\n"),
      ),
  );
  return latin1(telegram);
}

/**
 * MULTICAL 403 registers besides the usual ones, with the unit bytes whose
 * spelling consumers do not understand: clock time (hh:mm:ss), clock date
 * and a date of the year's peak (yy:mm:dd), battery days (days), a pulse
 * value (l), volume V2 in "m³ x 10", and the E8 m³·T1 product.
 */
export const EXTRA_REGISTERS: readonly RegisterReply[] = [
  { id: 1002, unit: 47, value: "200243" },
  { id: 1003, unit: 48, value: "261125" },
  { id: 123, unit: 48, value: "260112" },
  { id: 582, unit: 62, value: "3650" },
  { id: 234, unit: 39, value: "10" },
  { id: 69, unit: 55, value: "26.91" },
  { id: 97, unit: 43, value: "123456" },
];

/** The Homie value paths a retained tree announces in `$nodes` and `$properties`. */
export function propertyPaths(homie: Map<string, string>): string[] {
  const nodes = homie.get("$nodes")?.split(",") ?? [];
  return nodes.flatMap((node) =>
    (homie.get(`${node}/$properties`)?.split(",") ?? []).map((p) => `${node}/${p}`)
  );
}

/** The tree below `homie/<id>/` and the configs below `homeassistant/sensor/<id>/`. */
function split(
  retained: Map<string, string>,
  deviceId: string,
): Pick<DeviceCapture, "homie" | "discovery"> {
  const homie = new Map<string, string>();
  const discovery = new Map<string, Record<string, unknown>>();
  const base = `homie/${deviceId}/`;
  const prefix = `homeassistant/sensor/${deviceId}/`;
  for (const [topic, payload] of retained) {
    if (topic.startsWith(base)) homie.set(topic.slice(base.length), payload);
    else if (topic.startsWith(prefix) && topic.endsWith("/config")) {
      discovery.set(topic.slice(prefix.length, -"/config".length), JSON.parse(payload));
    }
  }
  return { homie, discovery };
}

/** Whether every announced property has a value and a config, and `expected` are there. */
function complete(
  retained: Map<string, string>,
  deviceId: string,
  expected: readonly string[],
): boolean {
  const { homie, discovery } = split(retained, deviceId);
  if (homie.get("$state") !== "ready") return false;
  const paths = propertyPaths(homie);
  return expected.every((path) => paths.includes(path)) &&
    paths.every((path) => homie.has(path) && discovery.has(path.replace("/", "_")));
}

/**
 * Runs smr `--env <env>` with both sinks until its retained tree is
 * complete, then returns a newcomer's snapshot. `feed` plays the meter.
 */
async function run(
  label: string,
  env: string,
  deviceId: string,
  variables: Record<string, string>,
  expected: readonly string[],
  feed: () => Promise<void> = () => Promise.resolve(),
): Promise<DeviceCapture> {
  const broker = await startBroker();
  const cap = await capture(broker.url, "#");
  const smr = startSmr({
    args: ["--env", env],
    env: {
      SMR_SINKS: '["homie", "homeassistant"]',
      SMR_MQTT__URL: broker.url,
      ...variables,
    },
  });
  try {
    await smr.waitForLog("connected to", COMPLETE_MS);
    await feed();
    await waitFor(
      () => complete(cap.retained(), deviceId, expected),
      `${label}: every property with its value and discovery config; stderr:\n${smr.stderr()}`,
      COMPLETE_MS,
    );
    // A newcomer's view, taken again until it is whole: on a slow machine the
    // retained messages may take longer than one snapshot waits.
    let retained = new Map<string, string>();
    await waitFor(
      async () => {
        retained = new Map([
          ...await retainedSnapshot(broker.url, `homie/${deviceId}/#`),
          ...await retainedSnapshot(broker.url, `homeassistant/sensor/${deviceId}/#`),
        ]);
        return complete(retained, deviceId, expected);
      },
      `${label}: a whole retained snapshot`,
      COMPLETE_MS,
    );
    return { label, deviceId, ...split(retained, deviceId) };
  } finally {
    await smr.stop();
    await cap.close();
    await broker.stop();
  }
}

async function captureDummy(): Promise<DeviceCapture> {
  return await run("dummy", "dummy", "dummy", { SMR_METER__INTERVAL: "0.5" }, [
    "l3/current",
    "meter/tariff",
  ]);
}

async function captureDsmr(): Promise<DeviceCapture> {
  const pty = await startPty();
  try {
    return await run(
      "dsmr",
      "dsmr",
      "p1-electricity",
      // A long interval keeps the device ready on one telegram.
      { SMR_METER__DEVICE: pty.device, SMR_METER__INTERVAL: "60" },
      [
        "gas/volume",
        "water/volume",
        "outages/last-duration",
        "power/peak-previous-month",
        "meter/tariff",
      ],
      () => writeInChunks(pty, dsmrTelegram(), { seed: 7, maxChunk: 64 }),
    );
  } finally {
    await pty.close();
  }
}

async function captureKamstrup(): Promise<DeviceCapture> {
  const pty = await startPty();
  const sim = startKamstrupSimulator(pty, { registers: [...MC403_REGISTERS, ...EXTRA_REGISTERS] });
  const ids = [...MC403_REGISTERS, ...EXTRA_REGISTERS].map((r) => r.id);
  try {
    return await run(
      "kamstrup",
      "kamstrup_403",
      "mc403-heat",
      {
        SMR_METER__DEVICE: pty.device,
        // Generous for slow machines: alert only after 15 s without a reading.
        SMR_METER__INTERVAL: "5",
        SMR_METER__TIMEOUT: "2",
        SMR_METER__REGISTERS: JSON.stringify(ids),
      },
      ["temperature/difference", "circuit/flow", "registers/clock-date", "registers/volume-v2"],
    );
  } finally {
    await sim.stop();
    await pty.close();
  }
}

let captured: Promise<DeviceCapture[]> | undefined;

/** The three captures, made on first use and shared afterwards (one after the other). */
export function captures(): Promise<DeviceCapture[]> {
  captured ??= (async () => [
    await captureDummy(),
    await captureDsmr(),
    await captureKamstrup(),
  ])();
  return captured;
}
