/** `sinks` → the sinks readings go to. */
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Sink } from "../pipeline.ts";
import { DummySink } from "./dummy.ts";
import { HomeAssistantSink } from "./homeassistant/publisher.ts";
import { HomieSink } from "./homie/publisher.ts";
import { type Broker, loadBroker } from "./mqtt_connection.ts";
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
 * Creates the configured sinks for a meter; throws ConfigError when the TLS
 * files of `mqtt.*` cannot be used.
 */
export function createSinks(
  { config, interval, log, version, onDeviceTaken }: SinkOptions,
): Sink[] {
  let loaded: Broker | undefined;
  const broker = () => loaded ??= loadBroker(config.mqtt);
  return config.sinks.map((type) => {
    switch (type) {
      case "dummy":
        return new DummySink();
      case "homie":
        return new HomieSink({
          ...broker(),
          baseTopic: config.homie.base_topic,
          deviceId: config.homie.device_id,
          name: config.homie.name,
          interval,
          statsInterval: config.homie.stats_interval,
          minInterval: config.homie.min_interval,
          status: true,
          log,
          onDeviceTaken,
        });
      case "homeassistant":
        return new HomeAssistantSink({
          ...broker(),
          prefix: config.homeassistant.prefix,
          baseTopic: config.homie.base_topic,
          deviceId: config.homie.device_id,
          name: config.homie.name,
          version,
          log,
        });
    }
  });
}
