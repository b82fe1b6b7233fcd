/**
 * End-to-end bench: the real daemon as a child process against a socat pty
 * and a Mosquitto of its own. T210 frames (encrypted like a meter, each with
 * a new import counter) are played into the pty; a subscriber matches each
 * counter to the frame that carried it.
 *
 * Prints: latency (last byte written → value at a subscriber) p50/p99/max
 * at a steady rate, the throughput ceiling with frames counted (none lost,
 * none reordered), RSS after start, after 10k and 100k frames, CPU seconds
 * per 1000 frames, and CPU at 1 frame/s.
 *
 *   deno task bench:e2e [--latency-frames 1000] [--rate 10] [--frames 100000] [--idle-seconds 30]
 */
import { parseArgs } from "node:util";
import mqtt from "mqtt";
import { startBroker } from "../e2e/broker.ts";
import { startPty } from "../e2e/pty.ts";
import { SHIPPED_FLAGS, startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import { editTelegram, encryptT210, sharedText } from "../e2e/p1_frames.ts";
import { latin1 } from "../../src/bytes.ts";

const { values: opts } = parseArgs({
  options: {
    "latency-frames": { type: "string", default: "1000" },
    rate: { type: "string", default: "10" },
    frames: { type: "string", default: "100000" },
    "idle-seconds": { type: "string", default: "30" },
  },
});
const LATENCY_FRAMES = Number(opts["latency-frames"]);
const RATE = Number(opts.rate);
const FRAMES = Number(opts.frames);
const IDLE_SECONDS = Number(opts["idle-seconds"]);

const KEY = sharedText("t210/steiermark_shrdzm.key").trim();
const PLAIN = sharedText("t210/steiermark_shrdzm.plain.txt");
const TOPIC = "homie/t210-electricity/import/total";
const BASE_WH = 14_000_000;

/** The production V8 flags, as the compile task embeds them. */
const V8_FLAGS = SHIPPED_FLAGS.find((flag) => flag.startsWith("--v8-flags="));

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

function status(pid: number): { rss: number; anon: number; file: number } {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024 };
}

function cpuSeconds(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

const mb = (n: number) => `${n.toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const broker = await startBroker();
const pty = await startPty();
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
const subscriber = mqtt.connect(broker.url, { clientId: "bench-subscriber" });
subscriber.on("message", (_topic, payload) => {
  const n = Math.round(Number(payload.toString()) * 1000) - BASE_WH;
  if (n >= 0 && !arrivals.has(n)) {
    arrivals.set(n, performance.now());
    order.push(n);
  }
});
await waitFor(() => subscriber.connected, "subscriber");
await new Promise((resolve) => subscriber.subscribe(TOPIC, { qos: 1 }, resolve));

try {
  console.log(`smr pid ${pid}, ${V8_FLAGS ?? "no V8 flags"}; Deno ${Deno.version.deno}`);
  const first = await frame();
  await pty.write(first.bytes);
  await waitFor(() => arrivals.has(first.n), "the first value", 20_000);
  await sleep(1000);
  const atStart = status(pid);
  console.log(
    `RSS after start: ${mb(atStart.rss)} (anon ${mb(atStart.anon)}, file ${mb(atStart.file)})`,
  );

  const latencies: number[] = [];
  const written = new Map<number, number>();
  const period = 1000 / RATE;
  const startAt = performance.now();
  for (let i = 0; i < LATENCY_FRAMES; i++) {
    const { n, bytes } = await frame();
    const due = startAt + i * period;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await pty.write(bytes);
    written.set(n, performance.now());
  }
  await waitFor(() => [...written.keys()].every((n) => arrivals.has(n)), "latency frames", 30_000);
  for (const [n, at] of written) latencies.push(arrivals.get(n)! - at);
  latencies.sort((a, b) => a - b);
  console.log(
    `latency at ${RATE} frames/s over ${LATENCY_FRAMES} frames: p50 ${
      percentile(latencies, 50).toFixed(2)
    } ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`,
  );

  const measureBurst = async (count: number) => {
    const frames: Uint8Array[] = [];
    let firstN = -1;
    for (let i = 0; i < count; i++) {
      const f = await frame();
      if (firstN < 0) firstN = f.n;
      frames.push(f.bytes);
    }
    const lastN = firstN + count - 1;
    const orderFrom = order.length;
    const cpuBefore = cpuSeconds(pid);
    const t0 = performance.now();
    const batch = 64;
    for (let i = 0; i < frames.length; i += batch) {
      const slice = frames.slice(i, i + batch);
      const joined = new Uint8Array(slice.reduce((s, b) => s + b.length, 0));
      let at = 0;
      for (const b of slice) {
        joined.set(b, at);
        at += b.length;
      }
      await pty.write(joined);
    }
    await waitFor(() => arrivals.has(lastN), `frame ${lastN}`, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpuBefore;
    await sleep(300);
    const got = order.slice(orderFrom).filter((n) => n >= firstN && n <= lastN);
    const reordered = got.some((n, i) => i > 0 && n < got[i - 1]);
    return { count, seconds, cpu, received: got.length, lost: count - got.length, reordered };
  };

  const burst1 = await measureBurst(10_000);
  const after10k = status(pid);
  console.log(
    `throughput: ${burst1.count} frames back to back in ${burst1.seconds.toFixed(2)} s = ${
      Math.round(burst1.count / burst1.seconds)
    } frames/s; received ${burst1.received}, lost ${burst1.lost}, reordered ${burst1.reordered}`,
  );
  console.log(`CPU: ${(burst1.cpu / (burst1.count / 1000)).toFixed(3)} s per 1000 frames`);
  console.log(`RSS after 10k frames: ${mb(after10k.rss)} (anon ${mb(after10k.anon)})`);

  let total = 10_000;
  let lost = burst1.lost;
  let reordered = burst1.reordered;
  while (total < FRAMES) {
    const count = Math.min(10_000, FRAMES - total);
    const burst = await measureBurst(count);
    total += count;
    lost += burst.lost;
    reordered ||= burst.reordered;
  }
  const after100k = status(pid);
  console.log(
    `RSS after ${total} frames: ${mb(after100k.rss)} (anon ${mb(after100k.anon)}); ` +
      `growth from 10k: ${mb(after100k.rss - after10k.rss)}; lost ${lost}, reordered ${reordered}`,
  );

  if (IDLE_SECONDS > 0) {
    const cpuBefore = cpuSeconds(pid);
    const t0 = performance.now();
    for (let i = 0; i < IDLE_SECONDS; i++) {
      await pty.write((await frame()).bytes);
      await sleep(1000);
    }
    const share = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - t0) / 1000);
    console.log(
      `CPU at 1 frame/s over ${IDLE_SECONDS} s: ${(share * 100).toFixed(2)} % of one core`,
    );
  }
} finally {
  await subscriber.endAsync(true);
  await smr.stop();
  await pty.close();
  await broker.stop();
}
