/**
 * smr as a child process, as the compiled binary runs: `deno run` with the
 * permission and V8 flags of `etc/smr.flags` (the ones `deno task compile`
 * bakes into the binary), arguments and environment variables.
 */
import { waitFor } from "./tools.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../config", import.meta.url).pathname;

/** The runtime flags the binary ships with, read from the one place that states them. */
export const SHIPPED_FLAGS: readonly string[] = Deno.readTextFileSync(
  new URL("../../etc/smr.flags", import.meta.url),
).split(/\s+/).filter((flag) => flag !== "");

/** A running smr. */
export interface SmrProcess {
  child: Deno.ChildProcess;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** Waits until stderr contains `text`. */
  waitForLog(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  status: Promise<Deno.CommandStatus>;
}

/** Options of {@link startSmr}. */
export interface SmrOptions {
  args?: string[];
  /** Extra environment variables (`SMR_MQTT__URL`, ...). */
  env?: Record<string, string>;
  /** Defaults to the project's config folder. */
  configDir?: string;
  cwd?: string;
}

async function collect(stream: ReadableStream<Uint8Array>, sink: string[]): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink.push(decoder.decode(chunk, { stream: true }));
}

/** Starts smr; the project's `config/` is the config dir unless told otherwise. */
export function startSmr(options: SmrOptions = {}): SmrProcess {
  const args = [
    "run",
    ...SHIPPED_FLAGS,
    "--quiet",
    MAIN,
    ...(options.args ?? []),
  ];
  if (!(options.args ?? []).some((a) => a.startsWith("--config-dir"))) {
    args.push("--config-dir", options.configDir ?? CONFIG);
  }
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out: string[] = [];
  const err: string[] = [];
  const streams = Promise.all([collect(child.stdout, out), collect(child.stderr, err)]);
  const status = child.status.then(async (s) => {
    await streams;
    return s;
  });
  return {
    child,
    status,
    stdout: () => out.join(""),
    stderr: () => err.join(""),
    async waitForLog(text, timeoutMs = 15_000) {
      await waitFor(
        () => typeof text === "string" ? err.join("").includes(text) : text.test(err.join("")),
        `smr log ${text}; stderr so far:\n${err.join("")}`,
        timeoutMs,
      );
    },
    async stop(signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
      return (await status).code;
    },
  };
}

/** Runs smr to completion and returns its exit code and output. */
export async function runSmr(
  options: SmrOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const smr = startSmr(options);
  const { code } = await smr.status;
  return { code, stdout: smr.stdout(), stderr: smr.stderr() };
}
