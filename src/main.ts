/** smr: the smart meter reader. Entry point: arguments, configuration, then the command. */
import denoJson from "../deno.json" with { type: "json" };
import { type Args, type CommandName, EX_USAGE, parseCli, usage, UsageError } from "./cli/args.ts";
import { ConfigError, EX_CONFIG } from "./config/error.ts";
import { loadConfig } from "./config/load.ts";
import { type Config, secretsOf } from "./config/schema.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMeter } from "./meters/registry.ts";
import { runPipeline } from "./pipeline.ts";
import { createSinks } from "./sinks/mod.ts";
import { type DeviceTakenError, EX_DEVICE_TAKEN } from "./sinks/takeover.ts";
import { startSystemdNotify } from "./systemd/notify.ts";

/** The version printed by `smr --version`. */
export const VERSION: string = denoJson.version;

/** What a command runs with: its arguments, the loaded configuration and a logger. */
export interface CommandContext {
  args: Args;
  config: Config;
  log: Logger;
}

/** A command: resolves to the exit code. */
export type Command = (context: CommandContext) => Promise<number>;

/**
 * Reads the meter into the sinks until SIGINT or SIGTERM, or until another
 * smr turns out to publish as the same device (exit {@link EX_DEVICE_TAKEN}),
 * telling systemd how it goes when started by a unit of `Type=notify`.
 */
async function run({ config, log }: CommandContext): Promise<number> {
  const meter = await createMeter(config, log);
  const controller = new AbortController();
  let taken: DeviceTakenError | undefined;
  const onDeviceTaken = (error: DeviceTakenError) => {
    taken ??= error;
    controller.abort();
  };
  const sinks = createSinks({
    config,
    interval: meter.interval,
    log,
    version: VERSION,
    onDeviceTaken,
  });
  const device = "device" in config.meter ? config.meter.device : undefined;
  const notify = startSystemdNotify({ meter, sinks, log, device });
  const stop = (signal: Deno.Signal) => () => {
    if (controller.signal.aborted) Deno.exit(1);
    log.info(`${signal}: stopping`);
    notify?.stopping();
    controller.abort();
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, stop(s)] as const);
  handlers.forEach(([s, handler]) => Deno.addSignalListener(s, handler));
  log.info(`smr ${VERSION}: meter ${config.meter.type} → ${config.sinks.join(", ")}`);
  try {
    await runPipeline({
      meter,
      sinks,
      signal: controller.signal,
      log,
      summaryInterval: config.log.summary_interval,
      onStats: (stats) => notify?.counters(stats),
    });
  } finally {
    handlers.forEach(([s, handler]) => Deno.removeSignalListener(s, handler));
    await notify?.close();
  }
  if (taken) {
    log.error(taken.message);
    return EX_DEVICE_TAKEN;
  }
  return 0;
}

/**
 * Every command by name; a new one is a row here and in `COMMANDS` of
 * cli/args.ts. A command other than the daemon loads its code when it runs.
 */
const COMMANDS: Record<CommandName, Command> = {
  run,
  decode: async ({ args, config }) => {
    const format = args.flags.format ?? "auto";
    if (format !== "raw" && format !== "hex" && format !== "auto") {
      throw new UsageError(`--format must be raw, hex or auto, not '${format}'`);
    }
    const { runDecode } = await import("./cli/decode.ts");
    return runDecode({ config, file: args.operand, format });
  },
  check: async ({ args, config }) => {
    const timeout = args.flags.timeout === undefined
      ? Math.max(15, 3 * config.meter.interval)
      : Number(args.flags.timeout);
    if (!(timeout > 0)) throw new UsageError("--timeout must be a positive number of seconds");
    const { runCheck } = await import("./cli/check.ts");
    return runCheck({ config, timeout });
  },
  purge: async ({ args, config }) => {
    const { purge } = await import("./cli/purge.ts");
    return purge({ config, force: args.flags.force === true });
  },
};

function fail(message: string, code: number): number {
  console.error(`smr: ${message}`);
  return code;
}

/** Removes every secret value of the config from a text. */
function scrub(text: string, config?: Config): string {
  return (config ? secretsOf(config) : []).reduce((t, s) => t.replaceAll(s, "***"), text);
}

/** Runs smr with arguments; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      return fail(`${error.message} (try smr --help)`, EX_USAGE);
    }
    throw error;
  }
  if (args.help) {
    console.log(usage(args.command));
    return 0;
  }
  if (args.flags.version) {
    console.log(`smr ${VERSION}`);
    return 0;
  }
  let config: Config | undefined;
  try {
    const warnings: string[] = [];
    config = loadConfig({
      env: args.env,
      configDir: args.configDir,
      onWarning: (message) => warnings.push(message),
    });
    const log = createLogger({ level: config.log.level, scope: config.env });
    warnings.forEach((message) => log.warn(message));
    return await COMMANDS[args.command]({ args, config, log });
  } catch (error) {
    if (error instanceof UsageError) return fail(`${error.message} (try smr --help)`, EX_USAGE);
    if (error instanceof ConfigError) return fail(scrub(error.message, config), EX_CONFIG);
    return fail(scrub((error as Error).message ?? String(error), config), 1);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
