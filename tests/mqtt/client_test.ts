import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { startBroker, writePasswordFile } from "../e2e/broker.ts";
import { type Certificates, makeCertificates } from "../e2e/certs.ts";
import { waitFor } from "../e2e/tools.ts";
import { encodeHex } from "../../src/bytes.ts";
import {
  MqttClient,
  type MqttClientOptions,
  MqttError,
  type MqttMessage,
} from "../../src/mqtt/client.ts";
import { PacketDecoder } from "../../src/mqtt/packets.ts";
import { classifyFailure } from "../../src/sinks/connect_failure.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Messages a client received, as `topic=payload` with `(retained)` for retained copies. */
function inbox(): { lines: string[]; onMessage: (m: MqttMessage) => void } {
  const lines: string[] = [];
  return {
    lines,
    onMessage: (m) => lines.push(`${m.topic}=${text(m.payload)}${m.retain ? " (retained)" : ""}`),
  };
}

async function failure(options: MqttClientOptions): Promise<MqttError> {
  try {
    const client = await MqttClient.connect(options);
    client.close();
  } catch (error) {
    assertOk(error instanceof MqttError, String(error));
    return error;
  }
  throw new Error("connected");
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/**
 * A stand-in broker on a free port: answers CONNECT with `connack` (hex;
 * nothing when undefined), records every chunk it reads, and sends what
 * `reply` returns for each.
 */
function fakeBroker(
  connack: string | undefined,
  reply: (chunk: Uint8Array) => Uint8Array | undefined = () => undefined,
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const chunks: Uint8Array[] = [];
  const conns: Deno.Conn[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buffer = new Uint8Array(65_536);
        let first = true;
        try {
          for (let n; (n = await conn.read(buffer)) !== null;) {
            const chunk = buffer.slice(0, n);
            chunks.push(chunk);
            const answer = first
              ? connack && Uint8Array.from(connack.match(/../g)!, (h) => parseInt(h, 16))
              : reply(chunk);
            first = false;
            if (answer) await conn.write(answer);
          }
        } catch {
          // closed by the test
        }
      })();
    }
  })();
  return {
    url: `mqtt://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    chunks,
    async stop() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      await served.catch(() => {});
    },
  };
}

const ACCEPTED = "20020000";

Deno.test("mqtt client: retained QoS 1 publish, subscribe, retained copy and live message", async () => {
  const broker = await startBroker();
  const publisher = await MqttClient.connect({ url: broker.url, clientId: "smr-test-pub" });
  const received = inbox();
  const subscriber = await MqttClient.connect({
    url: broker.url,
    clientId: "smr-test-sub",
    onMessage: received.onMessage,
  });
  try {
    assertOk(publisher.connected);
    await publisher.publish("homie/t/$state", "ready", { qos: 1, retain: true });
    assertEquals(publisher.inFlight, 0);
    assertEquals(await subscriber.subscribe(["homie/t/#", "homeassistant/status"], 1), [1, 1]);
    await waitFor(() => received.lines.length === 1, "the retained copy");
    await publisher.publish("homie/t/power", "1.5", { qos: 1 });
    await publisher.publish("homeassistant/status", "online"); // QoS 0
    await waitFor(() => received.lines.length === 3, "the live messages");
    assertEquals(received.lines, [
      "homie/t/$state=ready (retained)",
      "homie/t/power=1.5",
      "homeassistant/status=online",
    ]);
    await waitFor(() => broker.log().includes("Received PUBACK from smr-test-sub"), "PUBACK");
    const log = broker.log();
    assertMatch(log, /New client connected from .* as smr-test-pub \(p2, c1, k30\)/);
    assertMatch(log, /Received PUBLISH from smr-test-pub \(d0, q1, r1, m\d+, 'homie\/t\/\$state'/);
  } finally {
    await publisher.disconnect();
    await subscriber.disconnect();
    await broker.stop();
  }
  assertEquals((await publisher.closed).kind, "closed");
  assertOk(!publisher.connected);
});

Deno.test("mqtt client: the will is published on an abrupt close, not after DISCONNECT", async () => {
  const broker = await startBroker();
  const received = inbox();
  const watcher = await MqttClient.connect({
    url: broker.url,
    clientId: "smr-test-watch",
    onMessage: received.onMessage,
  });
  try {
    await watcher.subscribe("homie/+/$state");
    const will = { topic: "homie/a/$state", payload: "lost" };
    const polite = await MqttClient.connect({ url: broker.url, clientId: "smr-a", will });
    await polite.publish("homie/a/$state", "ready", { qos: 1, retain: true });
    await polite.disconnect();
    const abrupt = await MqttClient.connect({ url: broker.url, clientId: "smr-a", will });
    abrupt.close();
    assertEquals((await abrupt.closed).message, "closed without DISCONNECT");
    await waitFor(() => received.lines.length === 2, "the will");
    assertEquals(received.lines, ["homie/a/$state=ready", "homie/a/$state=lost"]);
    // Retained, as smr's $state must be.
    const late = inbox();
    const reader = await MqttClient.connect({
      url: broker.url,
      clientId: "smr-test-late",
      onMessage: late.onMessage,
    });
    await reader.subscribe("homie/a/$state");
    await waitFor(() => late.lines.length === 1, "the retained will");
    assertEquals(late.lines, ["homie/a/$state=lost (retained)"]);
    await reader.disconnect();
  } finally {
    await watcher.disconnect();
    await broker.stop();
  }
});

Deno.test("mqtt client: a refused login is kind refused with the return code, read as a login failure", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smr-mqtt-login-" });
  await Deno.chmod(dir, 0o755); // Mosquitto reads the file as its own user
  const passwordFile = `${dir}/passwords`;
  await writePasswordFile(passwordFile, { smr: "s3cret" });
  const broker = await startBroker({ passwordFile });
  try {
    const wrong = await failure({
      url: broker.url,
      clientId: "smr-login",
      username: "smr",
      password: "wrong",
    });
    // Mosquitto 2.0 answers a wrong password with 5, not 4.
    assertEquals([wrong.kind, wrong.code, wrong.message], [
      "refused",
      5,
      "Connection refused: not authorized",
    ]);
    const place = { where: broker.url, host: "127.0.0.1" };
    const classified = classifyFailure(wrong, place);
    assertEquals(classified.kind, "login");
    assertMatch(
      classified.text,
      /refused the login \(not authorized\): check mqtt\.username/,
    );

    const anonymous = await failure({ url: broker.url, clientId: "smr-login" });
    assertEquals([anonymous.kind, anonymous.code], ["refused", 5]);
    assertEquals(classifyFailure(anonymous, place).kind, "login");

    const right = await MqttClient.connect({
      url: broker.url,
      clientId: "smr-login",
      username: "smr",
      password: "s3cret",
    });
    await right.publish("a", "b", { qos: 1 });
    await right.disconnect();
    const inUrl = await MqttClient.connect({
      url: broker.url.replace("//", "//smr:s3cret@"),
      clientId: "smr-login-url",
    });
    await inUrl.disconnect();
  } finally {
    await broker.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mqtt client: return code 4 reads as a bad login too", async () => {
  const fake = fakeBroker("20020004");
  try {
    const error = await failure({ url: fake.url, clientId: "smr-4", username: "u", password: "p" });
    assertEquals([error.kind, error.code, error.message], [
      "refused",
      4,
      "Connection refused: bad user name or password",
    ]);
    assertEquals(classifyFailure(error, { where: fake.url, host: "127.0.0.1" }).kind, "login");
  } finally {
    await fake.stop();
  }
});

Deno.test("mqtt client: network failures are kind network", async () => {
  const broker = await startBroker();
  await broker.stop();
  const refused = await failure({ url: broker.url, clientId: "smr-net" });
  assertEquals(refused.kind, "network");
  assertEquals(classifyFailure(refused, { where: broker.url, host: "127.0.0.1" }).kind, "network");
});

let certificates: Promise<Certificates> | undefined;
function certs(): Promise<Certificates> {
  return certificates ??= makeCertificates();
}
const read = (path: string) => Deno.readTextFileSync(path);

Deno.test("mqtt client: TLS with the broker's CA, and with a client certificate the broker requires", async () => {
  const c = await certs();
  const tls = { ca: c.ca, cert: c.serverCert, key: c.serverKey };
  const open = await startBroker({ tls });
  const strict = await startBroker({ tls: { ...tls, requireCertificate: true } });
  const place = { where: "the broker", host: "127.0.0.1" };
  try {
    const client = await MqttClient.connect({
      url: open.tlsUrl!,
      clientId: "smr-tls",
      tls: { ca: read(c.ca) },
    });
    await client.publish("tls/x", "1", { qos: 1, retain: true });
    await client.disconnect();

    const unknownCa = await failure({
      url: open.tlsUrl!,
      clientId: "smr-tls",
      tls: { ca: read(c.otherCa) },
    });
    assertEquals(unknownCa.kind, "tls");
    assertMatch(classifyFailure(unknownCa, place).text, /not signed by a CA smr trusts/);

    const plainPort = await failure({
      url: open.url.replace("mqtt:", "mqtts:"),
      clientId: "smr-tls",
      tls: { ca: read(c.ca) },
    });
    assertEquals(plainPort.kind, "tls");
    assertMatch(classifyFailure(plainPort, place).text, /is the port in mqtt\.url a TLS listener/);

    const withoutCertificate = await failure({
      url: strict.tlsUrl!,
      clientId: "smr-tls",
      tls: { ca: read(c.ca) },
    });
    assertEquals(withoutCertificate.kind, "tls");
    assertMatch(classifyFailure(withoutCertificate, place).text, /requires a client certificate/);

    const mismatch = await failure({
      url: strict.tlsUrl!,
      clientId: "smr-tls",
      tls: { ca: read(c.ca), cert: read(c.clientCert), key: read(c.serverKey) },
    });
    assertEquals(mismatch.kind, "tls");
    assertMatch(classifyFailure(mismatch, place).text, /mqtt\.key is not the private key/);

    const received = inbox();
    const certified = await MqttClient.connect({
      url: strict.tlsUrl!,
      clientId: "smr-tls-cert",
      tls: { ca: read(c.ca), cert: read(c.clientCert), key: read(c.clientKey) },
      onMessage: received.onMessage,
    });
    await certified.subscribe("tls/#");
    await certified.publish("tls/y", "2", { qos: 1 });
    await waitFor(() => received.lines.length === 1, "the message over TLS");
    assertEquals(received.lines, ["tls/y=2"]);
    await certified.disconnect();
  } finally {
    await open.stop();
    await strict.stop();
  }
});

Deno.test("mqtt client: PINGREQ only when nothing was sent for the keepalive period", async () => {
  const broker = await startBroker();
  const idle = await MqttClient.connect({ url: broker.url, clientId: "smr-idle", keepalive: 1 });
  const busy = await MqttClient.connect({ url: broker.url, clientId: "smr-busy", keepalive: 1 });
  try {
    const deadline = Date.now() + 3500;
    while (Date.now() < deadline) {
      await busy.publish("busy/x", String(Date.now()), { qos: 1 });
      await sleep(300);
    }
    const log = broker.log();
    const pings = count(log, "Received PINGREQ from smr-idle");
    assertOk(pings >= 2 && pings <= 4, `${pings} PINGREQ in 3.5 s`);
    assertOk(count(log, "Sending PINGRESP to smr-idle") >= 2);
    assertEquals(count(log, "Received PINGREQ from smr-busy"), 0);
    assertOk(idle.connected && busy.connected);
  } finally {
    await idle.disconnect();
    await busy.disconnect();
    await broker.stop();
  }
});

Deno.test("mqtt client: publishes not acknowledged when the connection ends are dropped", async () => {
  const broker = await startBroker();
  const reasons: MqttError[] = [];
  const client = await MqttClient.connect({
    url: broker.url,
    clientId: "smr-drop",
    onClose: (reason) => reasons.push(reason),
  });
  try {
    broker.signal("SIGSTOP");
    const pending = client.publish("drop/x", "1", { qos: 1, retain: true });
    // Never awaited: must not crash the test as an unhandled rejection.
    client.publish("drop/y", "2", { qos: 1, retain: true });
    await sleep(100);
    assertEquals(client.inFlight, 2);
    client.close();
    let error: unknown;
    await pending.catch((e) => error = e);
    assertOk(error instanceof MqttError && error.kind === "closed", String(error));
    assertMatch((error as Error).message, /^no PUBACK: closed without DISCONNECT$/);
    assertEquals(client.inFlight, 0);
    assertEquals(reasons.map((r) => r.kind), ["closed"]);
    let late: unknown;
    await client.publish("drop/z", "3", { qos: 1 }).catch((e) => late = e);
    assertOk(late instanceof MqttError && late.kind === "closed");
  } finally {
    broker.signal("SIGCONT");
    await broker.stop();
  }
});

Deno.test("mqtt client: the broker going away ends the connection with kind network", async () => {
  const broker = await startBroker();
  const client = await MqttClient.connect({ url: broker.url, clientId: "smr-gone" });
  await broker.stop();
  const reason = await client.closed;
  assertEquals(reason.kind, "network");
  assertOk(!client.connected);
});

Deno.test("mqtt client: packets queued in one tick go out in one write", async () => {
  const fake = fakeBroker(ACCEPTED);
  try {
    const client = await MqttClient.connect({ url: fake.url, clientId: "smr-batch" });
    await waitFor(() => fake.chunks.length === 1, "CONNECT");
    for (let i = 0; i < 10; i++) client.publish(`batch/p${i}`, String(i), { qos: 1, retain: true });
    await waitFor(() => fake.chunks.length === 2, "the publishes");
    await sleep(50);
    assertEquals(fake.chunks.length, 2);
    const packets = new PacketDecoder().push(fake.chunks[1]);
    assertEquals(packets.length, 10);
    client.close();
  } finally {
    await fake.stop();
  }
});

Deno.test("mqtt client: no CONNACK in time is kind timeout; a PINGREQ without answer ends it", async () => {
  const silent = fakeBroker(undefined);
  const deaf = fakeBroker(ACCEPTED);
  try {
    const started = Date.now();
    const noAnswer = await failure({ url: silent.url, clientId: "smr-t", connectTimeoutMs: 300 });
    assertEquals(noAnswer.kind, "timeout");
    assertOk(Date.now() - started < 2000);

    const client = await MqttClient.connect({ url: deaf.url, clientId: "smr-t", keepalive: 1 });
    const reason = await client.closed;
    assertEquals([reason.kind, reason.message], ["timeout", "no answer to PINGREQ within 1 s"]);
    assertEquals(encodeHex(deaf.chunks.at(-1)!), "c000");

    // Busy, so never a PINGREQ: the oldest PUBACK overdue tells the broker is gone.
    const busy = await MqttClient.connect({ url: deaf.url, clientId: "smr-b", keepalive: 1 });
    const ticker = setInterval(() => busy.publish("b/x", "1", { qos: 1 }), 200);
    const ended = await busy.closed;
    clearInterval(ticker);
    assertEquals([ended.kind, ended.message], ["timeout", "no PUBACK within 1 s"]);
  } finally {
    await silent.stop();
    await deaf.stop();
  }
});

Deno.test("mqtt client: a broker that breaks the protocol is kind protocol", async () => {
  const garbage = fakeBroker("2003000000"); // a CONNACK of 3 bytes
  const refusedTwice = fakeBroker(ACCEPTED, () => Uint8Array.of(0x20, 2, 0, 0));
  try {
    const error = await failure({ url: garbage.url, clientId: "smr-p" });
    assertEquals([error.kind, error.message], [
      "protocol",
      "malformed CONNACK: remaining length 3 instead of 2",
    ]);
    const client = await MqttClient.connect({ url: refusedTwice.url, clientId: "smr-p" });
    await client.publish("a", "b");
    const reason = await client.closed;
    assertEquals([reason.kind, reason.message], ["protocol", "a second CONNACK"]);
  } finally {
    await garbage.stop();
    await refusedTwice.stop();
  }
});

Deno.test("mqtt client: options that cannot work throw before connecting", async () => {
  for (
    const options of [
      { url: "http://127.0.0.1", clientId: "x" },
      { url: "mqtt://127.0.0.1:1", clientId: "x", password: "p" },
      { url: "mqtt://127.0.0.1:1", clientId: "x", keepalive: -1 },
      { url: "mqtts://127.0.0.1:1", clientId: "x", tls: { cert: "pem" } },
    ]
  ) {
    let error: unknown;
    await MqttClient.connect(options).catch((e) => error = e);
    assertOk(error instanceof TypeError || error instanceof RangeError, String(error));
  }
});
