/** T210-D-r: frame find + decrypt (with and without the GCM tag check) + DSMR parse. */
import { decodeTelegram } from "../../src/meters/dsmr/decode.ts";
import { FrameDecrypter } from "../../src/meters/t210/decrypt.ts";
import { FrameFinder } from "../../src/meters/t210/finder.ts";
import { vectorText } from "./vectors.ts";
import { decodeHex } from "../../src/bytes.ts";

interface Case {
  name: string;
  frame: Uint8Array<ArrayBuffer>;
  decrypter: FrameDecrypter;
}

function decrypter(vector: string, tag: boolean): FrameDecrypter {
  return new FrameDecrypter({
    meterId: "bench",
    key: decodeHex(vectorText(`t210/${vector}.key`)),
    authKey: tag ? decodeHex(vectorText(`t210/${vector}.ak`)) : undefined,
  });
}

const cases: Case[] = [
  {
    name: "steiermark, CTR + CRC (no auth key)",
    frame: decodeHex(vectorText("t210/steiermark_shrdzm.hex")),
    decrypter: decrypter("steiermark_shrdzm", false),
  },
  {
    name: "synthetic T210, GCM tag check",
    frame: decodeHex(vectorText("t210/synthetic_dlmscosem_t210.hex")),
    decrypter: decrypter("synthetic_dlmscosem_t210", true),
  },
  {
    name: "synthetic T210, CTR + CRC (no auth key)",
    frame: decodeHex(vectorText("t210/synthetic_dlmscosem_t210.hex")),
    decrypter: decrypter("synthetic_dlmscosem_t210", false),
  },
];

for (const { name, frame, decrypter } of cases) {
  Deno.bench({
    name,
    group: "t210 find + decrypt + parse",
    async fn() {
      const finder = new FrameFinder();
      finder.push(frame);
      const found = finder.next()!;
      const plain = await decrypter.decrypt(found);
      if (!plain.ok) throw new Error(plain.error.message);
      const telegram = decodeTelegram(plain.value, { crc: "required" });
      if (!telegram.ok) throw new Error(telegram.error.message);
      finder.accept(found);
    },
  });
}
