import { assertEquals, assertOk } from "./assert.ts";
import { DRIVERS } from "../src/meters/registry.ts";
import { keyDocs } from "../src/config/schema.ts";

const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));

Deno.test("readme: the configuration reference lists every key with its environment variable", () => {
  for (const { key } of keyDocs()) {
    const variable = "SMR_" + key.toUpperCase().replaceAll(".", "__");
    const row = new RegExp(`^\\|\\s*\`${key.replaceAll(".", "\\.")}\`\\s*\\|`, "m");
    assertOk(row.test(README), `README lacks ${key}`);
    assertOk(README.includes(`\`${variable}\``), `README lacks ${variable}`);
  }
});

Deno.test("readme: the table of meter types has one row per driver of the registry, as it says", () => {
  const section = README.slice(README.indexOf("## Supported meters"));
  const body = section.slice(0, section.indexOf("\n## "));
  const rows = [...body.matchAll(/^\| `([a-z0-9]+)`\s*\| (.+?)\s*\| (.+?)\s*\|$/gm)];
  const table = new Map(rows.map(([, type, meters, link]) => [type, { meters, link }]));
  for (const driver of DRIVERS) {
    assertEquals(table.get(driver.type), { meters: driver.meters, link: driver.link }, driver.type);
  }
  assertEquals([...table.keys()].sort(), DRIVERS.map((d) => d.type).sort());
});
