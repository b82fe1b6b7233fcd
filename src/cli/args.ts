/**
 * Command-line arguments: `smr [--env NAME] [--config-dir DIR]` runs the
 * daemon, `smr COMMAND ...` runs a command. Each command declares its own
 * flags in {@link COMMANDS}; the help text is made from the same table.
 */
import { DRIVERS } from "../meters/registry.ts";

/** Exit code for usage errors. */
export const EX_USAGE = 2;

/** One flag of a command. */
export interface Flag {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in the help, for string flags: `NAME`. */
  arg?: string;
  /** Help text; more lines after a newline. */
  help: string;
}

/** A command: one line for the overview, a paragraph for its own help, and its flags. */
export interface CommandSpec {
  summary: string;
  description: string;
  flags: Readonly<Record<string, Flag>>;
  /** An optional operand after the flags, as shown in the usage line: `[FILE]`. */
  operand?: string;
}

/** Flags every command takes. */
const COMMON: Readonly<Record<string, Flag>> = {
  env: {
    type: "string",
    short: "e",
    arg: "NAME",
    help: "environment (table) of settings.toml; default $SMR_ENV",
  },
  "config-dir": {
    type: "string",
    short: "c",
    arg: "DIR",
    help:
      "folder with settings.toml and .secrets.toml;\ndefault $SMR_CONFIG_DIR, else the current directory",
  },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/**
 * Every command. `run` is smr without a command word (the daemon); the
 * others are named by the first argument: `smr purge --env t210`.
 */
export const COMMANDS = {
  run: {
    summary: "read the meter and publish its readings (the default)",
    description: "smr: read a smart meter and publish its readings over MQTT (Homie 4)",
    flags: { version: { type: "boolean", short: "V", help: "show the version" } },
  },
  decode: {
    summary: "decode captured bytes offline and print each reading as JSON",
    description:
      "smr decode: decode captured bytes (raw or hex) with the environment's meter type\n" +
      "and keys, print each reading as a JSON line on stdout and say on stderr why\n" +
      "anything did not decode (no frame, CRC or tag mismatch, wrong or swapped keys).\n" +
      "Reads FILE, or stdin when it is - or absent. Exit code 0 when a reading decoded.",
    operand: "[FILE]",
    flags: {
      format: {
        type: "string",
        arg: "FORMAT",
        help: "raw, hex or auto (default: hex when the input is only hex digits)",
      },
    },
  },
  check: {
    summary: "check configuration, serial device, one reading and the broker",
    description:
      "smr check: validate the configuration, open the serial device, wait for one valid\n" +
      "reading and connect to the broker; print pass or fail for each step.\n" +
      "Exit code 0 only when every step passes. Stop the running service first:\n" +
      "two readers cannot share one serial port.",
    flags: {
      timeout: {
        type: "string",
        arg: "SECONDS",
        help: "how long to wait for a reading (default: 3 meter intervals, at least 15)",
      },
    },
  },
  purge: {
    summary: "remove the device's retained topics from the broker",
    description:
      "smr purge: remove every retained topic of the device from the broker: the Homie\n" +
      "tree <base_topic>/<device_id>/# and the Home Assistant discovery configs\n" +
      "<prefix>/sensor/<device_id>/#, with $homie last. Refuses while the device's\n" +
      "$state is ready, init or alert, since a running smr would publish it all again.",
    flags: {
      force: { type: "boolean", help: "purge even while the device is ready, init or alert" },
    },
  },
} as const satisfies Record<string, CommandSpec>;

/** A command name. */
export type CommandName = keyof typeof COMMANDS;

/** The command that runs when no command word is given. */
export const DEFAULT_COMMAND: CommandName = "run";

/** Parsed arguments. */
export interface Args {
  command: CommandName;
  env?: string;
  configDir?: string;
  help: boolean;
  /** The command's own flags that were given, by name (`version`, `force`). */
  flags: Record<string, string | boolean>;
  /** The operand of a command that takes one (`smr decode FILE`). */
  operand?: string;
}

/** A usage error: one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

function flagLines(flags: Readonly<Record<string, Flag>>): string[] {
  return Object.entries(flags).flatMap(([name, flag]) => {
    const head = `${flag.short ? `-${flag.short}, ` : "    "}--${name}${
      flag.arg ? ` ${flag.arg}` : ""
    }`;
    const [first, ...more] = flag.help.split("\n");
    return [`  ${head.padEnd(20)}  ${first}`, ...more.map((line) => `${" ".repeat(24)}${line}`)];
  });
}

/** The help text of a command; of smr itself by default. */
export function usage(command: CommandName = DEFAULT_COMMAND): string {
  const spec: CommandSpec = COMMANDS[command];
  const { help, ...common } = COMMON;
  const own = Object.entries(spec.flags).map(([name, flag]) =>
    flag.type === "string" ? `[--${name} ${flag.arg}]` : `[--${name}]`
  );
  const lines = [spec.description, ""];
  if (command === DEFAULT_COMMAND) {
    const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
    lines.push(
      "Usage: smr [--env NAME] [--config-dir DIR]",
      "       smr COMMAND [--env NAME] [--config-dir DIR] [options]",
      "",
      "Commands:",
      ...Object.entries(COMMANDS)
        .filter(([name]) => name !== DEFAULT_COMMAND)
        .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
      "",
      "Meter types (meter.type):",
      ...DRIVERS.map((d) => `  ${d.type.padEnd(10)}  ${d.meters.split(":")[0]} (${d.link})`),
    );
  } else {
    lines.push(
      `Usage: smr ${command} [--env NAME] [--config-dir DIR] ${own.join(" ")} ${spec.operand ?? ""}`
        .replace(/ +/g, " ").trimEnd(),
    );
  }
  lines.push(
    "",
    "Options:",
    ...flagLines(common),
    ...flagLines(spec.flags),
    ...flagLines({ help }),
    "",
    "Any key can be overridden by an environment variable SMR_<KEY>, with __ for",
    "nesting: SMR_MQTT__URL=mqtt://127.0.0.1:1884 SMR_LOG__LEVEL=debug.",
    "Exit codes: 0 success, 1 failure, 2 usage error, 78 configuration error.",
  );
  if (command === DEFAULT_COMMAND) lines.push("smr COMMAND --help shows the command's options.");
  return lines.join("\n");
}

/**
 * Parses arguments: an optional command word first, then the common flags
 * and the command's own. Throws {@link UsageError} for an unknown command,
 * an unknown flag or a stray word.
 */
export function parseCli(argv: string[]): Args {
  const word = argv[0] !== undefined && !argv[0].startsWith("-") ? argv[0] : undefined;
  if (word !== undefined && (word === DEFAULT_COMMAND || !Object.hasOwn(COMMANDS, word))) {
    throw new UsageError(`unknown command '${word}'`);
  }
  const command = (word ?? DEFAULT_COMMAND) as CommandName;
  const spec: CommandSpec = COMMANDS[command];
  const { values, positionals } = parseFlags(
    word === undefined ? argv : argv.slice(1),
    { ...COMMON, ...spec.flags },
  );
  const operands = spec.operand ? 1 : 0;
  if (positionals.length > operands) {
    throw new UsageError(`unexpected argument '${positionals[operands]}'`);
  }
  const { env, "config-dir": configDir, help, ...flags } = values;
  if (env === "") throw new UsageError("--env needs a name");
  return {
    command,
    env: env as string | undefined,
    configDir: configDir as string | undefined,
    help: help === true,
    flags: flags as Record<string, string | boolean>,
    ...(positionals.length > 0 ? { operand: positionals[0] } : {}),
  };
}

/**
 * Splits arguments into flag values and positionals: `--name value`,
 * `--name=value`, `-n value`, `-nvalue`, booleans as `--name` or `-n` (or
 * grouped, `-hV`), and `--` before operands that start with a dash. A later
 * flag wins over an earlier one. Throws {@link UsageError} for an unknown
 * flag, a string flag without its value (a separate value may not start
 * with a dash: `--env --help` is a mistake, `--env=-x` is not) and a boolean
 * flag given a value.
 */
function parseFlags(
  argv: readonly string[],
  flags: Readonly<Record<string, Flag>>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const byShort = new Map(
    Object.entries(flags).flatMap(([name, f]) => f.short ? [[f.short, name] as const] : []),
  );
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const known = (key: string, long: boolean): string => {
    const name = long ? key : byShort.get(key);
    if (name === undefined || !Object.hasOwn(flags, name)) {
      throw new UsageError(`unknown option '${long ? "--" : "-"}${key}'`);
    }
    return name;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const eq = long ? arg.indexOf("=") : -1;
    const key = long ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1, 2);
    const name = known(key, long);
    const shown = long ? `--${key}` : `-${key}`;
    const attached = long ? (eq < 0 ? undefined : arg.slice(eq + 1)) : arg.slice(2) || undefined;
    if (flags[name].type === "boolean") {
      values[name] = true;
      if (attached === undefined) continue;
      // Grouped short booleans: -hV.
      if (long || !/^[A-Za-z]+$/.test(attached)) {
        throw new UsageError(`option '${shown}' does not take a value`);
      }
      for (const letter of attached) {
        const other = known(letter, false);
        if (flags[other].type !== "boolean") {
          throw new UsageError(`option '-${letter}' needs a value`);
        }
        values[other] = true;
      }
      continue;
    }
    const value = attached ?? argv[i + 1];
    if (value === undefined || (attached === undefined && value.startsWith("-") && value !== "-")) {
      throw new UsageError(`option '${shown}' needs a value`);
    }
    if (attached === undefined) i++;
    values[name] = value;
  }
  return { values, positionals };
}
