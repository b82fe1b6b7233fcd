/** A private Mosquitto broker on a free port, for tests that need a real broker. */
import { freePort, requireTool, waitFor } from "./tools.ts";

/** Options of {@link startBroker}. */
export interface BrokerOptions {
  /** The port; a free one by default. */
  port?: number;
  /**
   * A Mosquitto password file (see {@link writePasswordFile}): only its users
   * may connect. Mosquitto reads it again on SIGHUP.
   */
  passwordFile?: string;
  /**
   * A second listener, for TLS (`tlsUrl`), with these PEM files; the plain
   * one (`url`) stays for the test's own clients.
   */
  tls?: {
    /** The CA client certificates must be signed by. */
    ca: string;
    cert: string;
    key: string;
    /** Clients must present a certificate signed by `ca`. */
    requireCertificate?: boolean;
  };
}

/**
 * Writes a Mosquitto password file with these users and passwords, readable
 * by the broker even when it dropped root for its own user.
 */
export async function writePasswordFile(
  path: string,
  users: Record<string, string>,
): Promise<void> {
  const binary = requireTool("mosquitto_passwd", "mosquitto");
  await Deno.writeTextFile(path, "");
  for (const [user, password] of Object.entries(users)) {
    const { code, stderr } = await new Deno.Command(binary, {
      args: ["-b", path, user, password],
      stdout: "null",
    }).output();
    if (code !== 0) throw new Error(`mosquitto_passwd: ${new TextDecoder().decode(stderr)}`);
  }
  await Deno.chmod(path, 0o644);
}

/** A running Mosquitto. */
export interface Broker {
  port: number;
  url: string;
  /** The TLS listener's `mqtts://` URL, when started with `tls`. */
  tlsUrl?: string;
  /** Stops the broker (persistence is off: retained messages are gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /**
   * Sends a signal: SIGSTOP freezes the broker with its connections open,
   * SIGKILL drops them, SIGHUP makes it read its password file again.
   */
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

/**
 * Starts Mosquitto on 127.0.0.1 (a free port unless given), no persistence;
 * anonymous access unless a password file is given, and a second listener
 * for TLS when asked.
 */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const binary = requireTool("mosquitto");
  const port = options.port ?? freePort();
  const dir = await Deno.makeTempDir({ prefix: "smr-broker-" });
  const logFile = `${dir}/mosquitto.log`;
  // Mosquitto started as root writes as its own user: let it.
  await Deno.chmod(dir, 0o755);
  await Deno.writeTextFile(logFile, "");
  await Deno.chmod(logFile, 0o666);
  const { tls, passwordFile } = options;
  let tlsPort = tls ? freePort() : undefined;
  while (tlsPort === port) tlsPort = freePort();
  await Deno.writeTextFile(
    `${dir}/mosquitto.conf`,
    [
      `listener ${port} 127.0.0.1`,
      ...(passwordFile
        ? [`password_file ${passwordFile}`, "allow_anonymous false"]
        : ["allow_anonymous true"]),
      ...(tls
        ? [
          `listener ${tlsPort} 127.0.0.1`,
          `cafile ${tls.ca}`,
          `certfile ${tls.cert}`,
          `keyfile ${tls.key}`,
          `require_certificate ${tls.requireCertificate ? "true" : "false"}`,
        ]
        : []),
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
    tlsUrl: tls ? `mqtts://127.0.0.1:${tlsPort}` : undefined,
    async start() {
      child = new Deno.Command(binary, {
        args: ["-c", `${dir}/mosquitto.conf`],
        stdout: "null",
        stderr: "null",
        stdin: "null",
      }).spawn();
      await waitFor(() => canConnect(port), `mosquitto on port ${port}`);
      if (tlsPort) await waitFor(() => canConnect(tlsPort), `mosquitto on port ${tlsPort}`);
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
