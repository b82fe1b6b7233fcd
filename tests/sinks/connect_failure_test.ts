import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { classifyFailure } from "../../src/sinks/connect_failure.ts";

const PLACE = { where: "mqtts://127.0.0.1:8883", host: "127.0.0.1" };

/** An error as mqtt.js or Deno's node:tls hands it over. */
function error(code: string | number | undefined, message: string) {
  return { code, message };
}

Deno.test("connect failure: a refused CONNACK is a login problem naming the settings, or a refusal", () => {
  const login = classifyFailure(error(135, "Connection refused: Not authorized"), PLACE);
  assertEquals(login.kind, "login");
  assertEquals(
    login.text,
    "broker mqtts://127.0.0.1:8883 refused the login (not authorized): " +
      "check mqtt.username and mqtt.password",
  );
  assertEquals(
    classifyFailure(error(134, "Connection refused: Bad User Name or Password"), PLACE).detail,
    "refused the login (bad user name or password): check mqtt.username and mqtt.password",
  );
  const busy = classifyFailure(error(137, "Connection refused: Server busy"), PLACE);
  assertEquals([busy.kind, busy.text], [
    "refused",
    "broker mqtts://127.0.0.1:8883 refused the connection (server busy)",
  ]);
  assertOk(login.key !== busy.key);
});

Deno.test("connect failure: TLS errors of Deno's node:tls say which certificate and what is wrong", () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      "SELF_SIGNED_CERT_IN_CHAIN",
      "self-signed certificate in certificate chain",
      /not signed by a CA smr trusts: set mqtt\.ca/,
    ],
    [
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
      /certificate is not issued for 127\.0\.0\.1: use a name the certificate holds in mqtt\.url/,
    ],
    ["CERT_HAS_EXPIRED", "certificate has expired", /the broker's certificate has expired$/],
    [
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
      "received fatal alert: CertificateRequired",
      /the broker requires a client certificate: set mqtt\.cert and mqtt\.key/,
    ],
    [
      "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
      "received fatal alert: UnknownCA",
      /does not trust the CA that signed the client certificate in mqtt\.cert/,
    ],
    [
      "ECONNRESET",
      "Client network socket disconnected before secure TLS connection was established",
      /closed the connection during the TLS handshake: is the port in mqtt\.url a TLS listener\?/,
    ],
  ];
  for (const [code, message, detail] of cases) {
    const failure = classifyFailure(error(code, message), PLACE);
    assertEquals(failure.kind, "tls", code);
    assertOk(!failure.vague, `${code} is clear enough`);
    assertMatch(failure.text, /^TLS with mqtts:\/\/127\.0\.0\.1:8883 failed: /);
    assertMatch(failure.detail, detail);
  }
});

Deno.test("connect failure: what node:tls leaves vague is marked for a closer look", () => {
  for (
    const [code, message] of [
      ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"],
      ["ERR_SSL_UNSUPPORTED_PROTOCOL", "unsupported protocol"],
    ]
  ) {
    const failure = classifyFailure(error(code, message), PLACE);
    assertEquals([failure.kind, failure.vague], ["tls", true], code);
  }
});

Deno.test("connect failure: the rustls words of Deno.connectTls are read too", () => {
  const detail = (message: string) => classifyFailure({ message }, PLACE).detail;
  assertEquals(
    detail(
      "invalid peer certificate: certificate expired: verification time 1796128042 (UNIX), " +
        "but certificate is not valid after 1577923200 (218204842 seconds ago)",
    ),
    "TLS failed: the broker's certificate has expired (not valid after 2020-01-02T00:00:00.000Z)",
  );
  assertMatch(detail("invalid peer certificate: UnknownIssuer"), /not signed by a CA smr trusts/);
  assertMatch(
    detail(
      `invalid peer certificate: certificate not valid for name "127.0.0.1"; ` +
        `certificate is only valid for DnsName("broker.example")`,
    ),
    /not issued for 127\.0\.0\.1/,
  );
  assertMatch(detail("invalid peer certificate: NotValidYet"), /not valid yet: check the clock/);
  assertMatch(
    detail("keys may not be consistent: KeyMismatch"),
    /mqtt\.key is not the private key of the certificate in mqtt\.cert/,
  );
  assertMatch(
    detail("unexpected error: failed to parse private key as RSA, ECDSA, or EdDSA"),
    /mqtt\.key holds no private key smr can use/,
  );
});

Deno.test("connect failure: anything else is the network, one kind however it fails", () => {
  const refused = classifyFailure(
    error("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:8883"),
    PLACE,
  );
  assertEquals(
    refused.text,
    "no connection to broker mqtts://127.0.0.1:8883: connect ECONNREFUSED 127.0.0.1:8883",
  );
  const silent = classifyFailure(undefined, PLACE);
  assertEquals(silent.detail, "closed without an answer");
  assertEquals([refused.kind, refused.key], [silent.kind, silent.key]);
});
