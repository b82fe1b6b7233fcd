/** The one DLMS vector kept in the repository: runs without ../shared. */
import { assertEquals, unwrap } from "../../assert.ts";
import { decodeHex } from "../../../src/bytes.ts";
import { DlmsReader } from "../../../src/meters/dlms/reader.ts";

const DIR = new URL("../../testdata/dlms/", import.meta.url);
const NAME = "at_netznoe_kaifa-ma309m_doc-example";

const read = (ext: string) => Deno.readTextFileSync(new URL(`${NAME}.${ext}`, DIR));

Deno.test("the Netz NÖ Kaifa documentation example in testdata decodes to its asserted values", () => {
  const facts = JSON.parse(read("json"));
  const reader = new DlmsReader({ framing: facts.framing, key: decodeHex(read("key")) });
  const bytes = decodeHex(read("hex"));
  for (let cut = 1; cut < bytes.length; cut += 37) {
    const results = [
      ...reader.push(bytes.subarray(0, cut)),
      ...reader.push(bytes.subarray(cut)),
    ];
    assertEquals(results.length, 1);
    const push = unwrap(results[0]);
    assertEquals(push.invokeId, facts.asserted.invoke_id);
    assertEquals(push.meterTime?.slice(0, 19), facts.asserted.date_time.replace(" ", "T"));
    for (const code of ["1-0:1.8.0*255", "1-0:32.7.0*255"]) {
      const register = push.registers.find((r) => r.obis === code)!;
      assertEquals([register.value, register.unit], facts.asserted[code]);
    }
  }
});
