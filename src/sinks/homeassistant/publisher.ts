/**
 * The Home Assistant sink's MQTT edge: its own client, the configs on every
 * (re)connect, new ones as properties turn up, and all of them again when
 * Home Assistant announces itself `online`.
 */
import type mqtt from "mqtt";
import type { Sink, SinkConnection } from "../../pipeline.ts";
import type { Reading } from "../../reading.ts";
import {
  type BrokerOptions,
  closeConnection,
  connectWithBackoff,
  type Message,
  publishRetained,
  redactUrl,
} from "../mqtt_connection.ts";
import { type DiscoveryOptions, HomeAssistantDiscovery } from "./discovery.ts";

/** Options of {@link HomeAssistantSink}: the discovery's and the broker's. */
export interface HomeAssistantSinkOptions extends DiscoveryOptions, BrokerOptions {}

/** Publishes Home Assistant discovery configs for the Homie device's properties. */
export class HomeAssistantSink implements Sink {
  readonly name = "homeassistant";
  readonly discovery: HomeAssistantDiscovery;
  #options: HomeAssistantSinkOptions;
  #client?: mqtt.MqttClient;

  constructor(options: HomeAssistantSinkOptions) {
    this.#options = options;
    this.discovery = new HomeAssistantDiscovery(options);
  }

  /** The broker and whether the client is connected to it now. */
  get connection(): SinkConnection {
    return { target: redactUrl(this.#options.url), connected: this.#client?.connected === true };
  }

  async consume(readings: AsyncIterable<Reading>): Promise<void> {
    const { log } = this.#options;
    const statusTopic = this.discovery.statusTopic;
    const client = connectWithBackoff({
      ...this.#options,
      clientId: `smr-${this.#options.deviceId}-ha`,
      label: "Home Assistant discovery",
      onConnect: (client) => {
        client.subscribe(statusTopic, { qos: 1 });
        this.#publish(this.discovery.all());
      },
    });
    client.on("message", (topic, payload, packet) => {
      if (topic !== statusTopic || packet.retain) return;
      if (new TextDecoder().decode(payload) !== "online") return;
      const configs = this.discovery.all();
      log.info(`Home Assistant is online: republishing ${configs.length} discovery configs`);
      this.#publish(configs);
    });
    this.#client = client;
    try {
      for await (const reading of readings) this.#publish(this.discovery.reading(reading));
    } finally {
      await closeConnection(client, { limitMs: this.#options.shutdownMs ?? 1500 })
        .catch((error) => log.warn(`MQTT shutdown: ${(error as Error).message}`));
    }
  }

  #publish(messages: Message[]): void {
    publishRetained(this.#client, messages, this.#options.log);
  }
}
