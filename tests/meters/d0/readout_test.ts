import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { decodeHex, latin1 } from "../../../src/bytes.ts";
import {
  bcc,
  decodeReadout,
  parseDataMessage,
  type ReadoutOptions,
} from "../../../src/meters/d0/readout.ts";
import { readBccCases } from "./vectors.ts";

/** A data block with its BCC: STX, the data, ETX, the XOR of data and ETX. */
function block(data: string): string {
  const check = bcc(latin1(`${data}\x03`));
  return `\x02${data}\x03${String.fromCharCode(check)}`;
}

Deno.test("BCC: every pwitab case gets the verdict its source gives", () => {
  const cases = readBccCases().filter((c) => c.source_says_valid !== null);
  assertEquals(cases.length, 9);
  for (const { hex, source_says_valid, test } of cases) {
    const bytes = decodeHex(hex);
    // The check runs from after the first SOH or STX through ETX; the BCC follows.
    const start = bytes.findIndex((b) => b === 0x01 || b === 0x02) + 1;
    const etx = bytes.lastIndexOf(0x03);
    assertEquals(bcc(bytes, start, etx + 1) === bytes[etx + 1], source_says_valid, test);
  }
});

Deno.test("BCC: the pwitab data blocks parse, or are crc rejections", () => {
  for (const { hex, source_says_valid, test } of readBccCases()) {
    const bytes = decodeHex(hex);
    if (bytes[0] !== 0x02) continue;
    const result = parseDataMessage(bytes, { bcc: "required" });
    if (source_says_valid) {
      const sets = unwrap(result).sets;
      assertOk(sets.length > 0, test);
    } else {
      assertOk(!result.ok && result.error.reason === "crc", test);
    }
  }
  const readout = unwrap(parseDataMessage(decodeHex(readBccCases()[2].hex)));
  assertEquals(readout.sets.map((s) => [s.id, s.groups[0][0]]), [
    ["3:14", { value: "314", unit: "kWh" }],
    ["4:15", { value: "415", unit: "kWh" }],
  ]);
  assertEquals(readout.bcc, 0x22);
});

Deno.test("a data block: the BCC covers the data and ETX; a wrong one gives no sets", () => {
  const good = block("1.8.0(000285.4*kWh)\r\n!\r\n");
  assertEquals(unwrap(parseDataMessage(latin1(good))).sets[0].id, "1.8.0");
  const wrong = good.slice(0, -1) + String.fromCharCode(good.charCodeAt(good.length - 1) ^ 1);
  const result = parseDataMessage(latin1(wrong));
  assertOk(!result.ok && result.error.reason === "crc");
  assertOk(unwrap(parseDataMessage(latin1(wrong), { bcc: "ignore" })).sets.length === 1);
});

Deno.test("BCC modes: a block cut after ! passes unless required; ETX without BCC never", () => {
  const cut = latin1("\x021.8.0(1*kWh)\r\n!\r\n");
  const modes: ReadoutOptions["bcc"][] = ["optional", "ignore", "required"];
  assertEquals(modes.map((bcc) => parseDataMessage(cut, { bcc }).ok), [true, true, false]);
  const noBcc = latin1("\x021.8.0(1*kWh)\r\n!\r\n\x03");
  for (const bcc of modes) {
    const result = parseDataMessage(noBcc, { bcc });
    assertOk(!result.ok && result.error.reason === "framing", bcc);
  }
});

Deno.test("mode D data ends at !; without it the message is a framing rejection", () => {
  assertEquals(unwrap(parseDataMessage(latin1("\r\n1.8.0(1*kWh)\r\n!\r\n"))).sets.length, 1);
  assertEquals(unwrap(parseDataMessage(latin1("!\r\n"))).sets, []);
  const open = parseDataMessage(latin1("\r\n1.8.0(1*kWh)\r\n"));
  assertOk(!open.ok && open.error.reason === "framing");
});

Deno.test("a captured pull session decodes: request echo, identification, ACK echo, block", () => {
  const capture = latin1(
    `/?!\r\n/LGZ5ZMD120\r\n\x06050\r\n${block("F.F(00000000)\r\n1.8.1(001234.5*kWh)\r\n!\r\n")}`,
  );
  const readout = unwrap(decodeReadout(capture, { bcc: "required" }));
  assertEquals(readout.identification.line, "/LGZ5ZMD120");
  assertEquals(readout.sets.map((s) => s.id), ["F.F", "1.8.1"]);
});

Deno.test("a readout without identification line, or with a broken one, is rejected", () => {
  for (const text of ["1.8.0(1)\r\n!\r\n", "/?!\r\n", "/ABC5 no line end", "/ABC8x\r\n!\r\n"]) {
    assertEquals(decodeReadout(latin1(text)).ok, false, text);
  }
});
