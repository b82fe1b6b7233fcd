import { assertEquals, assertMatch } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { encryptT210, sharedText } from "../e2e/p1_frames.ts";
import { type Pty, startPty } from "../e2e/pty.ts";
import { runSmr } from "../e2e/smr.ts";
import { freePort } from "../e2e/tools.ts";
import { latin1 } from "../../src/bytes.ts";
import { sharedUrl } from "../shared.ts";

const KEY = sharedText("t210/steiermark_shrdzm.key").trim();
const PLAIN = latin1(sharedText("t210/steiermark_shrdzm.plain.txt"));

/** Plays a T210 frame every 200 ms until stopped; stopping unplugs the pty. */
function playFrames(pty: Pty) {
  let running = true;
  const done = (async () => {
    for (let n = 0; running; n++) {
      try {
        await pty.write(await encryptT210(PLAIN, KEY, n));
      } catch (error) {
        if (running) throw error;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return async () => {
    running = false;
    // Once smr has closed the device, a few seconds of frames fill the pty and
    // the write waits for a reader that never comes: the unplug ends it.
    await pty.stop();
    await done;
  };
}

Deno.test("check: passes on the pty meter with a broker, each step reported", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const stop = playFrames(pty);
  try {
    const { code, stdout } = await runSmr({
      args: ["check", "--env", "t210", "--timeout", "10"],
      env: { SMR_METER__DEVICE: pty.device, SMR_METER__KEY: KEY, SMR_MQTT__URL: broker.url },
    });
    assertEquals(code, 0, stdout);
    const lines = stdout.trim().split("\n");
    assertEquals(lines.map((l) => l.split(":")[0]), [
      "pass  configuration",
      "pass  serial device",
      "pass  reading",
      "pass  broker",
      "check passed",
    ]);
    assertMatch(lines[2], /import\/total = 14159\.934 kWh/);
  } finally {
    await stop();
    await pty.close();
    await broker.stop();
  }
});

Deno.test("check: a wrong device path fails at the serial device step", async () => {
  const broker = await startBroker();
  try {
    const { code, stdout } = await runSmr({
      args: ["check", "--env", "t210", "--timeout", "2"],
      env: { SMR_METER__DEVICE: "/dev/ttyNOPE9", SMR_METER__KEY: KEY, SMR_MQTT__URL: broker.url },
    });
    assertEquals(code, 1);
    assertMatch(stdout, /FAIL {2}serial device: cannot configure \/dev\/ttyNOPE9: .*No such file/);
    assertMatch(stdout, /skip {2}reading: the serial device did not open/);
    assertMatch(stdout, /pass {2}broker/);
    assertMatch(stdout, /check failed: serial device\n$/);
  } finally {
    await broker.stop();
  }
});

Deno.test("check: a broker that is down fails at the broker step; a wrong key fails the reading", async () => {
  const pty = await startPty();
  const stop = playFrames(pty);
  try {
    const { code, stdout } = await runSmr({
      args: ["check", "--env", "t210", "--timeout", "2"],
      env: {
        SMR_METER__DEVICE: pty.device,
        SMR_METER__KEY: "00112233445566778899aabbccddeeff",
        SMR_MQTT__URL: `mqtt://127.0.0.1:${freePort()}`,
      },
    });
    assertEquals(code, 1);
    assertMatch(stdout, /pass {2}serial device/);
    assertMatch(
      stdout,
      /FAIL {2}reading: no valid reading within 2 s: \d+ frames received, rejected: \d+ decryption; last message: decryption failed for meter t210: check meter.key/,
    );
    assertMatch(
      stdout,
      /FAIL {2}broker: mqtt:\/\/127\.0\.0\.1:\d+: Connection refused \(os error 111\)$/m,
    );
    assertMatch(stdout, /check failed: reading, broker\n$/);
  } finally {
    await stop();
    await pty.close();
  }
});

Deno.test("decode: the CLI prints JSON readings from a hex file and explains failures", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/capture.hex`;
  await Deno.copyFile(
    sharedUrl("t210/stream_resync_steiermark.hex"),
    file,
  );
  const ok = await runSmr({
    args: ["decode", "--env", "t210", file],
    env: { SMR_METER__KEY: KEY },
  });
  assertEquals(ok.code, 0, ok.stderr);
  const reading = JSON.parse(ok.stdout.trim());
  assertEquals(reading.values["import/total"], { value: "14159.934", unit: "kWh" });
  assertMatch(ok.stderr, /frame at byte 13: decrypted, but the telegram fails its framing check/);
  assertMatch(ok.stderr, /1 decoded, 1 rejected/);
  const wrong = await runSmr({
    args: ["decode", "--env", "t210", "--format", "hex", file],
    env: { SMR_METER__KEY: "00112233445566778899aabbccddeeff" },
  });
  assertEquals(wrong.code, 1);
  assertEquals(wrong.stdout, "");
  assertMatch(wrong.stderr, /diagnosis: the encryption key does not decrypt the frame/);
  const usage = await runSmr({ args: ["decode", "--env", "t210", "a", "b"] });
  assertEquals(usage.code, 2);
});

Deno.test("check: a port that accepts and closes at once fails the broker step, never hangs", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    const { code, stdout } = await runSmr({
      args: ["check", "--env", "dummy", "--timeout", "2"],
      env: { SMR_SINKS: `["homie"]`, SMR_MQTT__URL: `mqtt://127.0.0.1:${listener.addr.port}` },
    });
    assertEquals(code, 1);
    assertMatch(stdout, /FAIL {2}broker: mqtt:\/\/127\.0\.0\.1:\d+: /);
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
});
