/**
 * The Homie sink's MQTT edge: one client per device with the `lost` Will,
 * backoff reconnects with a full republish, a clock for `alert`, the status
 * node, held-back gauges and `$stats/uptime`, and a clean `disconnected` on
 * shutdown.
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
import { HomieDevice, type HomieDeviceOptions } from "./device.ts";

/** Options of {@link HomieSink}: the device's and the broker's. */
export interface HomieSinkOptions extends HomieDeviceOptions, BrokerOptions {}

/** Publishes readings as a Homie 4 device. */
export class HomieSink implements Sink {
  readonly name = "homie";
  readonly device: HomieDevice;
  #options: HomieSinkOptions;
  #client?: mqtt.MqttClient;

  constructor(options: HomieSinkOptions) {
    this.#options = options;
    this.device = new HomieDevice(options);
  }

  /** The broker and whether the client is connected to it now. */
  get connection(): SinkConnection {
    return { target: redactUrl(this.#options.url), connected: this.#client?.connected === true };
  }

  async consume(readings: AsyncIterable<Reading>): Promise<void> {
    const { log } = this.#options;
    const client = connectWithBackoff({
      ...this.#options,
      clientId: `smr-${this.#options.deviceId}`,
      label: this.device.topic,
      will: this.device.will,
      onConnect: () => this.#publish(this.device.connected(Date.now())),
    });
    this.#client = client;
    const tickMs = Math.min(1000, Math.max(50, this.#options.interval * 250));
    const ticker = setInterval(() => this.#publish(this.device.tick(Date.now())), tickMs);
    try {
      for await (const reading of readings) {
        this.#publish(this.device.reading(reading, Date.now()));
      }
    } finally {
      clearInterval(ticker);
      await closeConnection(client, {
        last: this.device.disconnected(),
        limitMs: this.#options.shutdownMs ?? 1500,
      }).catch((error) => log.warn(`MQTT shutdown: ${(error as Error).message}`));
    }
  }

  #publish(messages: Message[]): void {
    publishRetained(this.#client, messages, this.#options.log);
  }
}
