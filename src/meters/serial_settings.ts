/** The serial line settings of a configured meter (defaults per meter type come from the schema). */
import type { Config } from "../config/schema.ts";
import type { SerialSettings } from "../serial/stty.ts";

/** `meter.baud`, `meter.databits`, `meter.parity` and `meter.stopbits` as stty settings. */
export function serialSettings(meter: Config["meter"]): SerialSettings {
  return {
    baud: meter.baud!,
    databits: meter.databits as SerialSettings["databits"],
    parity: meter.parity!,
    stopbits: meter.stopbits as SerialSettings["stopbits"],
  };
}
