/**
 * Logging to stderr, one line per event.
 *
 * Under systemd (JOURNAL_STREAM set) lines carry an sd-daemon priority prefix
 * (`<4>`) instead of a timestamp, so journald files them at the right level.
 */

/** Log levels, from the most to the least verbose. */
export const LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of {@link LEVELS}. */
export type Level = typeof LEVELS[number];

/** A logger: one method per level. */
export type Logger = Record<Level, (message: string) => void>;

const PRIORITY: Record<Level, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level?: Level;
  /** Prefix of every line, e.g. the meter id. */
  scope?: string;
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
  /** Use journald priority prefixes instead of timestamps. */
  journal?: boolean;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr closed: nothing left to tell.
  }
}

function journalDetected(): boolean {
  try {
    return Deno.env.get("JOURNAL_STREAM") !== undefined;
  } catch {
    return false;
  }
}

/** Creates a logger that drops messages below `level`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS.indexOf(options.level ?? "info");
  const write = options.write ?? writeStderr;
  const journal = options.journal ?? journalDetected();
  const scope = options.scope ? `${options.scope}: ` : "";
  const logAt = (level: Level) => (message: string) => {
    if (LEVELS.indexOf(level) < threshold) return;
    const head = journal
      ? `<${PRIORITY[level]}>`
      : `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)}`;
    write(`${head} ${scope}${message}`);
  };
  return { debug: logAt("debug"), info: logAt("info"), warn: logAt("warn"), error: logAt("error") };
}

/** A logger that drops everything (for pure-function tests and benches). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
