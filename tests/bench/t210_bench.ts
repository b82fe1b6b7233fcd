/**
 * T210-D-r: frame find + decrypt (with and without the GCM tag check) + DSMR
 * parse; and the same frame beside the plain DSMR decode of its own
 * telegram (the baseline of the ratio groups: decrypting should cost no more
 * than decoding).
 */
import { decodeTelegram } from "../../src/meters/dsmr/decode.ts";
import { FrameDecrypter } from "../../src/meters/t210/decrypt.ts";
import { FrameFinder } from "../../src/meters/t210/finder.ts";
import { vectorBytes, vectorText } from "./vectors.ts";
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

/** Finds, decrypts and decodes one frame, as the daemon does for each. */
function decodeFrame(
  frame: Uint8Array,
  decrypter: FrameDecrypter,
  finder: FrameFinder = new FrameFinder(),
): void {
  finder.push(frame);
  const found = finder.next()!;
  const plain = decrypter.decrypt(found);
  if (!plain.ok) throw new Error(plain.error.message);
  const telegram = decodeTelegram(plain.value, { crc: "required" });
  if (!telegram.ok) throw new Error(telegram.error.message);
  finder.accept(found);
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
    fn: () => decodeFrame(frame, decrypter),
  });
}

/**
 * One ratio group per vector: the plain telegram decode is the baseline; the
 * frame goes through one long-lived finder, as in the daemon (one per meter).
 */
for (const vector of ["steiermark_shrdzm", "synthetic_dlmscosem_t210"]) {
  const frame = decodeHex(vectorText(`t210/${vector}.hex`));
  const telegram = vectorBytes(`t210/${vector}.plain.txt`);
  const group = `ratio ${vector}: T210 frame vs plain DSMR decode of its telegram`;
  Deno.bench({
    name: `plain DSMR decode (${telegram.length} B)`,
    group,
    baseline: true,
    fn() {
      const decoded = decodeTelegram(telegram, { crc: "required" });
      if (!decoded.ok) throw new Error(decoded.error.message);
    },
  });
  const ctr = decrypter(vector, false);
  const ctrFinder = new FrameFinder();
  Deno.bench({
    name: `find + decrypt (CTR) + decode (${frame.length} B)`,
    group,
    fn: () => decodeFrame(frame, ctr, ctrFinder),
  });
  if (vector === "synthetic_dlmscosem_t210") {
    const gcm = decrypter(vector, true);
    const gcmFinder = new FrameFinder();
    Deno.bench({
      name: `find + decrypt (GCM tag) + decode (${frame.length} B)`,
      group,
      fn: () => decodeFrame(frame, gcm, gcmFinder),
    });
  }
}
