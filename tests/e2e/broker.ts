/** A private Mosquitto broker on a free port, for tests that need a real broker. */
import { freePort, requireTool, waitFor } from "./tools.ts";

/** A running Mosquitto. */
export interface Broker {
  port: number;
  url: string;
  /** Stops the broker (persistence is off: retained messages are gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Sends a signal: SIGSTOP freezes the broker with its connections open, SIGKILL drops them. */
  signal(signal: Deno.Signal): void;
  /** The broker's log so far. */
  log(): string;
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Starts Mosquitto on 127.0.0.1 (a free port unless given) with anonymous access, no persistence. */
export async function startBroker(options: { port?: number } = {}): Promise<Broker> {
  const binary = requireTool("mosquitto");
  const port = options.port ?? freePort();
  const dir = await Deno.makeTempDir({ prefix: "smr-broker-" });
  const logFile = `${dir}/mosquitto.log`;
  await Deno.writeTextFile(
    `${dir}/mosquitto.conf`,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      `log_dest file ${logFile}`,
      "log_type all",
      "connection_messages true",
      "",
    ].join("\n"),
  );
  let child: Deno.ChildProcess | undefined;
  const broker: Broker = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      child = new Deno.Command(binary, {
        args: ["-c", `${dir}/mosquitto.conf`],
        stdout: "null",
        stderr: "null",
        stdin: "null",
      }).spawn();
      await waitFor(() => canConnect(port), `mosquitto on port ${port}`);
    },
    async stop() {
      if (!child) return;
      const running = child;
      child = undefined;
      try {
        running.kill("SIGTERM");
      } catch {
        // already gone
      }
      await running.status;
    },
    signal(signal) {
      child?.kill(signal);
    },
    log() {
      try {
        return Deno.readTextFileSync(logFile);
      } catch {
        return "";
      }
    },
  };
  await broker.start();
  return broker;
}
