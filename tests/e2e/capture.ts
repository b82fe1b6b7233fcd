/** An MQTT subscriber that records everything, with the retain flag as published (MQTT 5). */
import mqtt from "mqtt";
import { scaled, waitFor } from "./tools.ts";

/** One captured message. */
export interface Captured {
  topic: string;
  payload: string;
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

/** Subscribes to `filter` at QoS 2 with retain-as-published. */
export async function capture(url: string, filter: string): Promise<Capture> {
  const client = mqtt.connect(url, {
    protocolVersion: 5,
    clientId: `capture-${crypto.randomUUID().slice(0, 8)}`,
    reconnectPeriod: 200,
  });
  const start = Date.now();
  const messages: Captured[] = [];
  client.on("message", (topic, payload, packet) => {
    messages.push({
      topic,
      payload: new TextDecoder().decode(payload),
      retain: packet.retain,
      qos: packet.qos,
      at: Date.now() - start,
    });
  });
  client.on("connect", () => client.subscribe(filter, { qos: 2, rap: true }));
  client.on("error", () => {});
  await waitFor(() => client.connected, `capture connected to ${url}`);
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
      await client.endAsync(true);
    },
  };
}

/**
 * The retained messages under `filter` as a newcomer sees them, after `waitMs` (stretched by
 * TIME_SCALE) of quiet.
 */
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
