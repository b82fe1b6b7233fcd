/**
 * End-to-end bench: the real daemon as a child process against a socat pty
 * and a Mosquitto of its own, beside the floor: a bare Deno with the same
 * flags that wakes once a second and does nothing else (floor.ts). T210
 * frames (encrypted like a meter, each with a new import counter) are played
 * into the pty; a subscriber (smr's own MQTT client) matches each counter to
 * the frame that carried it.
 *
 * In one run, in this order:
 * 1. idle: one frame per second, `--warmup-seconds` first (V8 optimises the
 *    hot code and its memory reducer collects what start-up left, which
 *    costs CPU once), then `--idle-seconds`; the CPU share of smr and of
 *    the floor over each, their RSS (total and anonymous) at the end, and
 *    their wake-ups (voluntary context switches of all threads);
 * 2. latency: `--latency-frames` frames at `--rate` frames/s; last byte
 *    written → value at the subscriber, p50/p99/max;
 * 3. flood: `--frames` frames back to back; frames/s until the last counter
 *    arrives, every counter counted and its order checked; RSS after it.
 *
 * Then the figures next to the floor and the targets: anonymous RSS ≤ floor
 * + 10 MB, RSS ≤ floor + 15 MB, CPU at 1 frame/s ≤ 0.15 % of one core, p99
 * no worse than before (`--p99-before`, in ms, when known).
 *
 *   deno task bench:e2e [--warmup-seconds 30] [--idle-seconds 60] [--latency-frames 200]
 *                       [--rate 10] [--frames 10000] [--p99-before 2.5]
 */
