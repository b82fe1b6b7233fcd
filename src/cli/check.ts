/**
 * `smr check`: the questions a user asks when no reading arrives. Is the
 * configuration right, does the serial device open, does a valid reading
 * come (right key, right cable), does the broker accept us? Each step prints
 * pass or fail with the reason; the exit code is 0 only when all pass.
 */
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { serialSettings } from "../meters/driver.ts";
import { emptyStats } from "../meters/meter.ts";
import { createMeter } from "../meters/registry.ts";
import { configure, formatSettings } from "../serial/stty.ts";
import { connectOnce, explainFailure, loadBroker, redactUrl } from "../sinks/mqtt_connection.ts";

/** One step of the check. */
export interface CheckStep {
  name: string;
  ok: boolean | "skipped";
  detail: string;
}

/** Options of {@link runCheck}. */
export interface CheckOptions {
  config: Config;
  /** Seconds to wait for a valid reading. */
  timeout: number;
  out?: (line: string) => void;
}

async function checkDevice(config: Config): Promise<CheckStep> {
  const { meter } = config;
  if (!("device" in meter)) {
    return { name: "serial device", ok: "skipped", detail: `the ${meter.type} meter has none` };
  }
  const { device } = meter;
  const settings = serialSettings(meter);
  try {
    await configure(device, settings);
    const file = await Deno.open(device, { read: true, write: true });
    file.close();
    return { name: "serial device", ok: true, detail: `${device} at ${formatSettings(settings)}` };
  } catch (error) {
    return { name: "serial device", ok: false, detail: (error as Error).message };
  }
}

/** A logger that keeps what the meter says, for the reading step's verdict. */
function recorder(lines: string[]): Logger {
  const keep = (message: string) => void lines.push(message);
  return { debug: () => {}, info: () => {}, warn: keep, error: keep };
}

async function checkReading(config: Config, timeout: number): Promise<CheckStep> {
  const said: string[] = [];
  const meter = await createMeter(config, recorder(said));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout * 1000);
  let stats = emptyStats();
  try {
    for await (const event of meter.events(controller.signal)) {
      if (event.kind === "stats") stats = event.stats;
      if (event.kind !== "reading") continue;
      const shown = event.reading.values.slice(0, 3).map((v) =>
        `${v.node}/${v.property} = ${v.value}${v.unit ? " " + v.unit : ""}`
      );
      return { name: "reading", ok: true, detail: shown.join(", ") };
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  const { received, rejected } = stats;
  const reasons = Object.entries(rejected).filter(([, n]) => n > 0).map(([r, n]) => `${n} ${r}`);
  const heard = received > 0
    ? `${received} frames received, rejected: ${reasons.join(", ")}`
    : "nothing received (check the cable, the port activation and meter.device)";
  const last = said.at(-1);
  return {
    name: "reading",
    ok: false,
    detail: `no valid reading within ${timeout} s: ${heard}${
      last ? `; last message: ${last}` : ""
    }`,
  };
}

async function checkBroker(config: Config): Promise<CheckStep> {
  const where = redactUrl(config.mqtt.url);
  let broker;
  try {
    broker = loadBroker(config.mqtt);
  } catch (error) {
    return { name: "broker", ok: false, detail: (error as Error).message };
  }
  try {
    const link = await connectOnce(broker, `smr-check-${crypto.randomUUID().slice(0, 8)}`, {
      timeoutMs: 5000,
    });
    await link.end();
    return { name: "broker", ok: true, detail: `connected to ${where}` };
  } catch (error) {
    const failure = explainFailure(error as Error, broker);
    return { name: "broker", ok: false, detail: `${where}: ${failure.detail}` };
  }
}

/** Runs every step and prints the report; resolves to the exit code. */
export async function runCheck(options: CheckOptions): Promise<number> {
  const { config } = options;
  const out = options.out ?? ((line: string) => console.log(line));
  const steps: CheckStep[] = [{
    name: "configuration",
    ok: true,
    detail: `environment ${config.env}, meter.type ${config.meter.type}, sinks ${
      config.sinks.join(", ")
    }`,
  }];
  const print = (step: CheckStep) =>
    out(
      `${step.ok === "skipped" ? "skip" : step.ok ? "pass" : "FAIL"}  ${step.name}: ${step.detail}`,
    );
  print(steps[0]);
  const device = await checkDevice(config);
  steps.push(device);
  print(device);
  const reading = device.ok === false
    ? { name: "reading", ok: "skipped" as const, detail: "the serial device did not open" }
    : await checkReading(config, options.timeout);
  steps.push(reading);
  print(reading);
  const needsBroker = config.sinks.some((sink) => sink !== "dummy");
  const broker = needsBroker
    ? await checkBroker(config)
    : { name: "broker", ok: "skipped" as const, detail: "no sink publishes to MQTT" };
  steps.push(broker);
  print(broker);
  const failed = steps.filter((step) => step.ok === false);
  out(
    failed.length === 0 ? "check passed" : `check failed: ${failed.map((s) => s.name).join(", ")}`,
  );
  return failed.length === 0 ? 0 : 1;
}
