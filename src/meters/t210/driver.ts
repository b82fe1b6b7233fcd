/**
 * The `t210` driver: the Sagemcom T210-D-r of Energienetze Steiermark, whose
 * P1 telegrams come encrypted in DLMS general-glo-ciphering frames. Frames
 * are found and decrypted here; the telegrams inside are DSMR telegrams,
 * checked and decoded by the DSMR core.
 */
import { hexKey, rule } from "../../config/rules.ts";
import { defineDriver, type DriverConfig } from "../driver.ts";
import { P1_SERIAL } from "../dsmr/driver.ts";

const keys = {
  key: rule(hexKey, {
    required: true,
    secret: true,
    doc: "encryption key (GUEK), 32 hex characters, from the grid operator",
  }),
  auth_key: rule(hexKey, {
    secret: true,
    doc: "authentication key (GAK); when set, the GCM tag is checked",
  }),
};

/** The validated `meter` section of a T210-D-r. */
export type T210Config = DriverConfig<"t210", typeof keys, typeof P1_SERIAL>;

/** The Sagemcom T210-D-r meter type. */
export const t210Driver = defineDriver({
  type: "t210",
  meters:
    "Sagemcom T210-D-r (Energienetze Steiermark, Austria): encrypted DSMR (DLMS general-glo-ciphering, AES-128-GCM)",
  link: "P1, 115200 8N1",
  name: "Electricity meter",
  interval: 10,
  serial: P1_SERIAL,
  keys,
  create: async (meter, context) => (await import("./meter.ts")).createT210Meter(meter, context),
  decode: async (meter, bytes, { id }) => {
    const { decodeT210Capture, t210Keys } = await import("./meter.ts");
    return decodeT210Capture(id, t210Keys(meter), bytes);
  },
  detect: (bytes) => bytes.some((b, i) => b === 0xdb && bytes[i + 1] === 0x08),
});