import { parseArgs } from "node:util";
import { startBroker } from "../e2e/broker.ts";
import { startPty } from "../e2e/pty.ts";
import { SHIPPED_FLAGS, startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import { editTelegram, encryptT210, sharedText } from "../e2e/p1_frames.ts";
import { latin1 } from "../../src/bytes.ts";
import { MqttClient } from "../../src/mqtt/client.ts";

const { values: opts } = parseArgs({
  options: {
    "warmup-seconds": { type: "string", default: "30" },
    "idle-seconds": { type: "string", default: "60" },
    "latency-frames": { type: "string", default: "200" },
    rate: { type: "string", default: "10" },
    frames: { type: "string", default: "10000" },
    "p99-before": { type: "string" },
  },
});
const WARMUP_SECONDS = Number(opts["warmup-seconds"]);
const IDLE_SECONDS = Number(opts["idle-seconds"]);
const LATENCY_FRAMES = Number(opts["latency-frames"]);
const RATE = Number(opts.rate);
const FRAMES = Number(opts.frames);
const P99_BEFORE = opts["p99-before"] === undefined ? undefined : Number(opts["p99-before"]);

/** The targets: MB above the floor, and the CPU share at 1 frame/s in percent of one core. */
const ANON_ABOVE_FLOOR_MB = 10;
const RSS_ABOVE_FLOOR_MB = 15;
const CPU_PERCENT = 0.15;

const KEY = sharedText("t210/steiermark_shrdzm.key").trim();
const PLAIN = sharedText("t210/steiermark_shrdzm.plain.txt");
const TOPIC = "homie/t210-electricity/import/total";
const BASE_WH = 14_000_000;
/** Clock ticks per second of /proc/<pid>/stat. */
const HZ = 100;
const FLOOR = new URL("./floor.ts", import.meta.url).pathname;

let sequence = 0;

/** The next frame: the Steiermark telegram with import total BASE_WH + n Wh. */
async function frame(): Promise<{ n: number; bytes: Uint8Array }> {
  const n = sequence++;
  const telegram = editTelegram(
    PLAIN,
    (body) => body.replace("014159934*Wh", `${String(BASE_WH + n).padStart(9, "0")}*Wh`),
  );
  return { n, bytes: await encryptT210(latin1(telegram), KEY, 0x10000 + n) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

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

/** CPU ticks (user + system) of every thread, the ones that ended included. */
function cpuTicks(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Voluntary context switches of the live threads: how often the process went to sleep. */
function wakeups(pid: number): number {
  let total = 0;
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/status`);
      total += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(text)?.[1] ?? 0);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

/** What a process cost over a stretch of time. */
interface Usage {
  ticks: number;
  wakeups: number;
  seconds: number;
}

function usageSince(pid: number, from: { ticks: number; wakeups: number; at: number }): Usage {
  return {
    ticks: cpuTicks(pid) - from.ticks,
    wakeups: wakeups(pid) - from.wakeups,
    seconds: (performance.now() - from.at) / 1000,
  };
}

function mark(pid: number): { ticks: number; wakeups: number; at: number } {
  return { ticks: cpuTicks(pid), wakeups: wakeups(pid), at: performance.now() };
}

const percent = (u: Usage) => (u.ticks / HZ / u.seconds) * 100;
const mb = (n: number) => `${n.toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const broker = await startBroker();
const pty = await startPty();
const floor = new Deno.Command(Deno.execPath(), {
  args: ["run", ...SHIPPED_FLAGS, "--quiet", FLOOR],
  stdin: "null",
  stdout: "null",
  stderr: "inherit",
}).spawn();
const smr = startSmr({
  args: ["--env", "t210"],
  env: {
    SMR_METER__DEVICE: pty.device,
    SMR_METER__KEY: KEY,
    SMR_METER__INTERVAL: "60",
    SMR_MQTT__URL: broker.url,
    SMR_LOG__LEVEL: "warn",
  },
});
const pid = smr.child.pid;

const arrivals = new Map<number, number>();
const order: number[] = [];
const decoder = new TextDecoder();
const subscriber = await MqttClient.connect({
  url: broker.url,
  clientId: "bench-subscriber",
  onMessage: ({ payload }) => {
    const n = Math.round(Number(decoder.decode(payload)) * 1000) - BASE_WH;
    if (n >= 0 && !arrivals.has(n)) {
      arrivals.set(n, performance.now());
      order.push(n);
    }
  },
});
await subscriber.subscribe(TOPIC, 1);

try {
  const v8 = SHIPPED_FLAGS.find((flag) => flag.startsWith("--v8-flags="));
  console.log(
    `smr pid ${pid}, floor pid ${floor.pid}; ${v8 ?? "no V8 flags"}; Deno ${Deno.version.deno}`,
  );
  const first = await frame();
  await pty.write(first.bytes);
  await waitFor(() => arrivals.has(first.n), "the first value", 30_000);
  await sleep(2000);
  const atStart = memory(pid);
  console.log(
    `RSS after start: ${mb(atStart.rss)} (anon ${mb(atStart.anon)}, file ${mb(atStart.file)})`,
  );

  // 1. Idle: one frame a second, smr and the floor side by side; warm-up, then the window.
  const oneASecond = async (seconds: number) => {
    const smrFrom = mark(pid);
    const floorFrom = mark(floor.pid);
    const start = performance.now();
    for (let i = 0; i < seconds; i++) {
      const { n, bytes } = await frame();
      const wait = start + i * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
      await pty.write(bytes);
      if (i === seconds - 1) await waitFor(() => arrivals.has(n), "the last frame of the second");
    }
    await sleep(Math.max(0, start + seconds * 1000 - performance.now()));
    return { smr: usageSince(pid, smrFrom), floor: usageSince(floor.pid, floorFrom) };
  };
  const perSecond = (u: Usage) => (u.wakeups / u.seconds).toFixed(1);
  const cpu = (u: Usage) => `${percent(u).toFixed(3)} % CPU (${u.ticks} ticks)`;
  if (WARMUP_SECONDS > 0) {
    const warmup = await oneASecond(WARMUP_SECONDS);
    console.log(
      `warm-up, 1 frame/s over ${warmup.smr.seconds.toFixed(0)} s: smr ${cpu(warmup.smr)}, ${
        perSecond(warmup.smr)
      } wake-ups/s; floor ${cpu(warmup.floor)}, ${perSecond(warmup.floor)} wake-ups/s`,
    );
  }
  const { smr: smrIdle, floor: floorIdle } = await oneASecond(IDLE_SECONDS);
  const idle = memory(pid);
  const floorMemory = memory(floor.pid);
  console.log(
    `idle, 1 frame/s over ${smrIdle.seconds.toFixed(0)} s: smr ${cpu(smrIdle)}, ${
      perSecond(smrIdle)
    } wake-ups/s, RSS ${mb(idle.rss)} (anon ${mb(idle.anon)}, file ${mb(idle.file)}); ` +
      `floor ${cpu(floorIdle)}, ${perSecond(floorIdle)} wake-ups/s, RSS ${
        mb(floorMemory.rss)
      } (anon ${mb(floorMemory.anon)}, file ${mb(floorMemory.file)})`,
  );

  // 2. Latency at a steady rate.
  const frames = [];
  for (let i = 0; i < LATENCY_FRAMES; i++) frames.push(await frame());
  const written = new Map<number, number>();
  const period = 1000 / RATE;
  const startAt = performance.now();
  for (const [i, { n, bytes }] of frames.entries()) {
    const wait = startAt + i * period - performance.now();
    if (wait > 0) await sleep(wait);
    await pty.write(bytes);
    written.set(n, performance.now());
  }
  await waitFor(() => [...written.keys()].every((n) => arrivals.has(n)), "latency frames", 30_000);
  const latencies = [...written].map(([n, at]) => arrivals.get(n)! - at).sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(
    `latency at ${RATE} frames/s over ${LATENCY_FRAMES} frames: p50 ${p50.toFixed(2)} ms, ` +
      `p99 ${p99.toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`,
  );

  // 3. Flood: frames back to back, in writes of 64.
  const flood: Uint8Array[] = [];
  const firstN = sequence;
  for (let i = 0; i < FRAMES; i++) flood.push((await frame()).bytes);
  const lastN = firstN + FRAMES - 1;
  const orderFrom = order.length;
  const floodFrom = mark(pid);
  for (let i = 0; i < flood.length; i += 64) {
    const slice = flood.slice(i, i + 64);
    const joined = new Uint8Array(slice.reduce((s, b) => s + b.length, 0));
    let at = 0;
    for (const b of slice) {
      joined.set(b, at);
      at += b.length;
    }
    await pty.write(joined);
  }
  await waitFor(() => arrivals.has(lastN), `frame ${lastN}`, 600_000);
  const floodUsage = usageSince(pid, floodFrom);
  await sleep(500);
  const got = order.slice(orderFrom).filter((n) => n >= firstN && n <= lastN);
  const lost = FRAMES - got.length;
  const reordered = got.some((n, i) => i > 0 && n < got[i - 1]);
  const rate = FRAMES / floodUsage.seconds;
  const afterFlood = memory(pid);
  console.log(
    `flood: ${FRAMES} frames back to back in ${floodUsage.seconds.toFixed(2)} s = ${
      Math.round(rate)
    } frames/s; received ${got.length}, lost ${lost}, reordered ${reordered}; ` +
      `${(floodUsage.ticks / HZ / (FRAMES / 1000)).toFixed(3)} CPU s per 1000 frames; ` +
      `RSS after ${mb(afterFlood.rss)} (anon ${mb(afterFlood.anon)})`,
  );

  const verdict = (ok: boolean) => ok ? "met" : "NOT met";
  const rssLimit = floorMemory.rss + RSS_ABOVE_FLOOR_MB;
  const anonLimit = floorMemory.anon + ANON_ABOVE_FLOOR_MB;
  const rows = [
    ["figure", "smr", "floor", "target", "verdict"],
    [
      `RSS after ${WARMUP_SECONDS + IDLE_SECONDS} s at 1 frame/s`,
      mb(idle.rss),
      mb(floorMemory.rss),
      `≤ ${mb(rssLimit)} (floor + ${RSS_ABOVE_FLOOR_MB})`,
      verdict(idle.rss <= rssLimit),
    ],
    [
      "  of it anonymous",
      mb(idle.anon),
      mb(floorMemory.anon),
      `≤ ${mb(anonLimit)} (floor + ${ANON_ABOVE_FLOOR_MB})`,
      verdict(idle.anon <= anonLimit),
    ],
    [
      `CPU at 1 frame/s, last ${IDLE_SECONDS} s`,
      `${percent(smrIdle).toFixed(3)} %`,
      `${percent(floorIdle).toFixed(3)} %`,
      `≤ ${CPU_PERCENT} %`,
      verdict(percent(smrIdle) <= CPU_PERCENT),
    ],
    [
      "wake-ups at 1 frame/s",
      `${perSecond(smrIdle)}/s`,
      `${perSecond(floorIdle)}/s`,
      "",
      "",
    ],
    [
      `latency p50 / p99 at ${RATE}/s`,
      `${p50.toFixed(2)} / ${p99.toFixed(2)} ms`,
      "",
      P99_BEFORE === undefined ? "p99 ≤ before" : `p99 ≤ ${P99_BEFORE} ms (before)`,
      P99_BEFORE === undefined ? "" : verdict(p99 <= P99_BEFORE),
    ],
    [
      "flood, 0 lost",
      `${Math.round(rate)} frames/s, ${lost} lost`,
      "",
      "0 lost",
      verdict(lost === 0 && !reordered),
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  console.log("");
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join("  "));
} finally {
  await subscriber.disconnect();
  await smr.stop();
  try {
    floor.kill("SIGTERM");
  } catch {
    // already ended
  }
  await floor.status;
  await pty.close();
  await broker.stop();
}
