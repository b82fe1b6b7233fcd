/**
 * The MQTT connection smr's clients share: MQTT 5 with a clean session, the
 * login and TLS files of the `mqtt.*` settings, reconnects with a doubling
 * backoff that never give up (also not on a refused login or a failed TLS
 * handshake), one log line per change of state and never a credential, and
 * a clean shutdown that never waits longer than it may.
 *
 * This is the only module that knows the MQTT client library: the rest of
 * smr (the daemon's sink, `smr check`, `smr purge`) sees an {@link MqttLink}.
 */
import mqtt from "mqtt";
import { ConfigError } from "../config/error.ts";
import type { Logger } from "../log.ts";
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
 * The MQTT client as smr uses it, whatever library is under it: publishes
 * retained at QoS 1, subscriptions at QoS 1, the messages they bring, and
 * the end of the connection.
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
  /** Ends subscriptions. */
  unsubscribe(filters: readonly string[]): Promise<void>;
  /** Calls `handler` with every message received; returns what stops it. */
  onMessage(handler: (message: Received) => void): () => void;
  /** Sends DISCONNECT (no Will) and closes; resolves when closed. */
  end(): Promise<void>;
  /** Closes at once, whatever is in flight; the link never connects again. */
  destroy(): void;
}

/** An {@link MqttLink} over an mqtt.js client. */
class MqttJsLink implements MqttLink {
  constructor(readonly client: mqtt.MqttClient) {}

  get connected(): boolean {
    return this.client.connected;
  }

  async publish({ topic, payload }: Message): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain: true });
  }

  async subscribe(filters: readonly string[]): Promise<string[]> {
    const granted = await this.client.subscribeAsync([...filters], { qos: 1 });
    return granted.filter((grant) => grant.qos > 2).map((grant) => grant.topic);
  }

  async unsubscribe(filters: readonly string[]): Promise<void> {
    await this.client.unsubscribeAsync([...filters]);
  }

  onMessage(handler: (message: Received) => void): () => void {
    const decoder = new TextDecoder();
    const listener = (topic: string, payload: Uint8Array, packet: mqtt.IPublishPacket) =>
      handler({ topic, payload: decoder.decode(payload), retained: packet.retain });
    this.client.on("message", listener);
    return () => void this.client.off("message", listener);
  }

  async end(): Promise<void> {
    await this.client.endAsync(false);
  }

  destroy(): void {
    this.client.end(true);
    this.client.stream?.destroy();
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
  /** Stable and unique per device and purpose, e.g. `smr-t210` (A4). */
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

/**
 * The mqtt.js options smr connects with, for the daemon, `smr check` and
 * `smr purge` alike: MQTT 5, a clean session, the login and the TLS files.
 * mqtt.js never reconnects by itself (`reconnectPeriod` 0): it would stop
 * for good after a refused login; {@link connectWithBackoff} does it.
 */
function mqttClientOptions(broker: Broker, clientId: string): mqtt.IClientOptions {
  const options: mqtt.IClientOptions = {
    clientId,
    username: broker.username,
    password: broker.password,
    protocolVersion: 5,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: 0,
  };
  for (const name of TLS_KEYS) {
    const pem = broker.tls?.[name];
    if (pem !== undefined) options[name] = pem;
  }
  return options;
}

/**
 * One TLS handshake with `Deno.connectTls` and the same files, for the
 * reason `node:tls` leaves out: resolves to the handshake's error message,
 * or undefined when it succeeded or took longer than `limitMs`.
 */
async function probeTls(broker: Broker, limitMs = 5000): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = (async () => {
    const url = new URL(broker.url);
    const conn = await Deno.connectTls({
      hostname: placeOf(broker.url).host,
      port: Number(url.port || 8883),
      caCerts: broker.tls?.ca === undefined ? undefined : [broker.tls.ca],
      cert: broker.tls?.cert,
      key: broker.tls?.key,
    });
    try {
      await conn.handshake();
    } finally {
      conn.close();
    }
    return undefined;
  })().catch((error) => (error as Error).message as string | undefined);
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), limitMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Says why a connection attempt failed (see connect_failure.ts). A TLS
 * failure Deno reports vaguely gets a closer look: one handshake with
 * `Deno.connectTls`, whose errors tell an expired certificate from an
 * unknown CA, a wrong name or a key that does not fit.
 */
