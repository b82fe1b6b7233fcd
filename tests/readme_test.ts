import { assertOk } from "./assert.ts";
import { KEYS } from "../src/config/schema.ts";

const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));

Deno.test("readme: the configuration reference lists every key with its environment variable", () => {
  for (const { key } of KEYS) {
    const variable = "SMR_" + key.toUpperCase().replaceAll(".", "__");
    const row = new RegExp(`^\\|\\s*\`${key.replaceAll(".", "\\.")}\`\\s*\\|`, "m");
    assertOk(row.test(README), `README lacks ${key}`);
    assertOk(README.includes(`\`${variable}\``), `README lacks ${variable}`);
  }
});
