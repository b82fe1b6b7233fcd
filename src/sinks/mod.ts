/** `sinks` → the sinks readings go to. */
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Meter } from "../meters/meter.ts";
import type { Sink } from "../pipeline.ts";
import { DummySink } from "./dummy.ts";
import { HomeAssistantSink } from "./homeassistant/publisher.ts";
import { HomieSink } from "./homie/publisher.ts";

/** Options of {@link createSinks}. */
export interface SinkOptions {
  config: Config;
  meter: Meter;
  log: Logger;
  /** smr's version, announced in Home Assistant discovery. */
  version: string;
}

/** Creates the configured sinks for a meter. */
export function createSinks({ config, meter, log, version }: SinkOptions): Sink[] {
  const broker = {
    url: config.mqtt.url,
    username: config.mqtt.username,
    password: config.mqtt.password,
  };
  return config.sinks.map((type) => {
    switch (type) {
      case "dummy":
        return new DummySink();
      case "homie":
        return new HomieSink({
          ...broker,
          baseTopic: config.homie.base_topic,
          deviceId: config.homie.device_id,
          name: config.homie.name,
          interval: meter.interval,
          statsInterval: config.homie.stats_interval,
          minInterval: config.homie.min_interval,
          stats: () => meter.stats,
          log,
        });
      case "homeassistant":
        return new HomeAssistantSink({
          ...broker,
          prefix: config.homeassistant.prefix,
          baseTopic: config.homie.base_topic,
          deviceId: config.homie.device_id,
          name: config.homie.name,
          info: () => meter.info,
          version,
          log,
        });
    }
  });
}
