/**
 * An MQTT subscriber that records everything: smr's own client (MQTT 3.1.1),
 * reconnecting while the broker is away.
 */
import { MqttClient, type MqttMessage } from "../../src/mqtt/client.ts";
import { scaled, waitFor } from "./tools.ts";

/** One captured message. */
export interface Captured {
  topic: string;
  payload: string;
  /**
   * A retained copy the broker sent on subscribing. MQTT 3.1.1 clears the
   * flag on live messages, retained or not: whether smr retains a topic
   * shows in a {@link retainedSnapshot} taken later.
   */
  retain: boolean;
  qos: number;
  /** Milliseconds since the capture started. */
  at: number;
}

/** A running capture. */
export interface Capture {
  messages: Captured[];
  /** The last payload per topic (empty payloads delete). */
  retained(): Map<string, string>;
  /** The last payload of a topic, if any. */
  last(topic: string): string | undefined;
  /** Waits until a message on `topic` (with `payload`, if given) arrives after index `from`. */
  waitFor(topic: string, payload?: string, timeoutMs?: number, from?: number): Promise<Captured>;
  close(): Promise<void>;
}

/** How long a capture tries to reach its broker at first, and how often, in ms. */
const CONNECT_MS = 10_000;
const RETRY_MS = 200;

/**
 * Subscribes to `filter` at QoS 1 (so a message smr published at QoS 1
 * arrives at QoS 1, one at QoS 0 at QoS 0); resolves once subscribed.
 */
export async function capture(url: string, filter: string): Promise<Capture> {
  const clientId = `capture-${crypto.randomUUID().slice(0, 8)}`;
  const start = Date.now();
  const messages: Captured[] = [];
  const decoder = new TextDecoder();
  const onMessage = (m: MqttMessage) =>
    messages.push({
      topic: m.topic,
      payload: decoder.decode(m.payload),
      retain: m.retain,
      qos: m.qos,
      at: Date.now() - start,
    });
  let client: MqttClient | undefined;
  let closing = false;
  const connect = async (): Promise<boolean> => {
    try {
      const connected = await MqttClient.connect({ url, clientId, onMessage });
      await connected.subscribe(filter, 1);
      if (closing) {
        await connected.disconnect();
        return true;
      }
      client = connected;
      connected.closed.then(() => {
        if (!closing) void reconnect();
      });
      return true;
    } catch {
      return false;
    }
  };
  const reconnect = async () => {
    while (!closing && !(await connect())) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  await waitFor(connect, `capture connected to ${url}`, CONNECT_MS);
  const find = (topic: string, payload: string | undefined, from: number) =>
    messages.slice(from).find((m) =>
      m.topic === topic && (payload === undefined || m.payload === payload)
    );
  return {
    messages,
    retained() {
      const map = new Map<string, string>();
      for (const m of messages) {
        if (m.payload === "") map.delete(m.topic);
        else map.set(m.topic, m.payload);
      }
      return map;
    },
    last(topic) {
      return messages.findLast((m) => m.topic === topic)?.payload;
    },
    async waitFor(topic, payload, timeoutMs = 10_000, from = 0) {
      await waitFor(
        () => find(topic, payload, from) !== undefined,
        `${topic}${payload === undefined ? "" : ` = ${payload}`}`,
        timeoutMs,
      );
      return find(topic, payload, from)!;
    },
    async close() {
      closing = true;
      await client?.disconnect();
    },
  };
}

/** The retained messages under `filter` as a newcomer sees them, after `waitMs` (stretched by TIME_SCALE) of quiet. */
export async function retainedSnapshot(
  url: string,
  filter: string,
  waitMs = 500,
): Promise<Map<string, string>> {
  const snapshot = await capture(url, filter);
  await new Promise((resolve) => setTimeout(resolve, scaled(waitMs)));
  await snapshot.close();
  return new Map(
    snapshot.messages.filter((m) => m.retain && m.payload !== "").map((m) => [m.topic, m.payload]),
  );
}
