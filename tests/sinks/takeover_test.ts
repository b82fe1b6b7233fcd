import { assertEquals, assertMatch, assertOk, assertThrows } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { capture, retainedSnapshot } from "../e2e/capture.ts";
import { type SmrProcess, startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import { EX_DEVICE_TAKEN, TakeoverDetector } from "../../src/sinks/takeover.ts";

Deno.test("takeover: five short sessions in a row trip; a long one or another end starts over", () => {
  const detector = new TakeoverDetector({ shortMs: 10_000, limit: 5 });
  let now = 0;
  const session = (lengthMs: number, end: "silent" | "other" = "silent") => {
    detector.connected(now);
    now += lengthMs;
    const tripped = detector.closed(now, end);
    now += 1000;
    return tripped;
  };
  assertEquals([1, 2, 3, 4].map(() => session(1500)), [false, false, false, false]);
  assertEquals(detector.count, 4);
  assertEquals(session(10_000), false, "a session of 10 s is not short");
  assertEquals(detector.count, 0);
  assertEquals([1, 2, 3, 4].map(() => session(900)), [false, false, false, false]);
  assertEquals(session(200, "other"), false, "an end for another reason is no takeover");
  assertEquals(detector.count, 0);
  assertEquals([1, 2, 3, 4, 5].map(() => session(2000)), [false, false, false, false, true]);
});

Deno.test("takeover: a failed attempt between sessions starts over; bad options throw", () => {
  const detector = new TakeoverDetector({ limit: 2 });
  assertEquals(detector.closed(0, "silent"), false, "a close without a session");
  detector.connected(100);
  assertEquals(detector.closed(200, "silent"), false);
  assertEquals(detector.count, 1);
  assertEquals(detector.closed(300, "silent"), false, "a failed attempt: the broker was away");
  assertEquals(detector.count, 0);
  detector.connected(400);
  assertEquals(detector.closed(500, "silent"), false);
  detector.connected(600);
  assertEquals(detector.closed(700, "silent"), true);
  assertThrows(() => new TakeoverDetector({ limit: 0 }));
  assertThrows(() => new TakeoverDetector({ shortMs: -1 }));
});

const BASE = "homie/dummy";

function env(url: string): Record<string, string> {
  return { SMR_SINKS: '["homie"]', SMR_MQTT__URL: url, SMR_METER__INTERVAL: "0.5" };
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

Deno.test("takeover: of two smr with one device id, one stays and the other stops with exit 73", async () => {
  const broker = await startBroker();
  const cap = await capture(broker.url, `${BASE}/#`);
  const first = startSmr({ args: ["--env", "dummy"], env: env(broker.url) });
  let second: SmrProcess | undefined;
  try {
    await cap.waitFor(`${BASE}/$state`, "ready", 30_000);
    second = startSmr({ args: ["--env", "dummy"], env: env(broker.url) });
    const both = [first, second];
    // Five drops in a row each take about ten seconds here; two minutes leave
    // room for an emulated machine.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = await Promise.race([
      ...both.map((smr, i) => smr.status.then(() => i)),
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), 120_000)),
    ]);
    clearTimeout(timer);
    assertOk(stopped !== undefined, "neither smr stopped within two minutes");
    const loser = both[stopped];
    const winner = both[1 - stopped];
    assertEquals((await loser.status).code, EX_DEVICE_TAKEN, loser.stderr());
    assertMatch(
      loser.stderr(),
      /ERROR +dummy: another smr publishes as device dummy on mqtt:\/\/127\.0\.0\.1:\d+: stop it or set homie\.device_id/,
    );
    // The one that stays publishes on, undisturbed.
    const from = cap.messages.length;
    const lost = count(winner.stderr(), "lost; retrying");
    await cap.waitFor(`${BASE}/l1/voltage`, undefined, 20_000, from);
    const next = cap.messages.length;
    await cap.waitFor(`${BASE}/l1/voltage`, undefined, 20_000, next);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assertEquals(count(winner.stderr(), "lost; retrying"), lost, winner.stderr());
    const retained = await retainedSnapshot(broker.url, `${BASE}/$state`);
    assertEquals(retained.get(`${BASE}/$state`), "ready");
    assertEquals(await winner.stop(), 0);
    await waitFor(() => cap.last(`${BASE}/$state`) === "disconnected", "the winner's disconnected");
  } finally {
    await first.stop("SIGKILL");
    await second?.stop("SIGKILL");
    await cap.close();
    await broker.stop();
  }
});
