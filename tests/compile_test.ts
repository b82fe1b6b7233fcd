import { assertEquals, assertMatch, assertOk } from "./assert.ts";
import denoJson from "../deno.json" with { type: "json" };
import { SHIPPED_FLAGS } from "./e2e/smr.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FLAGS_FILE = "$(cat etc/smr.flags)";

/** One module of `deno info --json`: its kind and its imports, static or `import()`. */
interface GraphModule {
  specifier: string;
  kind?: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean; npmPackage?: string }[];
}

/** The module graph of `src/main.ts`, which `deno compile` builds the binary from. */
async function moduleGraph(): Promise<{ modules: GraphModule[] }> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "src/main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(info.code, 0, new TextDecoder().decode(info.stderr));
  return JSON.parse(new TextDecoder().decode(info.stdout));
}

Deno.test("compile: the binary, the start and smr tasks and the tests share the flags of etc/smr.flags", () => {
  // Opening a serial device under /dev needs every permission since Deno
  // 1.43; the sandbox is the systemd unit's, so the binary gets them all.
  // The datagram socket to systemd (Deno.listenDatagram) needs --unstable-net.
  // The rest trade speed nobody needs for memory (tests/bench/README.md): no
  // code cache file, heap limits, and no optimising compilers (smr decodes a
  // frame a second; interpreted and baseline code does that in well under a
  // millisecond).
  assertEquals(SHIPPED_FLAGS, [
    "--allow-all",
    "--unstable-net",
    "--no-code-cache",
    "--v8-flags=--max-semi-space-size=1,--max-old-space-size=32,--no-opt,--no-maglev",
  ]);
  for (const name of ["compile", "start", "smr"] as const) {
    const task = denoJson.tasks[name];
    assertOk(task.includes(FLAGS_FILE), `${name} task reads etc/smr.flags`);
    assertOk(
      !/--allow-|--unstable-|--v8-flags|\s-A\s/.test(task),
      `${name} task states no flags of its own`,
    );
  }
});

Deno.test("compile: the compile task targets aarch64 and builds the whole graph", async () => {
  const task = denoJson.tasks.compile;
  assertMatch(task, /--target aarch64-unknown-linux-gnu/);
  assertMatch(task, /--output dist\/smr-aarch64/);
  const out = await Deno.makeTempDir({ prefix: "smr-compile-" });
  // The task type-checks first, then compiles without checking: the V8 flags
  // meant for smr also bind the compiling process, too tight for tsc.
  assertMatch(task, /^deno check src\/main.ts && deno compile --no-check /);
  const compile = task.slice(task.indexOf("deno compile")).replace(
    FLAGS_FILE,
    SHIPPED_FLAGS.join(" "),
  );
  const args = compile.split(/\s+/).slice(1).map((a) =>
    a === "dist/smr-aarch64" ? `${out}/smr` : a
  );
  // This machine cannot download denort for aarch64: DENORT_BIN set to the
  // deno binary itself makes deno compile build and embed the module graph.
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { DENORT_BIN: Deno.execPath(), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(result.stderr) + new TextDecoder().decode(result.stdout);
  assertEquals(result.code, 0, log);
  // The embedded files hold src/mqtt/ and no npm MQTT client.
  assertMatch(log, /── mqtt\/\*? /);
  assertOk(!/\bmqtt\/\d+\.\d+\.\d+/.test(log), `an npm mqtt package is embedded:\n${log}`);
  assertOk(!/node_modules|smol-toml/.test(log), `an npm package is embedded:\n${log}`);
  assertOk(Deno.statSync(`${out}/smr`).size > 1_000_000);
  await Deno.remove(out, { recursive: true });
  // The module graph the binary was built from: smr's own MQTT client, TOML
  // parser and AES, and no npm package or node: module (either brings up
  // Node's compatibility layer, several MB on the board).
  const graph = await moduleGraph();
  const modules = graph.modules.map((m) => m.specifier);
  for (const file of ["src/mqtt/client.ts", "src/mqtt/packets.ts", "src/config/toml.ts"]) {
    assertOk(modules.includes(new URL(file, `file://${ROOT}`).href), `${file} not in the graph`);
  }
  // Not graph.npmPackages: it lists the lockfile's packages, and a test uses one.
  const foreign = graph.modules.filter((m) =>
    m.kind === "npm" || m.kind === "node" || /^(npm|node):/.test(m.specifier) ||
    m.dependencies?.some((d) => d.npmPackage)
  );
  assertEquals(foreign.map((m) => m.specifier), [], "no npm package and no node: module");
});

Deno.test("compile: smr starts with no meter's code and no command but the daemon; import() brings them, and the binary holds them", async () => {
  const { modules } = await moduleGraph();
  const byName = new Map(modules.map((m) => [m.specifier.replace(`file://${ROOT}`, ""), m]));
  const name = (specifier: string) => specifier.replace(`file://${ROOT}`, "");
  // What loads before main() runs: the static imports of src/main.ts, transitively.
  const atStart = new Set<string>();
  const next = ["src/main.ts"];
  for (let file = next.pop(); file !== undefined; file = next.pop()) {
    if (atStart.has(file)) continue;
    atStart.add(file);
    for (const dep of byName.get(file)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) next.push(name(dep.code.specifier));
    }
  }
  const inGraph = (pattern: RegExp) => [...byName.keys()].filter((f) => pattern.test(f));
  const meterCode = inGraph(/^src\/meters\/[a-z0-9]+\/meter\.ts$/);
  const declarations = inGraph(/^src\/meters\/[a-z0-9]+\/driver\.ts$/);
  assertEquals(
    meterCode.map((f) => f.replace("meter.ts", "")),
    declarations.map((f) => f.replace("driver.ts", "")),
    "every driver's meter.ts is in the graph",
  );
  for (
    const file of [
      ...meterCode,
      "src/serial/port.ts",
      "src/meters/stream_meter.ts",
      "src/meters/polled_meter.ts",
      "src/meters/glo_cipher.ts",
      "src/meters/aes.ts",
      "src/cli/check.ts",
      "src/cli/decode.ts",
      "src/cli/purge.ts",
    ]
  ) {
    assertOk(byName.has(file), `${file} is in the graph (deno compile embeds it)`);
    assertOk(!atStart.has(file), `${file} loads at start`);
  }
  // Of a driver's folder, only its declaration loads at start, and the small
  // pure helpers its declaration needs.
  const helpers = ["src/meters/d0/identification.ts"];
  const driverCode = [...atStart].filter((f) =>
    /^src\/meters\/[a-z0-9]+\//.test(f) && !f.endsWith("/driver.ts") && !helpers.includes(f)
  );
  assertEquals(driverCode, [], "driver code that loads at start");
  // Every driver's declaration loads (the configuration is checked against all of them).
  for (const file of declarations) {
    assertOk(atStart.has(file), `${file} does not load at start`);
  }
});
