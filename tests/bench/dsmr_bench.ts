/**
 * DSMR P1 per telegram, for every shared vector: the framer (one per meter,
 * as in the daemon) + CRC check + line grammar, and the whole decode to
 * Homie values through the OBIS table.
 */
import { decodeTelegram } from "../../src/meters/dsmr/decode.ts";
import { TelegramFramer } from "../../src/meters/dsmr/framer.ts";
import { parseTelegram } from "../../src/meters/dsmr/telegram.ts";
import { dsmrVectors } from "./vectors.ts";

const BASELINE = "v5_nl_iskra-mt382-1000_dp";

for (const { name, bytes } of dsmrVectors()) {
  const crc = decodeTelegram(bytes, { crc: "required" }).ok ? "required" : "optional";
  const framer = new TelegramFramer();
  Deno.bench({
    name: `${name} (${bytes.length} B)`,
    group: "dsmr frame + crc + parse",
    baseline: name === BASELINE,
    fn() {
      for (const framed of framer.push(bytes)) {
        if (framed.ok) parseTelegram(framed.value, { crc });
      }
    },
  });
  Deno.bench({
    name: `${name} (${bytes.length} B)`,
    group: "dsmr frame + crc + parse + Homie values",
    baseline: name === BASELINE,
    fn() {
      for (const framed of framer.push(bytes)) {
        if (framed.ok) decodeTelegram(framed.value, { crc });
      }
    },
  });
}
