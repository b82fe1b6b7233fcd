import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { capture } from "../e2e/capture.ts";
import { type Certificates, issue, makeCertificates } from "../e2e/certs.ts";
import { runSmr, type SmrProcess, startSmr } from "../e2e/smr.ts";
import { waitFor } from "../e2e/tools.ts";
import type { Logger } from "../../src/log.ts";
import {
  closeConnection,
  connectWithBackoff,
  loadBroker,
} from "../../src/sinks/mqtt_connection.ts";

const BASE = "homie/dummy";

function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { SMR_SINKS: '["homie"]', SMR_MQTT__URL: url, SMR_METER__INTERVAL: "0.5", ...extra };
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

/**
 * Handshakes the broker refused for an unknown CA so far. Mosquitto logs
 * each such attempt with exactly one line naming the alert, and only some
 * of them with a "New connection … on port" line before it.
 */
function unknownCaHandshakes(log: string): number {
  return count(log, "alert unknown ca");
}

let certificates: Promise<Certificates> | undefined;
/** One set of certificates for every test here. */
function certs(): Promise<Certificates> {
  return certificates ??= makeCertificates();
}

Deno.test("mqtt tls: mqtt.ca trusts the broker's own CA; smr publishes, check and purge connect", async () => {
  const c = await certs();
  const broker = await startBroker({ tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey } });
  const url = broker.tlsUrl!;
  const cap = await capture(broker.url, `${BASE}/#`);
  const smr = startSmr({ args: ["--env", "dummy"], env: env(url, { SMR_MQTT__CA: c.ca }) });
  try {
    await cap.waitFor(`${BASE}/$state`, "ready", 30_000);
    await smr.waitForLog(`connected to ${url} as homie/dummy`);
    assertEquals(await smr.stop(), 0);

    const check = await runSmr({
      args: ["check", "--env", "dummy", "--timeout", "10"],
      env: env(url, { SMR_MQTT__CA: c.ca }),
    });
    assertEquals(check.code, 0, check.stdout);
    assertMatch(check.stdout, new RegExp(`^pass {2}broker: connected to ${url}$`, "m"));

    const purged = await runSmr({
      args: ["purge", "--env", "dummy"],
      env: env(url, { SMR_MQTT__CA: c.ca }),
    });
    assertEquals(purged.code, 0, purged.stderr);
    assertMatch(purged.stdout, /^purged \d+ retained topics of dummy /);
  } finally {
    await smr.stop("SIGKILL");
    await cap.close();
    await broker.stop();
  }
});

Deno.test("mqtt tls: mqtt.cert and mqtt.key log in where the broker requires a client certificate", async () => {
  const c = await certs();
  const broker = await startBroker({
    tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey, requireCertificate: true },
  });
  const url = broker.tlsUrl!;
  const cap = await capture(broker.url, "homie/#");
  const withCert = startSmr({
    args: ["--env", "dummy"],
    env: env(url, { SMR_MQTT__CA: c.ca, SMR_MQTT__CERT: c.clientCert, SMR_MQTT__KEY: c.clientKey }),
  });
  const without = startSmr({
    args: ["--env", "dummy"],
    env: env(url, { SMR_MQTT__CA: c.ca, SMR_HOMIE__DEVICE_ID: "no-cert" }),
  });
  try {
    await cap.waitFor(`${BASE}/$state`, "ready", 30_000);
    await without.waitForLog(
      `homie/no-cert: TLS with ${url} failed: the broker requires a client certificate: ` +
        "set mqtt.cert and mqtt.key; retrying with backoff",
      30_000,
    );
    const check = await runSmr({
      args: ["check", "--env", "dummy", "--timeout", "10"],
      env: env(url, { SMR_MQTT__CA: c.ca }),
    });
    assertEquals(check.code, 1);
    assertMatch(
      check.stdout,
      new RegExp(
        `^FAIL {2}broker: ${url}: TLS failed: the broker requires a client certificate`,
        "m",
      ),
    );
    assertEquals(cap.last("homie/no-cert/$state"), undefined);
    assertEquals(await withCert.stop(), 0);
    assertEquals(await without.stop(), 0);
  } finally {
    await withCert.stop("SIGKILL");
    await without.stop("SIGKILL");
    await cap.close();
    await broker.stop();
  }
});

