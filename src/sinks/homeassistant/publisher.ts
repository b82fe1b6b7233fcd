/**
 * The Home Assistant sink's MQTT edge: its own client, the configs on every
 * (re)connect, new ones as properties turn up, and all of them again when
 * Home Assistant announces itself `online`.
 */
import type { Sink, SinkConnection } from "../../pipeline.ts";
import type { MeterEvent } from "../../meters/meter.ts";
import {
  type BrokerOptions,
  closeConnection,
  connectWithBackoff,
  type Message,
  type MqttLink,
  publishRetained,
  redactUrl,
} from "../mqtt_connection.ts";
import { clientId } from "../topics.ts";
import { type DiscoveryOptions, HomeAssistantDiscovery } from "./discovery.ts";

/** Options of {@link HomeAssistantSink}: the discovery's and the broker's. */
export interface HomeAssistantSinkOptions extends DiscoveryOptions, BrokerOptions {}

/** Publishes Home Assistant discovery configs for the Homie device's properties. */
export class HomeAssistantSink implements Sink {
  readonly name = "homeassistant";
  readonly discovery: HomeAssistantDiscovery;
  #options: HomeAssistantSinkOptions;
  #client?: MqttLink;

  constructor(options: HomeAssistantSinkOptions) {
    this.#options = options;
    this.discovery = new HomeAssistantDiscovery(options);
  }

  /** The broker and whether the client is connected to it now. */
  get connection(): SinkConnection {
    return { target: redactUrl(this.#options.url), connected: this.#client?.connected === true };
  }

  async consume(events: AsyncIterable<MeterEvent>): Promise<void> {
    const { log } = this.#options;
    const statusTopic = this.discovery.statusTopic;
    const client = connectWithBackoff({
      ...this.#options,
      clientId: clientId(this.#options.deviceId, "ha"),
      label: "Home Assistant discovery",
      onConnect: (link) => {
        link.subscribe([statusTopic]).catch((error) =>
          log.debug(`subscribe ${statusTopic}: ${(error as Error).message}`)
        );
        this.#publish(this.discovery.all());
      },
    });
    client.onMessage(({ topic, payload, retained }) => {
      if (topic !== statusTopic || retained) return;
      if (payload !== "online") return;
      const configs = this.discovery.all();
      log.info(`Home Assistant is online: republishing ${configs.length} discovery configs`);
      this.#publish(configs);
    });
    this.#client = client;
    try {
      for await (const event of events) {
        if (event.kind === "identity") this.#publish(this.discovery.identity(event.info));
        if (event.kind === "reading") this.#publish(this.discovery.reading(event.reading));
      }
    } finally {
      await closeConnection(client, { limitMs: this.#options.shutdownMs ?? 1500 })
        .catch((error) => log.warn(`MQTT shutdown: ${(error as Error).message}`));
    }
  }

  #publish(messages: Message[]): void {
    publishRetained(this.#client, messages, this.#options.log);
  }
}
