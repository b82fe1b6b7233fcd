import { assertEquals, unwrap } from "../../assert.ts";
import { concat } from "../../../src/bytes.ts";
import { parseNotification } from "../../../src/meters/dlms/notification.ts";
import { type PositionalRegister, pushValues } from "../../../src/meters/dlms/payload.ts";
import { ax, dateTime, notification } from "./build.ts";

const WH = 30;
const W = 27;
const V = 35;
const A = 33;
const NONE = 255;

function push(body: Uint8Array, time?: Uint8Array, positions?: PositionalRegister[]) {
  return pushValues(unwrap(parseNotification(notification(7, body, time))), positions);
}

function homie(values: { node: string; property: string; value: string }[]) {
  return Object.fromEntries(values.map((v) => [`${v.node}/${v.property}`, v.value]));
}

Deno.test("nested layout: one structure per register, with and without scaler-unit", () => {
  const body = ax.structure(
    ax.structure(ax.obis(0, 0, 1, 0, 0), ax.octets(dateTime(2024, 1, 2, 3, 4, 5))),
    ax.structure(ax.obis(0, 0, 96, 1, 0), ax.text("1KFM0100000035")),
    ax.structure(ax.obis(1, 0, 1, 8, 0), ax.u32(123456789), ax.scalerUnit(0, WH)),
    ax.structure(ax.obis(1, 0, 31, 7, 0), ax.u16(1234), ax.scalerUnit(-2, A)),
    ax.structure(ax.obis(1, 0, 2, 7, 0), ax.u32(15), ax.scalerUnit(3, W)),
  );
  const result = push(body);
  assertEquals(result.serial, "1KFM0100000035");
  assertEquals(result.meterTime, "2024-01-02T03:04:05+01:00");
  assertEquals(result.registers, [
    { obis: "0-0:1.0.0*255", value: "2024-01-02T03:04:05+01:00" },
    { obis: "0-0:96.1.0*255", value: "1KFM0100000035" },
    { obis: "1-0:1.8.0*255", value: "123456789", unit: "Wh" },
    { obis: "1-0:31.7.0*255", value: "12.34", unit: "A" },
    { obis: "1-0:2.7.0*255", value: "15000", unit: "W" },
  ]);
  assertEquals(homie(result.values), {
    "meter/timestamp": "2024-01-02T03:04:05+01:00",
    "import/total": "123456.789",
    "power/export": "15000",
    "l1/current": "12.34",
  });
});

Deno.test("flat layout: code, value and scaler-unit in a row; date-time and meter number outside", () => {
  const body = ax.structure(
    ax.octets(dateTime(2021, 9, 27, 9, 47, 15, -120, 0x80)),
    ax.obis(1, 0, 1, 8, 0),
    ax.u32(12937),
    ax.scalerUnit(0, WH),
    ax.obis(1, 0, 32, 7, 0),
    ax.u16(2337),
    ax.scalerUnit(-1, V),
    ax.obis(1, 0, 13, 7, 0),
    ax.i16(-991),
    ax.scalerUnit(-3, NONE),
    ax.text("181220000009"),
  );
  const result = push(body);
  assertEquals(result.serial, "181220000009");
  assertEquals(result.meterTime, "2021-09-27T09:47:15+02:00");
  assertEquals(homie(result.values), {
    "meter/timestamp": "2021-09-27T09:47:15+02:00",
    "import/total": "12.937",
    "power/factor": "-0.991",
    "l1/voltage": "233.7",
  });
});

Deno.test("flat pairs without scaler-unit: energy and power get their implied unit, others none", () => {
  const body = ax.structure(
    ax.obis(1, 0, 1, 8, 1),
    ax.u32(6773905),
    ax.obis(1, 0, 1, 7, 0),
    ax.u32(1565),
    ax.obis(1, 0, 3, 8, 0),
    ax.u32(5000),
    ax.obis(1, 0, 32, 7, 0),
    ax.u16(2301),
  );
  const result = push(body);
  assertEquals(result.registers, [
    { obis: "1-0:1.8.1*255", value: "6773905", unit: "Wh" },
    { obis: "1-0:1.7.0*255", value: "1565", unit: "W" },
    { obis: "1-0:3.8.0*255", value: "5000", unit: "varh" },
    { obis: "1-0:32.7.0*255", value: "2301" },
  ]);
  assertEquals(homie(result.values), {
    "import/t1": "6773.905",
    "power/import": "1565",
    "reactive/import-energy": "5.000",
  });
});

