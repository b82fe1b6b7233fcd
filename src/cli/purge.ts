/**
 * `smr purge`: decommissioning a device. Collects every retained
 * topic of the device, the Homie tree and its Home Assistant configs, and
 * clears each with a zero-length retained publish, `$homie` last so that
 * controllers see the device go away in one step.
 */
import type { Config } from "../config/schema.ts";
import {
  type Broker,
  connectOnce,
  explainFailure,
  loadBroker,
  type MqttLink,
  redactUrl,
} from "../sinks/mqtt_connection.ts";
import { clientId, deviceFilters, type DeviceTopics, homieTopic } from "../sinks/topics.ts";

/** `$state` values of a device that a running smr publishes. */
const LIVE_STATES = ["ready", "init", "alert"];

/** What to clear, in order, or why not. */
export type PurgePlan =
  | {
    ok: true;
    /** Topics to clear first, discovery configs before the Homie tree. */
    topics: string[];
    /** `$homie`, cleared after every other topic is gone, when present. */
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
 * drops the entities), then the Homie tree, `$homie` last. Refuses while
 * `$state` is one a running smr publishes, unless forced.
 */
export function planPurge(retained: ReadonlyMap<string, string>, options: PlanOptions): PurgePlan {
  const device = homieTopic(options);
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
  const filters = deviceFilters(topics);
  const where = redactUrl(config.mqtt.url);
  const broker: Broker = loadBroker(config.mqtt);
  let link: MqttLink;
  try {
    link = await connectOnce(broker, clientId(topics.deviceId, "purge"));
  } catch (error) {
    const failure = explainFailure(error as Error, broker);
    warn(`smr: cannot connect to ${where}: ${failure.detail}`);
    return 1;
  }
  try {
    const retained = await collectRetained(link, filters, {
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
    await Promise.all(plan.topics.map((topic) => clear(link, topic)));
    if (plan.final) await clear(link, plan.final);
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
    await link.end();
  }
}

/**
 * Subscribes to `filters` and collects the retained messages the broker
 * sends, until none came for `settleMs`. Live publishes are not retained
 * copies and are left out. The subscription lasts as long as the short
 * connection: the clearing publishes that come back on it meet no listener.
 */
async function collectRetained(
  link: MqttLink,
  filters: string[],
  { settleMs, collectMs }: { settleMs: number; collectMs: number },
): Promise<Map<string, string>> {
  const retained = new Map<string, string>();
  let lastAt = Date.now();
  const stop = link.onMessage(({ topic, payload, retained: copy }) => {
    if (!copy || payload.length === 0) return;
    retained.set(topic, payload);
    lastAt = Date.now();
  });
  try {
    const refused = await link.subscribe(filters);
    if (refused.length > 0) {
      throw new Error(
        `the broker refused a subscription to ${refused[0]} (check the user's ACL)`,
      );
    }
    const deadline = Date.now() + collectMs;
    lastAt = Date.now();
    while (Date.now() - lastAt < settleMs && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    stop();
  }
  return retained;
}

/** Deletes a retained topic: a zero-length retained publish, acknowledged (QoS 1). */
async function clear(link: MqttLink, topic: string): Promise<void> {
  await link.publish({ topic, payload: "" });
}
