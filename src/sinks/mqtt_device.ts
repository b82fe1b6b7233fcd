/**
 * One device on one MQTT connection, as a state machine without I/O: the
 * Homie device and, when enabled, its Home Assistant discovery, which is
 * built from the Homie property tree. Inputs are the connection's events
 * (connected, a message received), the meter's events and the clock; the
 * output is the messages to publish, retained at QoS 1, in order. The sink
 * (mqtt_sink.ts) only carries them between these calls and the broker.
 */
import type { Logger } from "../log.ts";
import type { MeterEvent } from "../meters/meter.ts";
import { type DiscoveryOptions, HomeAssistantDiscovery } from "./homeassistant/discovery.ts";
import { HomieDevice, type HomieDeviceOptions } from "./homie/device.ts";
import type { Message, Received } from "./mqtt_connection.ts";

/** Options of {@link MqttDevice}. */
export interface MqttDeviceOptions extends HomieDeviceOptions {
  /**
   * Home Assistant discovery for the device's properties (the prefix and
   * smr's version); none when absent.
   */
  homeAssistant?: Pick<DiscoveryOptions, "prefix" | "version">;
  log: Logger;
}

/** The Homie device and its Home Assistant discovery, fed with events. */
export class MqttDevice {
  readonly homie: HomieDevice;
  readonly discovery?: HomeAssistantDiscovery;
  #log: Logger;

  constructor(options: MqttDeviceOptions) {
    this.homie = new HomieDevice(options);
    const { homeAssistant, baseTopic, deviceId, name } = options;
    if (homeAssistant) {
      this.discovery = new HomeAssistantDiscovery({ ...homeAssistant, baseTopic, deviceId, name });
    }
    this.#log = options.log;
  }

  /** The Homie device topic, e.g. `homie/t210`. */
  get topic(): string {
    return this.homie.topic;
  }

  /** The Last Will: `$state` = `lost`. */
  get will(): Message {
    return this.homie.will;
  }

  /** What to subscribe to on every (re)connect: Home Assistant's status topic, if discovery is on. */
  get subscriptions(): string[] {
    return this.discovery ? [this.discovery.statusTopic] : [];
  }

  /** Everything again after a (re)connect: the Homie tree from `init`, then every config. */
  connected(now: number): Message[] {
    const messages = this.homie.connected(now);
    if (!this.discovery) return messages;
    this.discovery.properties(this.homie.properties);
    return [...messages, ...this.discovery.all()];
  }

  /** Messages for one of the meter's events. */
  event(event: MeterEvent, now: number): Message[] {
    switch (event.kind) {
      case "identity":
        return this.discovery?.identity(event.info) ?? [];
      case "stats":
        this.homie.counters(event.stats);
        return [];
      case "reading":
        return this.#withDiscovery(this.homie.reading(event.reading, now));
    }
  }

  /** Clock tick: what the Homie device has due, and configs for properties it added. */
  tick(now: number): Message[] {
    return this.#withDiscovery(this.homie.tick(now));
  }

  /** When {@link tick} is due next if no reading comes first (see `HomieDevice.wakeAt`). */
  wakeAt(): number {
    return this.homie.wakeAt();
  }

  /**
   * A message on a subscription: Home Assistant announcing itself `online`
   * (live, not a retained copy) gets every config again.
   */
  received({ topic, payload, retained }: Received): Message[] {
    if (!this.discovery || topic !== this.discovery.statusTopic) return [];
    if (retained || payload !== "online") return [];
    const configs = this.discovery.all();
    this.#log.info(`Home Assistant is online: republishing ${configs.length} discovery configs`);
    return configs;
  }

  /** The last message before a clean disconnect. */
  disconnected(): Message {
    return this.homie.disconnected();
  }

  /** Homie's messages, then the configs of the properties they brought into the tree. */
  #withDiscovery(messages: Message[]): Message[] {
    if (!this.discovery || messages.length === 0) return messages;
    return [...messages, ...this.discovery.properties(this.homie.properties)];
  }
}
