/**
 * `smr purge`: decommissioning (homie-4.md I3, L5). Collects every retained
 * topic of the device, the Homie tree and its Home Assistant configs, and
 * clears each with a zero-length retained publish, `$homie` last so that
 * controllers see the device go away in one step.
 */
import mqtt from "mqtt";
import type { Config } from "../config/schema.ts";
import {
  type Broker,
  explainFailure,
  loadBroker,
  mqttClientOptions,
  redactUrl,
} from "../sinks/mqtt_connection.ts";

/** Where a device's retained topics live. */
export interface DeviceTopics {
  baseTopic: string;
  deviceId: string;
  /** Home Assistant discovery prefix. */
  prefix: string;
}

/** The subscription filters that hold every retained topic of a device. */
export function purgeFilters({ baseTopic, deviceId, prefix }: DeviceTopics): string[] {
  return [`${baseTopic}/${deviceId}/#`, `${prefix}/sensor/${deviceId}/#`];
}

/** `$state` values of a device that a running smr publishes. */
const LIVE_STATES = ["ready", "init", "alert"];

/** What to clear, in order, or why not. */
export type PurgePlan =
  | {
    ok: true;
    /** Topics to clear first, discovery configs before the Homie tree. */
    topics: string[];
    /** `$homie`, cleared after every other topic is gone (I3), when present. */
    final?: string;
    /** The device's `$state` when one was retained. */
    state?: string;
  }
  | { ok: false; reason: string };

/** Options of {@link planPurge}. */
export interface PlanOptions extends DeviceTopics {
  /** The environment, to name the service to stop. */
  env: string;
  /** Purge even while the device looks alive. */
  force: boolean;
}

/**
 * Orders the retained topics found: discovery configs first (Home Assistant
 * drops the entities), then the Homie tree, `$homie` last (I3). Refuses while
 * `$state` is one a running smr publishes, unless forced.
 */
export function planPurge(retained: ReadonlyMap<string, string>, options: PlanOptions): PurgePlan {
  const device = `${options.baseTopic}/${options.deviceId}`;
  const state = retained.get(`${device}/$state`);
  if (state !== undefined && LIVE_STATES.includes(state) && !options.force) {
    return {
      ok: false,
      reason: `device ${options.deviceId} is ${state} (${device}/$state), so a running smr would ` +
        `publish it all again: stop it first (systemctl stop smr@${options.env}), ` +
        `or pass --force if nothing runs for it any more`,
    };
  }
  const final = `${device}/$homie`;
  const topics = [...retained.keys()];
  const homie = topics.filter((t) => t.startsWith(`${device}/`) && t !== final);
  const discovery = topics.filter((t) => !t.startsWith(`${device}/`));
  return {
    ok: true,
    topics: [...discovery, ...homie],
    final: retained.has(final) ? final : undefined,
    state,
  };
}

/** Options of {@link purge}. */
export interface PurgeOptions {
  config: Config;
  /** `--force`: purge even while the device looks alive. */
  force: boolean;
  /** Milliseconds without a new retained message that end the collecting (500). */
  settleMs?: number;
  /** Collecting ends after this many milliseconds at most (10000). */
  collectMs?: number;
  /** Where the result goes; stdout by default. */
  print?: (line: string) => void;
  /** Where refusals and warnings go; stderr by default. */
  warn?: (line: string) => void;
}

/**
 * Purges the configured device from the configured broker; resolves to the
 * exit code: 0 when done (also when there was nothing to remove), 1 when it
 * refused or the broker could not be reached.
 */
export async function purge(options: PurgeOptions): Promise<number> {
  const { config, force } = options;
  const print = options.print ?? console.log;
  const warn = options.warn ?? console.error;
  const topics: DeviceTopics = {
    baseTopic: config.homie.base_topic,
    deviceId: config.homie.device_id,
    prefix: config.homeassistant.prefix,
  };
  const filters = purgeFilters(topics);
  const where = redactUrl(config.mqtt.url);
  const broker: Broker = loadBroker(config.mqtt);
  let client: mqtt.MqttClient;
  try {
    client = await mqtt.connectAsync(
      config.mqtt.url,
      mqttClientOptions(broker, `smr-${topics.deviceId}-purge`),
      false,
    );
  } catch (error) {
    const failure = await explainFailure(error as Error, broker);
    warn(`smr: cannot connect to ${where}: ${failure.detail}`);
    return 1;
  }
  try {
    const retained = await collectRetained(client, filters, {
      settleMs: options.settleMs ?? 500,
      collectMs: options.collectMs ?? 10_000,
    });
    const plan = planPurge(retained, { ...topics, env: config.env, force });
    if (!plan.ok) {
      warn(`smr: ${plan.reason}`);
      return 1;
    }
    if (plan.state !== undefined && LIVE_STATES.includes(plan.state)) {
      warn(`smr: device ${topics.deviceId} was ${plan.state}; a running smr publishes it again`);
    }
    await Promise.all(plan.topics.map((topic) => clear(client, topic)));
    if (plan.final) await clear(client, plan.final);
    const count = plan.topics.length + (plan.final ? 1 : 0);
    print(
      count === 0
        ? `nothing to purge: no retained topics under ${filters.join(" or ")} on ${where}`
        : `purged ${count} retained topics of ${topics.deviceId} (${
          filters.join(", ")
        }) on ${where}`,
    );
    return 0;
  } finally {
    await client.endAsync();
  }
}

/**
 * Subscribes to `filters` and collects the retained messages the broker
 * sends, until none came for `settleMs`. Live publishes are not retained
 * copies and are left out.
 */
async function collectRetained(
  client: mqtt.MqttClient,
  filters: string[],
  { settleMs, collectMs }: { settleMs: number; collectMs: number },
): Promise<Map<string, string>> {
  const retained = new Map<string, string>();
  const decoder = new TextDecoder();
  let lastAt = Date.now();
  const onMessage = (topic: string, payload: Uint8Array, packet: mqtt.IPublishPacket) => {
    if (!packet.retain || payload.length === 0) return;
    retained.set(topic, decoder.decode(payload));
    lastAt = Date.now();
  };
  client.on("message", onMessage);
  try {
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    const refused = granted.find((g) => g.qos > 2);
    if (refused) {
      throw new Error(
        `the broker refused a subscription to ${refused.topic} (check the user's ACL)`,
      );
    }
    const deadline = Date.now() + collectMs;
    lastAt = Date.now();
    while (Date.now() - lastAt < settleMs && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await client.unsubscribeAsync(filters);
  } finally {
    client.off("message", onMessage);
  }
  return retained;
}

/** Deletes a retained topic: a zero-length retained publish, acknowledged (QoS 1). */
async function clear(client: mqtt.MqttClient, topic: string): Promise<void> {
  await client.publishAsync(topic, "", { qos: 1, retain: true });
}
