/** meter.type → the meter that reads it. */
import type { Config } from "../config/schema.ts";
import { ConfigError } from "../config/error.ts";
import type { Logger } from "../log.ts";
import { DummyMeter } from "./dummy.ts";
import { createKamstrupMeter } from "./kamstrup/meter.ts";
import type { Meter } from "./meter.ts";
import { createP1Meter } from "./p1.ts";

/** Creates the configured meter. */
export function createMeter(config: Config, log: Logger): Meter {
  const { meter } = config;
  switch (meter.type) {
    case "dummy":
      return new DummyMeter({
        id: config.env,
        interval: meter.interval,
        silenceAfter: meter.silence_after,
        silenceFor: meter.silence_for,
      });
    case "dsmr":
    case "t210":
      return createP1Meter(config, log);
    case "kamstrup":
      return createKamstrupMeter(config, log);
    default:
      throw new ConfigError(`meter.type "${meter.type}" is not available in this build`);
  }
}
