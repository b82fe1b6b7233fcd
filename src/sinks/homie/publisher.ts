/**
 * The Homie sink's MQTT edge: one client per device with the `lost` Will,
 * backoff reconnects with a full republish, a clock for `alert`, the status
 * node, held-back gauges and `$stats/uptime`, and a clean `disconnected` on
 * shutdown. When another smr publishes as the same device it steps back.
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
import { DeviceTakenError, type TakeoverOptions } from "../takeover.ts";
import { HomieDevice, type HomieDeviceOptions } from "./device.ts";

/** Options of {@link HomieSink}: the device's and the broker's. */
export interface HomieSinkOptions extends HomieDeviceOptions, BrokerOptions {
  /**
   * Called once when another client publishes as this device on the broker
   * (same client id, see takeover.ts): smr should stop. The sink no longer
   * connects; without this callback it logs the error and stays quiet.
   */
  onDeviceTaken?: (error: DeviceTakenError) => void;
  /** Tuning of the takeover watch. */
  takeover?: TakeoverOptions;
}

/** Publishes readings as a Homie 4 device. */
export class HomieSink implements Sink {
  readonly name = "homie";
  readonly device: HomieDevice;
  #options: HomieSinkOptions;
  #client?: mqtt.MqttClient;
  #taken = false;

  constructor(options: HomieSinkOptions) {
    this.#options = options;
    this.device = new HomieDevice(options);
  }

  /** The broker and whether the client is connected to it now. */
  get connection(): SinkConnection {
    return { target: redactUrl(this.#options.url), connected: this.#client?.connected === true };
  }

  async consume(readings: AsyncIterable<Reading>): Promise<void> {
    const { log, deviceId } = this.#options;
    const clientId = `smr-${deviceId}`;
    const client = connectWithBackoff({
      ...this.#options,
      clientId,
      label: this.device.topic,
      will: this.device.will,
      onConnect: () => this.#publish(this.device.connected(Date.now())),
      onTakenOver: (sessions) => {
        this.#taken = true;
        const error = new DeviceTakenError(
          `another smr publishes as device ${deviceId} on ${redactUrl(this.#options.url)}: ` +
            `stop it or set homie.device_id (the broker dropped client ${clientId} ${sessions} ` +
            `times in a row within seconds of connecting, as it does when a second client ` +
            `connects with the same id)`,
        );
        if (this.#options.onDeviceTaken) this.#options.onDeviceTaken(error);
        else log.error(error.message);
      },
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
      // The device's topics are the other smr's now: no `disconnected` over its `ready`.
      await closeConnection(client, {
        last: this.#taken ? undefined : this.device.disconnected(),
        limitMs: this.#options.shutdownMs ?? 1500,
      }).catch((error) => log.warn(`MQTT shutdown: ${(error as Error).message}`));
    }
  }

  #publish(messages: Message[]): void {
    publishRetained(this.#client, messages, this.#options.log);
  }
}
