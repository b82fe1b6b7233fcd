/**
 * The MQTT connection smr's clients share: MQTT 3.1.1 with a clean session
 * over smr's own client (src/mqtt/client.ts), the login and TLS files of the
 * `mqtt.*` settings, reconnects with a doubling backoff that never give up
 * (also not on a refused login or a failed TLS handshake), one log line per
 * change of state and never a credential, and a clean shutdown that never
 * waits longer than it may.
 *
 * This is the only module that knows the MQTT client: the rest of smr (the
 * daemon's sink, `smr check`, `smr purge`) sees an {@link MqttLink}.
 */
import { ConfigError } from "../config/error.ts";
import type { Logger } from "../log.ts";
import { MqttClient, type MqttClientOptions, type MqttMessage } from "../mqtt/client.ts";
import { Backoff } from "../serial/backoff.ts";
import { classifyFailure, type ConnectFailure, type FailurePlace } from "./connect_failure.ts";
import { type SessionEnd, TakeoverDetector, type TakeoverOptions } from "./takeover.ts";

/** One publish: retained, QoS 1. An empty payload deletes a retained topic. */
export interface Message {
  topic: string;
  payload: string;
}

/** A message from a subscription. */
export interface Received {
  topic: string;
  payload: string;
  /** A retained copy the broker sent on subscribing, not a live publish. */
  retained: boolean;
}

/**
 * The MQTT client as smr uses it: publishes retained at QoS 1,
 * subscriptions at QoS 1, the messages they bring, and the end of the
 * connection.
 */
export interface MqttLink {
  /** Whether a session with the broker is up. */
  readonly connected: boolean;
  /**
   * Publishes retained at QoS 1; resolves once the broker acknowledged it,
   * rejects when the connection ends first (nothing is kept to send later).
   */
  publish(message: Message): Promise<void>;
  /** Subscribes at QoS 1; resolves to the filters the broker refused. */
  subscribe(filters: readonly string[]): Promise<string[]>;
  /** Calls `handler` with every message received; returns what stops it. */
  onMessage(handler: (message: Received) => void): () => void;
  /** Sends DISCONNECT (no Will) and closes; resolves when closed. */
  end(): Promise<void>;
  /** Closes at once, whatever is in flight; the link never connects again. */
  destroy(): void;
}

/** How long DISCONNECT may take to go out, in ms. */
const DISCONNECT_MS = 1000;

/**
 * An {@link MqttLink} over one {@link MqttClient} connection at a time:
 * {@link connectWithBackoff} attaches each new one.
 */
class ClientLink implements MqttLink {
  #client?: MqttClient;
  #handlers = new Set<(message: Received) => void>();
  #decoder = new TextDecoder();
  /** Cancels the wait before the next attempt. */
  #wake?: () => void;
  /** Set by {@link end} and {@link destroy}: no more connections. */
  stopped = false;