export async function explainFailure(
  error: { code?: unknown; message?: string } | undefined,
  broker: Broker,
): Promise<ConnectFailure> {
  const place = placeOf(broker.url);
  const failure = classifyFailure(error, place);
  if (failure.kind !== "tls" || !failure.vague) return failure;
  const message = await probeTls(broker);
  if (message === undefined) return failure;
  const closer = classifyFailure({ message }, place);
  return closer.kind === "tls" && !closer.vague ? closer : failure;
}

/**
 * Connects and keeps reconnecting: a broker that is down at start, goes
 * away later, refuses the login or fails TLS is retried with backoff, never
 * given up on (A6), and each change of state is logged once. Publishes not
 * acknowledged when the connection drops are dropped with it (A7).
 */
export function connectWithBackoff(options: ConnectionOptions): MqttLink {
  const { log, label, clientId } = options;
  const minBackoff = options.minBackoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const maxRefused = options.maxRefusedBackoffMs ?? 300_000;
  const backoff = new Backoff({ initialMs: minBackoff, maxMs: Math.max(maxBackoff, maxRefused) });
  const place = placeOf(options.url);
  const detector = options.onTakenOver ? new TakeoverDetector(options.takeover) : undefined;
  const client = mqtt.connect(options.url, {
    ...mqttClientOptions(options, clientId),
    will: options.will && {
      topic: options.will.topic,
      payload: options.will.payload,
      qos: 1,
      retain: true,
    },
  });
  /** "connected", or the key of the trouble last logged. */
  let state: string | undefined;
  let everConnected = false;
  let session = false;
  /** What went wrong in the current attempt or session. */
  let failure: ConnectFailure | undefined;
  let sessionEnd: SessionEnd = "silent";
  let disconnectReason: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const line = (trouble: ConnectFailure) => `${label}: ${trouble.text}; retrying with backoff`;
  const report = (error: { code?: unknown; message?: string } | undefined) => {
    const trouble = classifyFailure(error, place);
    failure = trouble;
    if (state === trouble.key) return;
    state = trouble.key;
    if (!trouble.vague) {
      log.warn(line(trouble));
      return;
    }
    explainFailure(error, options).then((closer) => {
      if (!stopped && state === trouble.key) log.warn(line(closer));
    });
  };
  const retry = (delay: number) => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped || client.disconnecting) return;
      client.reconnect();
    }, delay);
  };

  client.on("connect", () => {
    backoff.reset();
    session = true;
    failure = undefined;
    sessionEnd = "silent";
    disconnectReason = undefined;
    detector?.connected(Date.now());
    log.info(`${everConnected ? "reconnected to" : "connected to"} ${place.where} as ${label}`);
    state = "connected";
    everConnected = true;
    options.onConnect(link);
  });
  client.on("error", (error) => {
    if (!stopped) report(error as Error & { code?: unknown });
  });
  client.on("disconnect", (packet) => {
    disconnectReason = packet.reasonCode;
    sessionEnd = packet.reasonCode === 142 ? "takeover" : "other";
  });
  client.on("close", () => {
    // mqtt.js would send unacknowledged publishes again on reconnect, before
    // the republish of the current state: old values and an old $state.
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    if (stopped || client.disconnecting) return;
    const wasSession = session;
    session = false;
    if (detector?.closed(Date.now(), sessionEnd)) {
      stopped = true;
      options.onTakenOver!(detector.count);
      return;
    }
    if (wasSession) {
      const why = disconnectReason === undefined
        ? ""
        : ` (the broker sent DISCONNECT with reason ${disconnectReason})`;
      log.warn(`MQTT connection to ${place.where} for ${label} lost${why}; retrying`);
      // Failed attempts after this are the same outage, until one tells otherwise.
      state = "network";
    } else if (failure === undefined) {
      report(undefined);
    }
    const cap = failure === undefined || failure.kind === "network" ? maxBackoff : maxRefused;
    failure = undefined;
    sessionEnd = "silent";
    disconnectReason = undefined;
    retry(Math.min(backoff.next(), cap));
  });
  client.on("end", () => {
    stopped = true;
    clearTimeout(timer);
    timer = undefined;
  });
  const link = new MqttJsLink(client);
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
  const client = await mqtt.connectAsync(broker.url, {
    ...mqttClientOptions(broker, clientId),
    ...(options.timeoutMs === undefined ? {} : { connectTimeout: options.timeoutMs }),
  }, false);
  return new MqttJsLink(client);
}

/**
 * Publishes messages retained at QoS 1 when connected. Nothing is queued
 * while the broker is away (A7): every (re)connect publishes the current
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