Deno.test("64-bit, float and signed values stay exact", () => {
  const body = ax.structure(
    ax.structure(ax.obis(1, 0, 1, 8, 0), ax.u64(18446744073709551615n), ax.scalerUnit(-3, WH)),
    ax.structure(ax.obis(1, 0, 2, 8, 0), ax.i64(-9007199254740993n), ax.scalerUnit(0, WH)),
    ax.structure(ax.obis(1, 0, 32, 7, 0), ax.f32(230.1), ax.scalerUnit(0, V)),
    ax.structure(ax.obis(1, 0, 52, 7, 0), ax.f64(1e-7), ax.scalerUnit(0, V)),
    ax.structure(ax.obis(1, 0, 16, 7, 0), ax.i32(-1500), ax.scalerUnit(0, W)),
  );
  const result = push(body);
  assertEquals(result.registers.map((r) => r.value), [
    "18446744073709551.615",
    "-9007199254740993",
    "230.1",
    "0.0000001",
    "-1500",
  ]);
  const values = homie(result.values);
  assertEquals(values["import/total"], "18446744073709.551615");
  assertEquals(values["power/import"], "0");
  assertEquals(values["power/export"], "1500");
  assertEquals(values["l1/voltage"], "230.1");
});

Deno.test("the clock: 0-0:1.0.0 first, then the notification's date-time, then a loose one", () => {
  const header = dateTime(2020, 5, 5, 5, 5, 5, -120);
  const register = ax.structure(ax.obis(0, 0, 1, 0, 0), ax.octets(dateTime(2020, 6, 6, 6, 6, 6)));
  const loose = ax.octets(dateTime(2020, 7, 7, 7, 7, 7));
  assertEquals(push(ax.structure(loose, register), header).meterTime, "2020-06-06T06:06:06+01:00");
  assertEquals(push(ax.structure(loose), header).meterTime, "2020-05-05T05:05:05+02:00");
  assertEquals(push(ax.structure(loose)).meterTime, "2020-07-07T07:07:07+01:00");
  const unspecified = dateTime(2020, 7, 7, 7, 7, 7);
  unspecified[0] = unspecified[1] = 0xff;
  const none = push(ax.structure(ax.octets(unspecified)));
  assertEquals([none.meterTime, none.values], [undefined, []]);
});

Deno.test("the meter id: 96.1.1 before 96.1.0 before a loose printable string", () => {
  const loose = ax.text("LOOSE-ID");
  const id0 = ax.structure(ax.obis(0, 0, 96, 1, 0), ax.text("ID-ZERO"));
  const id1 = ax.structure(ax.obis(0, 0, 96, 1, 1), ax.visible("ID-ONE "));
  assertEquals(push(ax.structure(loose, id0, id1)).serial, "ID-ONE");
  assertEquals(push(ax.structure(loose, id0)).serial, "ID-ZERO");
  assertEquals(push(ax.structure(loose)).serial, "LOOSE-ID");
  assertEquals(push(ax.structure(ax.text("ab"), ax.octets([1, 2, 3, 4]))).serial, undefined);
});

Deno.test("positional layout: a table names the bare values", () => {
  const body = ax.structure(
    ax.u16(236),
    ax.u16(26),
    ax.u32(29),
    ax.u32(31358606),
    ax.text("30137181"),
  );
  const positions: PositionalRegister[] = [
    { index: 0, obis: [1, 0, 32, 7, 0, 255], scaler: 0, unit: V },
    { index: 1, obis: [1, 0, 31, 7, 0, 255], scaler: -2, unit: A },
    { index: 2, obis: [1, 0, 1, 7, 0, 255], scaler: 0, unit: W },
    { index: 3, obis: [1, 0, 1, 8, 0, 255], scaler: 0, unit: WH },
    { index: 9, obis: [1, 0, 2, 8, 0, 255], scaler: 0, unit: WH },
  ];
  const without = push(body);
  assertEquals([without.registers, without.serial], [[], "30137181"]);
  assertEquals(homie(push(body, undefined, positions).values), {
    "import/total": "31358.606",
    "power/import": "29",
    "l1/voltage": "236",
    "l1/current": "0.26",
  });
});

Deno.test("units the table does not know, unknown codes and odd shapes give no value, not an error", () => {
  const body = ax.structure(
    ax.structure(ax.obis(1, 0, 1, 8, 0), ax.u32(5), ax.scalerUnit(0, 200)),
    ax.structure(ax.obis(1, 0, 99, 9, 9), ax.u32(5), ax.scalerUnit(0, WH)),
    ax.structure(ax.obis(1, 0, 1, 7, 0), ax.structure(ax.u8(1))),
    ax.structure(ax.obis(1, 0, 2, 7, 0), ax.boolean(true), ax.scalerUnit(0, W)),
    ax.array(ax.structure(ax.obis(1, 0, 2, 8, 0), ax.u32(7), ax.scalerUnit(0, WH))),
    ax.null(),
  );
  const result = push(body);
  assertEquals(result.registers, [
    { obis: "1-0:1.8.0*255", value: "5" },
    { obis: "1-0:99.9.9*255", value: "5", unit: "Wh" },
    { obis: "1-0:2.8.0*255", value: "7", unit: "Wh" },
  ]);
  assertEquals(homie(result.values), { "export/total": "0.007" });
  assertEquals(push(ax.u32(5)).registers, []);
  assertEquals(push(concat(ax.structure())).values, []);
});
