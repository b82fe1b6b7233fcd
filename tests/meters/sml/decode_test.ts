import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { decodeHex } from "../../../src/bytes.ts";
import { decodeSmlPayload, smlValues } from "../../../src/meters/sml/decode.ts";
import { smlIdentity, smlSerial } from "../../../src/meters/sml/identity.ts";
import type { SmlListEntry } from "../../../src/meters/sml/messages.ts";
import { SmlFramer } from "../../../src/meters/sml/transport.ts";
import { CLOSE_RESPONSE, entry, message, octets, signed, smlFile, unsigned } from "./build.ts";
import { testdataFrame } from "./vectors.ts";

function values(entries: Uint8Array[]): string[] {
  const decoded = unwrap(decodeSmlPayload(smlFile("0a01", entries)));
  return decoded.values.map((v) => `${v.node}/${v.property}=${v.value}`);
}

function register(obis: string, raw: number | bigint, scaler: number, unit?: number) {
  return entry({ obis, unit, scaler, value: signed(raw, 8) });
}

Deno.test("the bare-clone EMH frame decodes to what smartmeter-obis asserts", () => {
  const payload = unwrap(new SmlFramer().push(testdataFrame())[0]).payload;
  const decoded = unwrap(decodeSmlPayload(payload));
  assertEquals(decoded.info, { manufacturer: "EMH", serial: "1EMH0004321349" });
  const t1 = decoded.values.find((v) => v.node === "import" && v.property === "t1");
  assertEquals([t1?.value, t1?.unit], ["15338.5557", "kWh"]);
  assertEquals(decoded.messageCrcMismatches, 0);
  assertEquals(decoded.sensorTime, { kind: "secIndex", seconds: 104804149 });
  assertEquals(decoded.lists.length, 1);
});

Deno.test("energy registers: Wh to kWh exactly, import and export tariffs", () => {
  assertEquals(
    values([
      register("0100010800ff", 45009189911n, -5, 30),
      register("0100010801ff", 44907489911n, -5, 30),
      register("0100010802ff", 101700000, -5, 30),
      register("0100020800ff", 13391, 3, 30),
      register("0100020801ff", 7, 0, 30),
      register("0100020802ff", 2n ** 62n, -1, 30),
    ]),
    [
      "import/total=450.09189911",
      "import/t1=449.07489911",
      "import/t2=1.01700000",
      "export/total=13391.000",
      "export/t1=0.007",
      "export/t2=461168601842738.7904",
    ],
  );
});

Deno.test("16.7.0 and the phase powers split by sign into import and export", () => {
  assertEquals(
    values([
      register("0100100700ff", -1772, -1, 27),
      register("0100240700ff", 8226, -2, 27),
      register("0100380700ff", -2706, -2, 27),
      register("01004c0700ff", 0, 0, 27),
    ]),
    [
      "power/import=0",
      "power/export=177.2",
      "l1/power-import=82.26",
      "l1/power-export=0",
      "l2/power-import=0",
      "l2/power-export=27.06",
      "l3/power-import=0",
      "l3/power-export=0",
    ],
  );
});

Deno.test("voltages, currents and frequency", () => {
  assertEquals(
    values([
      register("0100200700ff", 2360, -1, 35),
      register("0100340700ff", 2345, -1, 35),
      register("0100480700ff", 2340, -1, 35),
      register("01001f0700ff", 69, -2, 33),
      register("0100330700ff", 21, -2, 33),
      register("0100470700ff", 26, -2, 33),
      register("01000e0700ff", 500, -1, 44),
    ]),
    [
      "l1/voltage=236.0",
      "l2/voltage=234.5",
      "l3/voltage=234.0",
      "l1/current=0.69",
      "l2/current=0.21",
      "l3/current=0.26",
      "power/frequency=50.0",
    ],
  );
});

Deno.test("history registers, other media, unknown units and codes give no value", () => {
  assertEquals(
    values([
      register("010001080060", 41, 2, 30), // 1-0:1.8.0*96, a past day
      register("070001080000", 5, 0, 30), // group A 7: not electricity
      register("0100010800ff", 5, 0, 250), // unit code smr does not know
      register("0100010800ff", 5, 0, 35), // 1.8.0 in V: does not convert
      register("0100510701ff", 120, 0, 8), // phase angle: not in the layout
      register("0100010800ff", 5, 0), // no unit
    ]),
    [],
  );
});

