/**
 * A meter type registered in this test alone: the configuration loader
 * accepts its keys, the pipeline runs it and `smr decode` decodes with it,
 * with no file of smr touched. This is what adding a meter type takes.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { runDecode } from "../../src/cli/decode.ts";
import { loadConfig } from "../../src/config/load.ts";
import { integer, rule, text } from "../../src/config/rules.ts";
import { silentLogger } from "../../src/log.ts";
import { captureReading, defineDriver } from "../../src/meters/driver.ts";
import { createMeter, DRIVERS } from "../../src/meters/registry.ts";
import { runPipeline } from "../../src/pipeline.ts";
import { gauge, type Reading } from "../../src/reading.ts";
import { DummySink, readingLine } from "../../src/sinks/dummy.ts";

const LEVEL = gauge("tank", "level", "Tank level", "L");

/** A toy meter: `count` readings of a tank level, as text lines `level=N`. */
const toyDriver = defineDriver({
  type: "toy",
  meters: "a toy tank gauge",
  link: "none",
  name: "Toy tank",
  interval: 1,
  serial: undefined,
  keys: {
    count: rule(integer(1, 10), { default: 2, doc: "readings before the toy stops" }),
    label: rule(text, { required: true, doc: "what the toy is called" }),
  },
  create: (meter, { id }) => ({
    id,
    interval: meter.interval,
    async *events() {
      yield { kind: "identity", info: { manufacturer: "Toys", model: meter.label } };
      for (let i = 1; i <= meter.count; i++) {
        const values = [{ ...LEVEL, value: `${i}` }];
        yield { kind: "reading", reading: { meter: id, time: "2026-12-01T00:00:00Z", values } };
      }
    },
  }),
  decode: (_meter, bytes, { id }) => {
    const lines = new TextDecoder().decode(bytes).split("\n").filter((l) => l !== "");
    const readings = lines.filter((l) => /^level=\d+$/.test(l)).map((l) =>
      captureReading(id, [{ ...LEVEL, value: l.slice(6) }])
    );
    const problems = lines.filter((l) => !/^level=\d+$/.test(l)).map((l) => `not a level: ${l}`);
    return { readings, problems };
  },
});

const drivers = [...DRIVERS, toyDriver];

function configDir(settings: string): string {
  const dir = Deno.makeTempDirSync({ prefix: "smr-toy-" });
  Deno.writeTextFileSync(`${dir}/settings.toml`, settings);
  return dir;
}

Deno.test("toy driver: the loader takes its keys, the pipeline runs it, smr decode decodes with it", async () => {
  const dir = configDir(
    `[tank]\nmeter.type = "toy"\nmeter.label = "Rain barrel"\nsinks = ["dummy"]\n`,
  );
  const config = loadConfig({ env: "tank", configDir: dir, environ: {}, drivers });
  assertEquals({ ...config.meter }, { type: "toy", interval: 1, count: 2, label: "Rain barrel" });
  assertEquals(config.homie.name, "Toy tank");

  const lines: string[] = [];
  const meter = await createMeter(config, silentLogger, drivers);
  await runPipeline({
    meter,
    sinks: [new DummySink((line) => Promise.resolve(void lines.push(line.trim())))],
    signal: new AbortController().signal,
    log: silentLogger,
  });
  assertEquals(lines.map((l) => JSON.parse(l).values["tank/level"]), [
    { value: "1", unit: "L" },
    { value: "2", unit: "L" },
  ]);

  const capture = await Deno.makeTempFile();
  await Deno.writeTextFile(capture, "level=7\nnoise\nlevel=8\n");
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDecode({
    config,
    drivers,
    file: capture,
    format: "raw",
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  assertEquals(code, 0);
  const expected: Reading = captureReading("tank", [{ ...LEVEL, value: "7" }]);
  assertEquals(JSON.parse(out[0]).values, JSON.parse(readingLine(expected)).values);
  assertEquals(out.length, 2);
  assertMatch(err.join("\n"), /not a level: noise/);
});

Deno.test("toy driver: its required key and a key of another type are named", () => {
  const missing = configDir(`[tank]\nmeter.type = "toy"\n`);
  let message = "";
  try {
    loadConfig({ env: "tank", configDir: missing, environ: {}, drivers });
  } catch (error) {
    message = (error as Error).message;
  }
  assertMatch(message, /meter\.label is required for meter\.type "toy"/);
  const foreign = configDir(
    `[tank]\nmeter.type = "toy"\nmeter.label = "x"\nmeter.crc = "optional"\n`,
  );
  try {
    loadConfig({ env: "tank", configDir: foreign, environ: {}, drivers });
  } catch (error) {
    message = (error as Error).message;
  }
  assertMatch(message, /meter\.crc is not a setting of meter\.type "toy"/);
});