  /** The link's message listener, for {@link MqttClientOptions.onMessage}. */
  readonly dispatch = ({ topic, payload, retain }: MqttMessage): void => {
    if (this.#handlers.size === 0) return;
    const message = { topic, payload: this.#decoder.decode(payload), retained: retain };
    for (const handler of this.#handlers) handler(message);
  };

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** Makes `client` the connection the link works over. */
  attach(client: MqttClient): void {
    this.#client = client;
  }

  publish({ topic, payload }: Message): Promise<void> {
    const client = this.#client;
    if (!client) {
      const down = Promise.reject(new Error("not connected"));
      down.catch(() => {}); // like the client's: a publish nobody awaits cannot crash smr
      return down;
    }
    return client.publish(topic, payload, { qos: 1, retain: true });
  }

  async subscribe(filters: readonly string[]): Promise<string[]> {
    const client = this.#client;
    if (!client) throw new Error("not connected");
    const granted = await client.subscribe(filters, 1);
    return filters.filter((_, i) => !(granted[i] <= 2));
  }

  onMessage(handler: (message: Received) => void): () => void {
    const own = (message: Received) => handler(message);
    this.#handlers.add(own);
    return () => void this.#handlers.delete(own);
  }

  /** Resolves after `ms`, or at once when the link stops. */
  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async end(): Promise<void> {
    this.#stop();
    await this.#client?.disconnect(DISCONNECT_MS);
  }

  destroy(): void {
    this.#stop();
    this.#client?.close();
  }

  #stop(): void {
    this.stopped = true;
    this.#wake?.();
    this.#wake = undefined;
  }
}

/** The `mqtt.*` settings: the broker, the login and the paths of the TLS files. */
export interface BrokerSettings {
  url: string;
  username?: string;
  password?: string;
  /** PEM file of the CA to trust instead of the public ones. */
  ca?: string;
  /** PEM file of the client certificate. */
  cert?: string;
  /** PEM file of the client certificate's private key. */
  key?: string;
}

/** The PEM texts of the TLS files. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** A broker to connect to: the URL, the login and the contents of the TLS files. */
export interface Broker {
  url: string;
  username?: string;
  password?: string;
  tls?: TlsFiles;
}

/** The broker and how to keep reaching it: what every MQTT sink is given. */
export interface BrokerOptions extends Broker {
  log: Logger;
  /** First reconnect delay in ms (1000), doubled up to a cap. */
  minBackoffMs?: number;
  /** Largest reconnect delay while the broker cannot be reached, in ms (30 000). */
  maxBackoffMs?: number;
  /** Largest reconnect delay while the broker refuses the login or TLS fails, in ms (300 000). */
  maxRefusedBackoffMs?: number;
  /** How long shutdown may wait for the broker, in ms. */
  shutdownMs?: number;
}

/** Options of {@link connectWithBackoff}. */
export interface ConnectionOptions extends Omit<BrokerOptions, "shutdownMs"> {
  /** Stable and unique per device and purpose, e.g. `smr-t210`. */
  clientId: string;
  /** What the connection serves, for log lines, e.g. `homie/t210`. */
  label: string;
  /** Published retained at QoS 1 by the broker when the connection dies. */
  will?: Message;
  /** Called after every (re)connect, when the link can publish and subscribe. */
  onConnect: (link: MqttLink) => void;
  /**
   * When given, the connection watches for another client with the same
   * client id (see takeover.ts). Once the broker has dropped the session
   * within seconds of connecting too many times in a row, the connection
   * stays down and this is called once with that count.
   */
  onTakenOver?: (sessions: number) => void;
  /** Tuning of the takeover watch. */
  takeover?: TakeoverOptions;
}

const TLS_KEYS = ["ca", "cert", "key"] as const;

/** A URL with its user information removed, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "the configured broker";
  }
}

function placeOf(url: string): FailurePlace {
  let host = "the broker";
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  } catch {
    // the URL was checked when the configuration loaded
  }
  return { where: redactUrl(url), host };
}

/**
 * Reads the TLS files the `mqtt.*` settings name. Throws ConfigError naming
 * the key when a file cannot be read, when a certificate comes without its
 * key (or the other way round), or when TLS files are set for an `mqtt://`
 * URL, which would silently not use them.
 */
export function loadBroker(settings: BrokerSettings): Broker {
  const named = TLS_KEYS.filter((name) => settings[name] !== undefined);
  if (named.length > 0 && !/^mqtts:/i.test(settings.url)) {
    throw new ConfigError(
      `mqtt.${named[0]} is set, but mqtt.url is not an mqtts:// URL: TLS needs mqtts://`,
    );
  }
  if ((settings.cert === undefined) !== (settings.key === undefined)) {
    const [set, missing] = settings.cert === undefined ? ["key", "cert"] : ["cert", "key"];
    throw new ConfigError(
      `mqtt.${set} is set without mqtt.${missing}: a client certificate needs both, ` +
        `the certificate (mqtt.cert) and its private key (mqtt.key)`,
    );
  }
  const tls: TlsFiles = {};
  for (const name of named) {
    const path = settings[name]!;
    try {
      tls[name] = Deno.readTextFileSync(path);
    } catch (error) {
      throw new ConfigError(`mqtt.${name}: cannot read ${path}: ${(error as Error).message}`);
    }
  }
  return { url: settings.url, username: settings.username, password: settings.password, tls };
}

/** The client options smr connects with, for the daemon, `smr check` and `smr purge` alike. */
function clientOptions(broker: Broker, clientId: string): MqttClientOptions {
  return {
    url: broker.url,
    clientId,
    username: broker.username,
    password: broker.password,
    tls: broker.tls,
    clean: true,
    keepalive: 30,
    connectTimeoutMs: 10_000,
  };
}

/** Says why a connection attempt failed (see connect_failure.ts). */
export function explainFailure(
  error: { kind?: string; code?: unknown; message?: string } | undefined,
  broker: Broker,
): ConnectFailure {
  return classifyFailure(error, placeOf(broker.url));
}

/**
 * Connects and keeps reconnecting: a broker that is down at start, goes
 * away later, refuses the login or fails TLS is retried with backoff, never
 * given up on, and each change of state is logged once. Publishes not
 * acknowledged when the connection drops are dropped with it.
 */
export function connectWithBackoff(options: ConnectionOptions): MqttLink {
  const { log, label, clientId } = options;
  const minBackoff = options.minBackoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const maxRefused = options.maxRefusedBackoffMs ?? 300_000;
  const backoff = new Backoff({ initialMs: minBackoff, maxMs: Math.max(maxBackoff, maxRefused) });
  const place = placeOf(options.url);
  const detector = options.onTakenOver ? new TakeoverDetector(options.takeover) : undefined;
  const link = new ClientLink();
  const connect: MqttClientOptions = {
    ...clientOptions(options, clientId),
    will: options.will && { ...options.will, qos: 1, retain: true },
    onMessage: link.dispatch,
  };
  /** "connected", or the key of the trouble last logged. */
  let state: string | undefined;
  let everConnected = false;

  const attempt = async (): Promise<MqttClient | undefined> => {
    try {
      return await MqttClient.connect(connect);
    } catch (error) {
      if (link.stopped) return undefined;
      const trouble = classifyFailure(error as Error, place);
      if (state !== trouble.key) {
        state = trouble.key;
        log.warn(`${label}: ${trouble.text}; retrying with backoff`);
      }
      // A failed attempt between sessions: the broker was away, no takeover.
      detector?.closed(Date.now(), "other");
      const cap = trouble.kind === "network" ? maxBackoff : maxRefused;
      await link.pause(Math.min(backoff.next(), cap));
      return undefined;
    }
  };

  const run = async () => {
    while (!link.stopped) {
      const client = await attempt();
      if (!client) continue;
      if (link.stopped) {
        await client.disconnect(DISCONNECT_MS);
        return;
      }
      backoff.reset();
      detector?.connected(Date.now());
      log.info(`${everConnected ? "reconnected to" : "connected to"} ${place.where} as ${label}`);
      state = "connected";
      everConnected = true;
      link.attach(client);
      options.onConnect(link);
      const reason = await client.closed;
      if (link.stopped) return;
      const end: SessionEnd = reason.kind === "network" ? "silent" : "other";
      if (detector?.closed(Date.now(), end)) {
        link.destroy();
        options.onTakenOver!(detector.count);
        return;
      }
      log.warn(
        `MQTT connection to ${place.where} for ${label} lost; retrying (${reason.message})`,
      );
      // Failed attempts after this are the same outage, until one tells otherwise.
      state = "network";
      await link.pause(Math.min(backoff.next(), maxBackoff));
    }
  };
  run().catch((error) => log.error(`${label}: MQTT connection: ${(error as Error).message}`));
  return link;
}

/** Options of {@link connectOnce}. */
export interface ConnectOnceOptions {
  /** How long the attempt may take, in ms (10 000). */
  timeoutMs?: number;
}

/**
 * One connection attempt without retries, for `smr check` and `smr purge`;
 * rejects with the client's error (see {@link explainFailure}).
 */
export async function connectOnce(
  broker: Broker,
  clientId: string,
  options: ConnectOnceOptions = {},
): Promise<MqttLink> {
  const link = new ClientLink();
  const client = await MqttClient.connect({
    ...clientOptions(broker, clientId),
    ...(options.timeoutMs === undefined ? {} : { connectTimeoutMs: options.timeoutMs }),
    onMessage: link.dispatch,
  });
  link.attach(client);
  return link;
}

/**
 * Publishes messages retained at QoS 1 when connected. Nothing is queued
 * while the broker is away: every (re)connect publishes the current
 * state again.
 */
export function publishRetained(
  link: MqttLink | undefined,
  messages: readonly Message[],
  log: Logger,
): void {
  if (!link?.connected) return;
  for (const message of messages) {
    link.publish(message).catch((error) =>
      log.debug(`publish ${message.topic}: ${(error as Error).message}`)
    );
  }
}

/** Options of {@link closeConnection}. */
export interface CloseOptions {
  /** A last message to publish (and have acknowledged) before disconnecting. */
  last?: Message;
  /** How long closing may wait for the broker, in ms. */
  limitMs: number;
}

/** Publishes `last` if connected, sends DISCONNECT, and gives up on the broker after `limitMs`. */
export async function closeConnection(link: MqttLink, options: CloseOptions): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, options.limitMs));
  try {
    if (link.connected) {
      if (options.last) await Promise.race([link.publish(options.last), timeout]);
      await Promise.race([link.end(), timeout]);
    }
  } finally {
    clearTimeout(timer);
    link.destroy();
  }
}
