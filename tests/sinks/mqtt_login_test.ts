import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { startBroker, writePasswordFile } from "../e2e/broker.ts";
import { capture } from "../e2e/capture.ts";
import { runSmr, startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import type { Logger } from "../../src/log.ts";
import { closeConnection, connectWithBackoff } from "../../src/sinks/mqtt_connection.ts";

const BASE = "homie/dummy";
const PASSWORD = "s3cret-Pa55word";

/** A folder the broker can read after it dropped root. */
async function brokerDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "smr-login-" });
  await Deno.chmod(dir, 0o755);
  return dir;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** A logger that keeps every line with its level. */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

Deno.test("mqtt login: a refused login is logged once and retried until the broker accepts it", async () => {
  const passwords = `${await brokerDir()}/passwords`;
  await writePasswordFile(passwords, { someone: "else" });
  const broker = await startBroker({ passwordFile: passwords });
  const log = recorder();
  let connects = 0;
  const client = connectWithBackoff({
    url: broker.url,
    username: "smr",
    password: PASSWORD,
    clientId: "smr-login-test",
    label: "test",
    log,
    minBackoffMs: 50,
    maxRefusedBackoffMs: 200,
    onConnect: () => connects++,
  });
  try {
    await waitFor(
      () => count(broker.log(), "disconnected, not authorised") >= 5,
      "five refused logins",
      30_000,
    );
    assertEquals(log.lines.filter((line) => line.startsWith("warn")), [
      `warn test: broker ${broker.url} refused the login (not authorized): ` +
      "check mqtt.username and mqtt.password; retrying with backoff",
    ]);
    await writePasswordFile(passwords, { smr: PASSWORD });
    broker.signal("SIGHUP");
    await waitFor(() => connects === 1, "the connect after the fix", 30_000);
    assertEquals(log.lines.at(-1), `info connected to ${broker.url} as test`);
    assertOk(!log.lines.join("\n").includes(PASSWORD), "the password was logged");
  } finally {
    await closeConnection(client, { limitMs: 500 });
    await broker.stop();
  }
});

Deno.test("mqtt login: smr joins a broker whose password file is fixed later, without a restart", async () => {
  const passwords = `${await brokerDir()}/passwords`;
  await writePasswordFile(passwords, { smr: "not-this-one", watch: "watch" });
  const broker = await startBroker({ passwordFile: passwords });
  const watchUrl = broker.url.replace("mqtt://", "mqtt://watch:watch@");
  const cap = await capture(watchUrl, `${BASE}/#`);
  const env = {
    SMR_SINKS: '["homie"]',
    SMR_MQTT__URL: broker.url,
    SMR_MQTT__USERNAME: "smr",
    SMR_MQTT__PASSWORD: PASSWORD,
    SMR_METER__INTERVAL: "0.5",
  };
  const smr = startSmr({ args: ["--env", "dummy"], env });
  try {
    await smr.waitForLog(
      `homie/dummy: broker ${broker.url} refused the login (not authorized): ` +
        "check mqtt.username and mqtt.password; retrying with backoff",
      30_000,
    );
    await waitFor(
      () => count(broker.log(), "disconnected, not authorised") >= 3,
      "three refused logins",
      60_000,
    );
    const check = await runSmr({
      args: ["check", "--env", "dummy", "--timeout", "10"],
      env,
    });
    assertEquals(check.code, 1);
    assertMatch(
      check.stdout,
      /^FAIL {2}broker: mqtt:\/\/127\.0\.0\.1:\d+: refused the login \(not authorized\): check mqtt\.username and mqtt\.password$/m,
    );
    await writePasswordFile(passwords, { smr: PASSWORD, watch: "watch" });
    broker.signal("SIGHUP");
    // The backoff is 8 or 16 s by now and never more than 5 min: well within this.
    await cap.waitFor(`${BASE}/$state`, "ready", 90_000);
    const stderr = smr.stderr();
    assertEquals(count(stderr, "refused the login"), 1, stderr);
    assertMatch(stderr, /INFO +dummy: connected to mqtt:\/\/127\.0\.0\.1:\d+ as homie\/dummy\n/);
    assertOk(!stderr.includes(PASSWORD), "the password was logged");
    assertEquals(await smr.stop(), 0);
  } finally {
    await smr.stop("SIGKILL");
    await cap.close();
    await broker.stop();
  }
});
