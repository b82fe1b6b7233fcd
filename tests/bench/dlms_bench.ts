/**
 * DLMS push meters per push: framing (M-Bus segments or HDLC), decryption
 * and the decode to registers and Homie values, beside the T210-D-r P1
 * frame (find + decrypt + DSMR decode) and beside the decode of the same
 * push's plaintext.
 */
import { decodeHex } from "../../src/bytes.ts";
import { decodeTelegram } from "../../src/meters/dsmr/decode.ts";
import { DlmsReader } from "../../src/meters/dlms/reader.ts";
import { FrameDecrypter } from "../../src/meters/t210/decrypt.ts";
import { FrameFinder } from "../../src/meters/t210/finder.ts";
import { vectorText } from "./vectors.ts";

const hex = (path: string) => decodeHex(vectorText(path));

function dlmsCase(name: string, framing: "mbus" | "hdlc", withAuthKey = false) {
  const reader = new DlmsReader({
    framing,
    key: hex(`dlms/${name}.key`),
    authKey: withAuthKey ? hex(`dlms/${name}.ak`) : undefined,
  });
  const wire = hex(`dlms/${name}.hex`);
  return {
    wire,
    plain: hex(`dlms/${name}.plain.hex`),
    reader,
    run() {
      const [result] = reader.push(wire);
      if (!result?.ok) throw new Error(`${name} did not decode`);
    },
  };
}

const GROUP = "push: frame + decrypt + decode to values";
const noe = dlmsCase("at_netznoe_kaifa-ma309m_doc-example", "mbus");
const t210d = dlmsCase("at_netznoe_sagemcom-t210d_energyagent", "mbus");
const e450 = dlmsCase("at_burgenland_landisgyr-e450_gh501-1_hdlc", "hdlc", true);

Deno.bench({
  name: `Netz NÖ Kaifa MA309M, M-Bus 2 segments, CTR (${noe.wire.length} B)`,
  group: GROUP,
  baseline: true,
  fn: noe.run,
});
Deno.bench({
  name: `Netz NÖ Sagemcom T210-D, M-Bus 2 segments, CTR (${t210d.wire.length} B)`,
  group: GROUP,
  fn: t210d.run,
});
Deno.bench({
  name: `L+G E450 Burgenland, HDLC, GCM tag checked (${e450.wire.length} B)`,
  group: GROUP,
  fn: e450.run,
});

const t210Frame = hex("t210/synthetic_dlmscosem_t210.hex");
const t210Finder = new FrameFinder();
const t210Decrypter = new FrameDecrypter({
  meterId: "bench",
  key: hex("t210/synthetic_dlmscosem_t210.key"),
});
Deno.bench({
  name: `T210-D-r P1: find + decrypt (CTR) + DSMR decode (${t210Frame.length} B)`,
  group: GROUP,
  fn() {
    t210Finder.push(t210Frame);
    const found = t210Finder.next()!;
    const plain = t210Decrypter.decrypt(found);
    if (!plain.ok) throw new Error(plain.error.message);
    const telegram = decodeTelegram(plain.value, { crc: "required" });
    if (!telegram.ok) throw new Error(telegram.error.message);
    t210Finder.accept(found);
  },
});

Deno.bench({
  name: `Netz NÖ Kaifa MA309M: decode of the plaintext APDU only (${noe.plain.length} B)`,
  group: "push: plaintext decode only",
  fn() {
    if (!noe.reader.decodeApdu(noe.plain).ok) throw new Error("did not decode");
  },
});
