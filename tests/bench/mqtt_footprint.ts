/**
 * What an MQTT client costs an idle smr: RSS (anonymous and file-backed)
 * after `--idle-seconds` connected and idle, then the CPU share at one
 * reading per second (`--messages` retained QoS 1 publishes each second)
 * over `--cpu-seconds`, and RSS after that. Each client runs alone in a
 * child process with the production V8 flags, one after the other, against
 * a private Mosquitto:
 *
 * - `bare`: Deno with a 1 s timer and no connection, the floor;
 * - `own`: smr's client, src/mqtt/client.ts.
 *
 * mqtt.js, which smr used before its own client, was measured here too, as
 * smr used it and used narrowly; its figures are in README.md.
 *
 * Run: deno run --allow-all tests/bench/mqtt_footprint.ts [--idle-seconds 20]
 *      [--cpu-seconds 60] [--messages 10] [--variants bare,own]
 */
import { startBroker } from "../e2e/broker.ts";

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < Deno.args.length ? Deno.args[at + 1] : fallback;
}

const IDLE_SECONDS = Number(option("idle-seconds", "20"));
const CPU_SECONDS = Number(option("cpu-seconds", "60"));
const MESSAGES = Number(option("messages", "10"));
const VARIANTS = option("variants", "bare,own").split(",");
const SHIPPED_FLAGS = Deno.readTextFileSync(new URL("../../etc/smr.flags", import.meta.url))
  .split(/\s+/);
const V8_FLAGS = SHIPPED_FLAGS.find((flag) => flag.startsWith("--v8-flags="))!;
const CHILD = new URL("./mqtt_footprint_child.ts", import.meta.url).pathname;
/** Clock ticks per second of /proc/<pid>/stat. */
const HZ = 100;

interface Memory {
  rss: number;
  anon: number;
  file: number;
}

function memory(pid: number): Memory {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024 };
}

function cpuTicks(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Figures {
  variant: string;
  idle: Memory;
  cpuPercent: number;
  ticks: number;
  loaded: Memory;
}

async function measure(variant: string, url: string): Promise<Figures> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", V8_FLAGS, CHILD, variant, url, String(MESSAGES)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("ready")) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`${variant}: exited before it was ready`);
    seen += value;
  }
  const stdin = child.stdin.getWriter();
  try {
    await sleep(IDLE_SECONDS * 1000);
    const idle = memory(child.pid);
    await stdin.write(new TextEncoder().encode("publish\n"));
    await sleep(2000);
    const before = cpuTicks(child.pid);
    await sleep(CPU_SECONDS * 1000);
    const ticks = cpuTicks(child.pid) - before;
    const loaded = memory(child.pid);
    return { variant, idle, ticks, cpuPercent: (100 * ticks) / (HZ * CPU_SECONDS), loaded };
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await lines.cancel().catch(() => {});
  }
}

const broker = await startBroker();
const mb = (n: number) => n.toFixed(1).padStart(5);
try {
  console.log(
    `Deno ${Deno.version.deno}, ${V8_FLAGS}; idle ${IDLE_SECONDS} s, then ${MESSAGES} ` +
      `QoS 1 publishes per second for ${CPU_SECONDS} s`,
  );
  console.log(
    "| client | idle RSS MB | idle anon MB | idle file MB | CPU % at 1 Hz (ticks) | RSS MB after | anon MB after |",
  );
  console.log("| --- | --: | --: | --: | --: | --: | --: |");
  for (const variant of VARIANTS) {
    const f = await measure(variant, broker.url);
    console.log(
      `| ${f.variant} | ${mb(f.idle.rss)} | ${mb(f.idle.anon)} | ${mb(f.idle.file)} | ` +
        `${f.cpuPercent.toFixed(2)} (${f.ticks}) | ${mb(f.loaded.rss)} | ${mb(f.loaded.anon)} |`,
    );
  }
} finally {
  await broker.stop();
}
