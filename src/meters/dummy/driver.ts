/** The `dummy` driver: a simulated electricity meter, for trying smr without hardware. */
import { integer, rule } from "../../config/rules.ts";
import { defineDriver } from "../driver.ts";

/** The dummy meter type. */
export const dummyDriver = defineDriver({
  type: "dummy",
  meters: "simulated three-phase electricity meter",
  link: "none",
  name: "Dummy electricity meter",
  interval: 5,
  serial: undefined,
  keys: {
    silence_after: rule(integer(0, 1e9), {
      doc: "stop delivering after this many readings (simulates an outage)",
    }),
    silence_for: rule(integer(0, 1e9), { default: 1e9, doc: "readings the outage lasts" }),
  },
  create: async (meter, { id }) => {
    const { DummyMeter } = await import("./meter.ts");
    return new DummyMeter({
      id,
      interval: meter.interval,
      silenceAfter: meter.silence_after,
      silenceFor: meter.silence_for,
    });
  },
});
