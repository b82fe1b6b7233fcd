/** `sinks` → the sinks the meter's events go to. */
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Sink } from "../pipeline.ts";
import { DummySink } from "./dummy.ts";
import { loadBroker } from "./mqtt_connection.ts";
import { MqttSink } from "./mqtt_sink.ts";
import type { DeviceTakenError } from "./takeover.ts";

/** Options of {@link createSinks}. */
export interface SinkOptions {
  config: Config;
  /** Seconds between the meter's readings (`alert` after 3 without one). */
  interval: number;
  log: Logger;
  /** smr's version, announced in Home Assistant discovery. */
  version: string;
  /** Called when another smr publishes as the same device: smr must stop. */
  onDeviceTaken?: (error: DeviceTakenError) => void;
}

/**
 * Creates the configured sinks: one MQTT connection for the Homie device,
 * which carries its Home Assistant discovery too when `homeassistant` is
 * among the sinks (the configuration makes sure `homie` is then). Throws
 * ConfigError when the TLS files of `mqtt.*` cannot be used.
 */
export function createSinks(
  { config, interval, log, version, onDeviceTaken }: SinkOptions,
): Sink[] {
  return config.sinks.flatMap((type): Sink[] => {
    switch (type) {
      case "dummy":
        return [new DummySink()];
      case "homie":
        return [
          new MqttSink({
            ...loadBroker(config.mqtt),
            baseTopic: config.homie.base_topic,
            deviceId: config.homie.device_id,
            name: config.homie.name,
            interval,
            statsInterval: config.homie.stats_interval,
            minInterval: config.homie.min_interval,
            status: true,
            homeAssistant: config.sinks.includes("homeassistant")
              ? { prefix: config.homeassistant.prefix, version }
              : undefined,
            log,
            onDeviceTaken,
          }),
        ];
      case "homeassistant":
        // Published over the Homie device's connection, from its property tree.
        return [];
    }
  });
}