Deno.test("mqtt tls: a wrong CA is one clear line, and smr keeps retrying without a crash", async () => {
  const c = await certs();
  const broker = await startBroker({ tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey } });
  const url = broker.tlsUrl!;
  let smr: SmrProcess | undefined;
  try {
    smr = startSmr({ args: ["--env", "dummy"], env: env(url, { SMR_MQTT__CA: c.otherCa }) });
    const line = `homie/dummy: TLS with ${url} failed: the broker's certificate is not signed ` +
      "by a CA smr trusts: set mqtt.ca to the PEM file of the CA that signed it; " +
      "retrying with backoff";
    await smr.waitForLog(line, 30_000);
    const before = unknownCaHandshakes(broker.log());
    await waitFor(
      () => unknownCaHandshakes(broker.log()) >= before + 2,
      "two more attempts",
      60_000,
    );
    assertEquals(count(smr.stderr(), line), 1, smr.stderr());
    assertEquals(count(smr.stderr(), "TLS with"), 1, smr.stderr());
    assertEquals(await smr.stop(), 0, smr.stderr());
  } finally {
    await smr?.stop("SIGKILL");
    await broker.stop();
  }
});

Deno.test("mqtt tls: an expired certificate and a wrong name are told apart from an unknown CA", async () => {
  const c = await certs();
  const expired = await issue(c, "expired", {
    usage: "serverAuth",
    altNames: "IP:127.0.0.1",
    expired: true,
  });
  const misnamed = await issue(c, "misnamed", {
    usage: "serverAuth",
    altNames: "DNS:broker.example",
  });
  for (
    const [files, detail] of [
      [expired, /the broker's certificate has expired \(not valid after \d{4}-\d\d-\d\dT/],
      [misnamed, /the broker's certificate is not issued for 127\.0\.0\.1: use a name/],
    ] as const
  ) {
    const broker = await startBroker({ tls: { ca: c.ca, ...files } });
    const log = recorder();
    const client = connectWithBackoff({
      ...loadBroker({ url: broker.tlsUrl!, ca: c.ca }),
      clientId: "smr-tls-test",
      label: "test",
      log,
      minBackoffMs: 100,
      maxRefusedBackoffMs: 400,
      onConnect: () => {},
    });
    try {
      await waitFor(() => log.lines.length > 0, "a log line", 30_000);
      assertEquals(log.lines.length, 1, log.lines.join("\n"));
      assertMatch(log.lines[0], new RegExp(`^warn test: TLS with ${broker.tlsUrl} failed: `));
      assertMatch(log.lines[0], detail);
      assertOk(!client.connected);
    } finally {
      await closeConnection(client, { limitMs: 500 });
      await broker.stop();
    }
  }
});

Deno.test("mqtt tls: unusable TLS settings stop smr with exit 78 naming the key", async () => {
  const c = await certs();
  const tls = "mqtts://127.0.0.1:8883";
  const cases: Array<[Record<string, string>, RegExp]> = [
    [
      { SMR_MQTT__CA: `${c.dir}/missing.pem` },
      /mqtt\.ca: expected a readable PEM file with a certificate \(not found\), got ".*missing\.pem"/,
    ],
    [
      { SMR_MQTT__CERT: c.clientCert, SMR_MQTT__KEY: c.clientCert },
      /mqtt\.key: expected a readable PEM file with a private key \(no -----BEGIN PRIVATE KEY----- line in it\)/,
    ],
    [
      { SMR_MQTT__CERT: c.clientCert },
      /^smr: mqtt\.cert is set without mqtt\.key: a client certificate needs both/,
    ],
    [
      { SMR_MQTT__URL: "mqtt://127.0.0.1:1883", SMR_MQTT__CA: c.ca },
      /^smr: mqtt\.ca is set, but mqtt\.url is not an mqtts:\/\/ URL/,
    ],
  ];
  const contents = [c.clientCert, c.clientKey].map((path) =>
    Deno.readTextFileSync(path).split("\n")[1]
  );
  for (const [extra, message] of cases) {
    const { code, stderr } = await runSmr({ args: ["--env", "dummy"], env: env(tls, extra) });
    assertEquals(code, 78, stderr);
    assertMatch(stderr, message);
    for (const line of contents) assertOk(!stderr.includes(line), "a PEM file's content was shown");
  }
});
