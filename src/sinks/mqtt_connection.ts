/**
 * The MQTT connection smr's clients share: MQTT 5 with a clean session,
 * reconnects with a doubling backoff, log lines without credentials, and a
 * clean shutdown that never waits longer than it may.
 */
import mqtt from "mqtt";
import type { Logger } from "../log.ts";

/** One publish: retained, QoS 1. An empty payload deletes a retained topic. */
export interface Message {
  topic: string;
  payload: string;
}

/** The broker and how to keep reaching it: what every MQTT sink is given. */
export interface BrokerOptions {
  url: string;
  username?: string;
  password?: string;
  log: Logger;
  /** First reconnect delay in ms, doubled up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
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
  /** Called after every (re)connect, when the client can publish. */
  onConnect: (client: mqtt.MqttClient) => void;
}

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

/**
 * Connects and keeps reconnecting: a broker that is down at start or goes
 * away later is retried with backoff, never given up on (A6). Publishes not
 * acknowledged when the connection drops are dropped with it (A7).
 */
export function connectWithBackoff(options: ConnectionOptions): mqtt.MqttClient {
  const { log, label, clientId } = options;
  const minBackoff = options.minBackoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const where = redactUrl(options.url);
  const client = mqtt.connect(options.url, {
    clientId,
    username: options.username,
    password: options.password,
    protocolVersion: 5,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: minBackoff,
    will: options.will && {
      topic: options.will.topic,
      payload: options.will.payload,
      qos: 1,
      retain: true,
    },
  });
  let down = false;
  client.on("connect", () => {
    client.options.reconnectPeriod = minBackoff;
    log.info(`${down ? "reconnected to" : "connected to"} ${where} as ${label}`);
    down = false;
    options.onConnect(client);
  });
  client.on("error", (error) => {
    if (!down) log.warn(`MQTT ${where} for ${label}: ${error.message}; retrying with backoff`);
    down = true;
  });
  client.on("close", () => {
    if (!down && !client.disconnecting) {
      log.warn(`MQTT connection to ${where} for ${label} lost; retrying`);
    }
    down = true;
    // mqtt.js would send unacknowledged publishes again on reconnect, before
    // the republish of the current state: old values and an old $state.
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    client.options.reconnectPeriod = Math.min(
      maxBackoff,
      Math.max(minBackoff, (client.options.reconnectPeriod ?? minBackoff) * 2),
    );
  });
  client.on("disconnect", (packet) => {
    if (packet.reasonCode === 142) {
      log.error(
        `another MQTT client with id ${clientId} took over: is a second smr running for this device?`,
      );
    }
  });
  return client;
}

/**
 * Publishes messages retained at QoS 1 when connected. Nothing is queued
 * while the broker is away (A7): every (re)connect publishes the current
 * state again.
 */
export function publishRetained(
  client: mqtt.MqttClient | undefined,
  messages: readonly Message[],
  log: Logger,
): void {
  if (!client?.connected) return;
  for (const { topic, payload } of messages) {
    client.publish(topic, payload, { qos: 1, retain: true }, (error) => {
      if (error) log.debug(`publish ${topic}: ${error.message}`);
    });
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
export async function closeConnection(
  client: mqtt.MqttClient,
  options: CloseOptions,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, options.limitMs));
  try {
    if (client.connected) {
      if (options.last) {
        await Promise.race([
          client.publishAsync(options.last.topic, options.last.payload, { qos: 1, retain: true }),
          timeout,
        ]);
      }
      await Promise.race([client.endAsync(false), timeout]);
    }
  } finally {
    clearTimeout(timer);
    client.end(true);
    client.stream?.destroy();
  }
}
