/**
 * SML per transport frame, for every shared vector: the framer (one per
 * meter, as in the daemon) with its CRC check and unescaping, then the TLV
 * and message decode, then the whole decode to Homie values and identity.
 */
import { decodeHex } from "../../src/bytes.ts";
import { decodeSmlMessages } from "../../src/meters/sml/messages.ts";
import { SmlDecoder } from "../../src/meters/sml/decoder.ts";
import { SmlFramer } from "../../src/meters/sml/transport.ts";
import { sharedUrl } from "../shared.ts";
import { vectorText } from "./vectors.ts";

const BASELINE = "de_emh_ehz_smartmeter-obis";

const frames = [...Deno.readDirSync(sharedUrl("sml/"))]
  .map((e) => e.name)
  .filter((name) => name.endsWith(".hex"))
  .sort()
  .map((name) => ({
    name: name.replace(/\.hex$/, ""),
    bytes: decodeHex(vectorText(`sml/${name}`)),
  }))
  .filter(({ bytes }) => bytes[0] === 0x1b);

for (const { name, bytes } of frames) {
  const label = `${name} (${bytes.length} B)`;
  const framer = new SmlFramer();
  Deno.bench({
    name: label,
    group: "sml frame + crc",
    baseline: name === BASELINE,
    fn() {
      framer.push(bytes);
    },
  });
  const parser = new SmlFramer();
  Deno.bench({
    name: label,
    group: "sml frame + crc + messages",
    baseline: name === BASELINE,
    fn() {
      for (const frame of parser.push(bytes)) if (frame.ok) decodeSmlMessages(frame.value.payload);
    },
  });
  const decoder = new SmlDecoder();
  Deno.bench({
    name: label,
    group: "sml frame + crc + messages + Homie values",
    baseline: name === BASELINE,
    fn() {
      decoder.push(bytes);
    },
  });
}
