/**
 * IEC 62056-21 (D0) per readout, for every shared vector: the push path
 * (framer + readout check + Homie values, as `D0StreamDecoder` runs it) and
 * the pull path (the session from identification line to checked block).
 * The two fixtures whose BCC was edited get the BCC they should carry.
 */
import { decodeHex } from "../../src/bytes.ts";
import { D0StreamDecoder } from "../../src/meters/d0/decoder.ts";
import { decodeReadout } from "../../src/meters/d0/readout.ts";
import { PullSession } from "../../src/meters/d0/session.ts";
import { readoutDecoded } from "../../src/meters/d0/values.ts";
import { sharedUrl } from "../shared.ts";

const BASELINE = "easymeter-q3da_mode-d_go-iec62056";

const vectors = [...Deno.readDirSync(sharedUrl("d0/"))]
  .filter((e) => e.isFile && e.name.endsWith(".hex"))
  .map((e) => e.name.replace(/\.hex$/, ""))
  .sort()
  .map((name) => {
    const bytes = decodeHex(Deno.readTextFileSync(sharedUrl(`d0/${name}.hex`)));
    const json = JSON.parse(Deno.readTextFileSync(sharedUrl(`d0/${name}.json`)));
    if (json.bcc.present && !json.bcc.ok) bytes[bytes.length - 1] = parseInt(json.bcc.computed, 16);
    return { name, bytes };
  });

for (const { name, bytes } of vectors) {
  const decoder = new D0StreamDecoder();
  Deno.bench({
    name: `${name} (${bytes.length} B)`,
    group: "d0 push: frame + check + Homie values",
    baseline: name === BASELINE,
    fn() {
      for (const result of decoder.push(bytes)) {
        if (!result.ok) throw new Error(result.error.message);
      }
    },
  });
  Deno.bench({
    name: `${name} (${bytes.length} B)`,
    group: "d0 readout: check + parse (no framer)",
    baseline: name === BASELINE,
    fn() {
      if (!decodeReadout(bytes).ok) throw new Error("rejected");
    },
  });
  if (bytes.includes(0x03)) {
    const session = new PullSession();
    Deno.bench({
      name: `${name} (${bytes.length} B)`,
      group: "d0 pull: session from identification to readout + Homie values",
      fn() {
        session.start();
        const [event] = session.receive(bytes).filter((e) =>
          e.type !== "send" && e.type !== "switch-baud"
        );
        if (event?.type !== "readout") throw new Error(`no readout: ${JSON.stringify(event)}`);
        readoutDecoded(event.readout);
      },
    });
  }
}
