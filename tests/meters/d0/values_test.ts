import { assertEquals, unwrap } from "../../assert.ts";
import { parseDataSets } from "../../../src/meters/d0/data_sets.ts";
import { parseIdentification } from "../../../src/meters/d0/identification.ts";
import { readoutInfo, readoutValues } from "../../../src/meters/d0/values.ts";

function values(text: string): string[] {
  return readoutValues(parseDataSets(text).sets).map((v) =>
    `${v.node}/${v.property}=${v.value}${v.unit ? ` ${v.unit}` : ""}`
  );
}

function serial(text: string): string | undefined {
  const identification = unwrap(parseIdentification("/XYZ5test"));
  return readoutInfo({ identification, sets: parseDataSets(text).sets }).serial;
}

Deno.test("electricity codes in any form go through the shared OBIS table", () => {
  assertEquals(
    values(
      "1.8.0(000285.4*kWh)\r\n1-0:2.8.0*255(12937*Wh)\r\n1-0:1.7.0(01.193*kW)\r\n" +
        "32.7.0(231.0*V)\r\n1-0:16.7.0*255(-42*W)\r\n",
    ),
    [
      "import/total=285.4 kWh",
      "export/total=12.937 kWh",
      "power/import=1193 W",
      "l1/voltage=231.0 V",
      "power/export=42 W",
    ],
  );
});

Deno.test("no value without a fitting unit, for another medium, or from a past period", () => {
  assertEquals(
    values("1.8.0(1.5)\r\n1.8.0(1*m3)\r\n7-0:1.8.0(1*kWh)\r\n1.8.0*01(9*kWh)\r\n1.8(1*kWh)\r\n"),
    [],
  );
  assertEquals(values("1.8.0*255(1*kWh)\r\n1.8.0.255(2*kWh)\r\n"), ["import/total=1 kWh"]);
});

Deno.test("heat codes go to the heat layout in the KMP meters' units and names", () => {
  assertEquals(
    values(
      "6.8(0071813*kWh)6.26(01084.58*m3)6.8*01(0059059*kWh)F(0)\r\n" +
        "6.6(0026.3*kW)6.33(000.300*m3ph)9.4(114.9*C&090.8*C)6.31(0032214*h)6.32(0000000*h)\r\n",
    ),
    [
      "heat/energy=71813 kWh",
      "circuit/volume=1084.58 m³",
      "meter/error=0",
      "registers/max-power-year=26.3 kW",
      "registers/max-flow-year=0.300 m³/h",
      "registers/t1-max-year=114.9 °C",
      "registers/t2-max-year=90.8 °C",
      "meter/hours=32214 h",
      "registers/error-hours=0 h",
    ],
  );
  // Energy in a unit heat meters do not use, hours that are no integer, empty groups: nothing.
  assertEquals(values("6.8(1*Wh)6.31(1.5*h)6.26()9.4(1*C)F()\r\n"), ["registers/t1-max-year=1 °C"]);
  assertEquals(values("6-0:6.8(1*GJ)1-0:6.8(2*GJ)\r\n"), ["heat/energy=1 GJ"]);
});

Deno.test("the first value of a property wins", () => {
  assertEquals(values("1.8.0(1*kWh)1-0:1.8.0*255(2*kWh)\r\n"), ["import/total=1 kWh"]);
});

Deno.test("serial number: 96.1 first, then the heat meter's 9.20, then 0.0.0", () => {
  assertEquals(serial("0.0.0(111)\r\n0-0:96.1.255*255(1ESY1)\r\n"), "1ESY1");
  assertEquals(serial("0.0(00010213)9.20(64030874)\r\n"), "64030874");
  assertEquals(serial("C.1.0( 42 )\r\n"), "42");
  assertEquals(serial("0.0( )1-0:0.0.0(7)\r\n"), "7");
  assertEquals(serial("1.8.0(1*kWh)\r\n"), undefined);
});

Deno.test("manufacturer by its id or as sent; model without control characters", () => {
  const info = (line: string) =>
    readoutInfo({ identification: unwrap(parseIdentification(line)), sets: [] });
  assertEquals(info("/LGZ5ZMD120AR"), { manufacturer: "Landis+Gyr", model: "ZMD120AR" });
  assertEquals(info("/ISk5\\2MT382"), { manufacturer: "Iskra", model: "MT382" });
  assertEquals(info("/QQQ5"), { manufacturer: "QQQ" });
  assertEquals(info("/ABC5\x01model\x7f"), { manufacturer: "ABC", model: "model" });
});
