import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { classifyFailure } from "../../src/sinks/connect_failure.ts";
import { MqttError } from "../../src/mqtt/client.ts";

const PLACE = { where: "mqtts://127.0.0.1:8883", host: "127.0.0.1" };

const tls = (message: string) => new MqttError("tls", message);

Deno.test("connect failure: a refused CONNACK is a login problem naming the settings, or a refusal", () => {
  const login = classifyFailure(
    new MqttError("refused", "Connection refused: not authorized", 5),
    PLACE,
  );
  assertEquals(login.kind, "login");
  assertEquals(
    login.text,
    "broker mqtts://127.0.0.1:8883 refused the login (not authorized): " +
      "check mqtt.username and mqtt.password",
  );
  assertEquals(
    classifyFailure(
      new MqttError("refused", "Connection refused: bad user name or password", 4),
      PLACE,
    ).detail,
    "refused the login (bad user name or password): check mqtt.username and mqtt.password",
  );
  const busy = classifyFailure(
    new MqttError("refused", "Connection refused: server unavailable", 3),
    PLACE,
  );
  assertEquals([busy.kind, busy.text], [
    "refused",
    "broker mqtts://127.0.0.1:8883 refused the connection (server unavailable)",
  ]);
  assertOk(login.key !== busy.key);
});

Deno.test("connect failure: the rustls words of Deno.connectTls say which certificate and what is wrong", () => {
  const cases: Array<[string, RegExp]> = [
    ["invalid peer certificate: UnknownIssuer", /not signed by a CA smr trusts: set mqtt\.ca/],
    [
      `invalid peer certificate: certificate not valid for name "127.0.0.1"; ` +
      `certificate is only valid for DnsName("broker.example")`,
      /certificate is not issued for 127\.0\.0\.1: use a name the certificate holds in mqtt\.url/,
    ],
    [
      "invalid peer certificate: certificate expired: verification time 1796128042 (UNIX), " +
      "but certificate is not valid after 1577923200 (218204842 seconds ago)",
      /^TLS failed: the broker's certificate has expired \(not valid after 2020-01-02T00:00:00\.000Z\)$/,
    ],
    ["invalid peer certificate: NotValidYet", /not valid yet: check the clock/],
    [
      "received fatal alert: CertificateRequired",
      /the broker requires a client certificate: set mqtt\.cert and mqtt\.key/,
    ],
    [
      "received fatal alert: UnknownCA",
      /does not trust the CA that signed the client certificate in mqtt\.cert/,
    ],
    ["received fatal alert: BadCertificate", /rejected the client certificate in mqtt\.cert/],
    [
      "received fatal alert: HandshakeFailure",
      /ended the TLS handshake \(alert HandshakeFailure\)/,
    ],
    [
      "keys may not be consistent: KeyMismatch",
      /mqtt\.key is not the private key of the certificate in mqtt\.cert/,
    ],
    [
      "unexpected error: failed to parse private key as RSA, ECDSA, or EdDSA",
      /mqtt\.key holds no private key smr can use/,
    ],
    [
      "Connection reset by peer (os error 104) before secure TLS connection was established",
      /closed the connection during the TLS handshake: is the port in mqtt\.url a TLS listener\?/,
    ],
    ["something rustls says", /^TLS failed: the TLS handshake failed \(something rustls says\)$/],
  ];
  for (const [message, detail] of cases) {
    const failure = classifyFailure(tls(message), PLACE);
    assertEquals(failure.kind, "tls", message);
    assertMatch(failure.text, /^TLS with mqtts:\/\/127\.0\.0\.1:8883 failed: /);
    assertMatch(failure.detail, detail);
  }
});

Deno.test("connect failure: anything else is the network, one kind however it fails", () => {
  const refused = classifyFailure(
    new MqttError("network", "Connection refused (os error 111)"),
    PLACE,
  );
  assertEquals(
    refused.text,
    "no connection to broker mqtts://127.0.0.1:8883: Connection refused (os error 111)",
  );
  const late = classifyFailure(
    new MqttError("timeout", "no answer from 127.0.0.1:8883 within 10000 ms"),
    PLACE,
  );
  const broken = classifyFailure(new MqttError("protocol", "a second CONNACK"), PLACE);
  const silent = classifyFailure(undefined, PLACE);
  assertEquals(silent.detail, "closed without an answer");
  for (const failure of [late, broken, silent]) {
    assertEquals([failure.kind, failure.key], [refused.kind, refused.key]);
  }
  assertEquals(classifyFailure(new MqttError("tls", ""), PLACE).kind, "tls");
});
