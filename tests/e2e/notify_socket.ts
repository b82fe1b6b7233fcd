/**
 * A notification socket standing in for systemd: a Unix datagram socket in a
 * temporary folder that records every message smr sends to it. Start smr
 * with `env()` to point it there (NOTIFY_SOCKET, and WATCHDOG_USEC if asked).
 */
import { waitFor } from "./tools.ts";

const LISTENER = new URL("./notify_listener.ts", import.meta.url).pathname;

/** One datagram as received. */
export interface Notification {
  /** The datagram's text: newline-separated `KEY=value` assignments. */
  text: string;
  /** Its assignments by key. */
  fields: Map<string, string>;
  /** When it arrived at the socket, in ms since the epoch. */
  at: number;
}

/** A running stand-in; see the module documentation. */
export interface NotifySocketStub {
  /** The socket's path. */
  readonly path: string;
  /** Every datagram so far, in order. */
  readonly messages: Notification[];
  /** The environment that points smr here; a watchdog of `watchdogMs` when given. */
  env(watchdogMs?: number): Record<string, string>;
  /** The first datagram from index `from` on that has `key` (and `value`, if given). */
  waitFor(
    key: string,
    value?: string | RegExp,
    timeoutMs?: number,
    from?: number,
  ): Promise<Notification>;
  /** Stops the listener and removes the folder. */
  close(): Promise<void>;
}

/** Parses `KEY=value` lines. */
function fieldsOf(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

function matches(actual: string | undefined, expected: string | RegExp | undefined): boolean {
  if (actual === undefined) return false;
  if (expected === undefined) return true;
  return typeof expected === "string" ? actual === expected : expected.test(actual);
}

/** Starts a listener on a new socket path, once it is bound. */
export async function startNotifySocket(): Promise<NotifySocketStub> {
  const dir = await Deno.makeTempDir({ prefix: "smr-notify-" });
  const path = `${dir}/notify`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--unstable-net",
      "--allow-net",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      LISTENER,
      path,
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const messages: Notification[] = [];
  let listening = false;
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  const pump = (async () => {
    let buffered = "";
    for await (const chunk of lines) {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (typeof line.text === "string") {
          messages.push({ text: line.text, fields: fieldsOf(line.text), at: line.at });
        } else {
          listening = true;
        }
      }
    }
  })();
  let exited = false;
  child.status.then(() => exited = true);
  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.status;
    await pump;
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await waitFor(() => listening || exited, `the notification socket ${path}`, 30_000);
    if (!listening) throw new Error("the notification socket listener exited");
  } catch (error) {
    await close();
    throw error;
  }
  return {
    path,
    messages,
    env: (watchdogMs) => ({
      NOTIFY_SOCKET: path,
      ...(watchdogMs === undefined ? {} : { WATCHDOG_USEC: String(watchdogMs * 1000) }),
    }),
    async waitFor(key, value, timeoutMs = 30_000, from = 0) {
      const wanted = `${key}${value === undefined ? "" : `=${value}`}`;
      const find = () => messages.slice(from).find((m) => matches(m.fields.get(key), value));
      try {
        await waitFor(() => find() !== undefined, `a notification with ${wanted}`, timeoutMs);
      } catch (error) {
        const seen = messages.map((m) => JSON.stringify(m.text)).join("\n");
        throw new Error(`${(error as Error).message}; so far:\n${seen}`);
      }
      return find()!;
    },
    close,
  };
}