Deno.test("the first entry of a quantity wins", () => {
  assertEquals(
    values([register("0100010800ff", 1000, 0, 30), register("0100010800ff", 2000, 0, 30)]),
    ["import/total=1.000"],
  );
});

Deno.test("a meter without PIN sends whole units: the integer it sends is kept", () => {
  assertEquals(
    values([
      entry({ obis: "0100010800ff", unit: 30, scaler: 3, value: unsigned(12345, 4) }),
      entry({ obis: "0100010800ff", unit: 30, value: unsigned(12345000, 4) }),
    ]),
    ["import/total=12345.000"],
  );
  assertEquals(values([entry({ obis: "0100010800ff", unit: 30, value: unsigned(12345, 4) })]), [
    "import/total=12.345",
  ]);
});

Deno.test("a frame without a GetListResponse is a decode rejection", () => {
  const result = decodeSmlPayload(message(0x0201, CLOSE_RESPONSE));
  assertOk(!result.ok && result.error.reason === "decode");
});

Deno.test("a serial from a DIN 43863-5 server id, else ASCII, else hex", () => {
  assertEquals(smlSerial(decodeHex("0a0149534b0005020de2")), "1ISK0084020706");
  assertEquals(smlSerial(decodeHex("0901454d48000041f045")), "1EMH0004321349");
  assertEquals(smlSerial(decodeHex("0a01484c5902000424a0")), "1HLY0200271520");
  assertEquals(smlSerial(decodeHex("0a01445a47000282c0b0")), "1DZG0042123440");
  assertEquals(smlSerial(decodeHex("0a01455359110000000a")), "1ESY1100000010");
  assertEquals(smlSerial(decodeHex("0a014c475a00ffffffff")), "1LGZ004294967295");
  assertEquals(smlSerial(new TextEncoder().encode("1ESY1160123456")), "1ESY1160123456");
  assertEquals(smlSerial(decodeHex("0a01454d48")), "0a01454d48");
  assertEquals(smlSerial(decodeHex("0a01656d68000041f045")), "0a01656d68000041f045");
  assertEquals(smlSerial(decodeHex("00000000000000000000")), undefined);
  assertEquals(smlSerial(new Uint8Array(0)), undefined);
});

Deno.test("identity: the manufacturer entry, the server id entry, then the message server ids", () => {
  const entries = (list: [string, string][]): SmlListEntry[] =>
    list.map(([obis, value]) => ({ obis: decodeHex(obis), value: decodeHex(value) }));
  assertEquals(
    smlIdentity(entries([["010060320101", "49534b"], ["0100600100ff", "0a0149534b0005020de2"]])),
    { manufacturer: "ISK", serial: "1ISK0084020706" },
  );
  assertEquals(smlIdentity(entries([["8181c78203ff", "45425a"]]), [new Uint8Array(10)]), {
    manufacturer: "EBZ",
  });
  assertEquals(smlIdentity([], [new Uint8Array(10), decodeHex("0a01484c5902000424a0")]), {
    manufacturer: "HLY",
    serial: "1HLY0200271520",
  });
  assertEquals(
    smlIdentity(entries([["0100000009ff", "0a01445a47000282c0b0"]]), [
      decodeHex("0a0149534b0005020de2"),
    ]),
    { manufacturer: "DZG", serial: "1DZG0042123440" },
  );
  assertEquals(smlIdentity(entries([["010060320101", "20"]])), {});
});

Deno.test("identity travels with the decoded frame", () => {
  const decoded = unwrap(
    decodeSmlPayload(
      smlFile("0a0149534b0005020de2", [entry({ obis: "010060320101", value: octets("49534b") })]),
    ),
  );
  assertEquals(decoded.info, { manufacturer: "ISK", serial: "1ISK0084020706" });
  assertEquals(decoded.values, []);
});

Deno.test("smlValues takes entries of any source; text and absent values are skipped", () => {
  const entries: SmlListEntry[] = [
    { obis: decodeHex("0100010800ff"), unit: 30, value: decodeHex("3132") },
    { obis: decodeHex("0100010800ff"), unit: 30, value: undefined },
    { obis: decodeHex("0100010800ff"), unit: 30, scaler: -1, value: 15n, decimal: "1.5" },
  ];
  assertEquals(smlValues(entries).map((v) => v.value), ["0.0015"]);
});
