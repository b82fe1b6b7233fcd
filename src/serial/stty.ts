/**
 * Line settings of a serial device, applied with `stty` (Deno has no termios
 * API): raw bytes, no echo, no flow control, and reads that return whatever
 * has arrived as soon as one byte is there.
 */

/** Speed, character size, parity and stop bits of a serial line. */
export interface SerialSettings {
  baud: number;
  databits: 5 | 6 | 7 | 8;
  parity: "none" | "even" | "odd";
  stopbits: 1 | 2;
}

/** `stty` could not configure a device; the message says why and what to do. */
export class SttyError extends Error {
  override name = "SttyError";
}

/** Speeds that Linux and GNU `stty` accept. */
export const BAUD_RATES: readonly number[] = Object.freeze(
  ("50 75 110 134 150 200 300 600 1200 1800 2400 4800 9600 19200 38400 57600 115200 230400 " +
    "460800 500000 576000 921600 1000000 1152000 1500000 2000000 2500000 3000000 3500000 4000000")
    .split(" ").map(Number),
);

const PARITY_LETTER = { none: "N", even: "E", odd: "O" } as const;

/** Settings in the usual short form, e.g. `115200 8N1`. */
export function formatSettings(settings: SerialSettings): string {
  const parity = PARITY_LETTER[settings.parity] ?? "?";
  return `${settings.baud} ${settings.databits}${parity}${settings.stopbits}`;
}

/** What is wrong with `settings`, or undefined when they are valid. */
export function checkSettings(settings: SerialSettings): string | undefined {
  if (!BAUD_RATES.includes(settings.baud)) {
    return `unsupported baud rate ${settings.baud}: use one of ${BAUD_RATES.join(", ")}`;
  }
  if (![5, 6, 7, 8].includes(settings.databits)) {
    return `unsupported data bits ${settings.databits}: use 5, 6, 7 or 8`;
  }
  if (!(settings.parity in PARITY_LETTER)) {
    return `unsupported parity ${JSON.stringify(settings.parity)}: use none, even or odd`;
  }
  if (settings.stopbits !== 1 && settings.stopbits !== 2) {
    return `unsupported stop bits ${settings.stopbits}: use 1 or 2`;
  }
  return undefined;
}

/**
 * The `stty` arguments that put `device` in raw mode with `settings`.
 * Throws a RangeError for invalid settings (see {@link checkSettings}).
 */
export function sttyArgs(device: string, settings: SerialSettings): string[] {
  const problem = checkSettings(settings);
  if (problem) throw new RangeError(problem);
  const parity = settings.parity === "none"
    ? ["-parenb"]
    : ["parenb", settings.parity === "odd" ? "parodd" : "-parodd"];
  return [
    "-F",
    device,
    String(settings.baud),
    "raw",
    "-echo",
    "-echoe",
    "-echok",
    "-echonl",
    "-iexten",
    "-crtscts",
    "-ixon",
    "-ixoff",
    "clocal",
    "cread",
    "-hupcl",
    `cs${settings.databits}`,
    ...parity,
    settings.stopbits === 2 ? "cstopb" : "-cstopb",
    "min",
    "1",
    "time",
    "0",
  ];
}

function hint(stderr: string): string {
  if (/permission denied/i.test(stderr)) return " (is the user in the dialout group?)";
  if (/inappropriate ioctl/i.test(stderr)) return " (is it a serial device?)";
  return "";
}

/**
 * Configures `device` by running `stty`. Throws an Error whose message names
 * the device and carries stty's complaint, e.g.
 * `cannot configure /dev/ttyUSB0: stty: /dev/ttyUSB0: No such file or directory`.
 */
export async function configure(device: string, settings: SerialSettings): Promise<void> {
  const args = sttyArgs(device, settings);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("stty", {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    })
      .output();
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "stty not found: install coreutils"
      : error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ? "not allowed to run stty: run smr with the flags of etc/smr.flags"
      : String(error);
    throw new SttyError(`cannot configure ${device}: ${reason}`, { cause: error });
  }
  if (!output.success) {
    const stderr =
      new TextDecoder().decode(output.stderr).trim().replace(/^\S*\/stty: /gm, "stty: ") ||
      `stty exited with code ${output.code}`;
    throw new SttyError(`cannot configure ${device}: ${stderr}${hint(stderr)}`);
  }
}
