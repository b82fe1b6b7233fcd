/** Kamstrup KMP: GetRegister request encoding and a 10-register reply decode. */
import {
  decodeRegisterResponse,
  encodeGetRegister,
  encodeRegisterResponse,
} from "../../src/meters/kamstrup/register_codec.ts";
import { toValues } from "../../src/meters/kamstrup/values.ts";

const IDS = [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004];
const bytes = encodeRegisterResponse([
  { id: 60, unit: 3, value: "1917.57" },
  { id: 63, unit: 3, value: "0" },
  { id: 68, unit: 40, value: "25614.32" },
  { id: 74, unit: 41, value: "112" },
  { id: 80, unit: 21, value: "3.2" },
  { id: 86, unit: 37, value: "53.65" },
  { id: 87, unit: 37, value: "31.02" },
  { id: 89, unit: 38, value: "22.63" },
  { id: 99, unit: 0, value: "0" },
  { id: 1004, unit: 46, value: "86014" },
]);

Deno.bench({
  name: "encode GetRegister (8 ids)",
  group: "kmp",
  fn() {
    encodeGetRegister(IDS.slice(0, 8));
  },
});

Deno.bench({
  name: `decode 10-register reply (${bytes.length} B)`,
  group: "kmp",
  baseline: true,
  fn() {
    const registers = decodeRegisterResponse(bytes, { ids: IDS });
    if (!registers.ok || registers.value.length !== 10) throw new Error("decode failed");
  },
});

Deno.bench({
  name: "decode 10-register reply + Homie values",
  group: "kmp",
  fn() {
    const registers = decodeRegisterResponse(bytes, { ids: IDS });
    if (registers.ok) toValues(registers.value);
  },
});
