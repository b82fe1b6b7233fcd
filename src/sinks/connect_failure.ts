/**
 * Why a connection to the broker failed, in words a user can act on: a
 * refused login, a TLS problem (which certificate, and what is wrong with
 * it), or the network. Pure: it reads the kind, code and message of an
 * error of smr's MQTT client (src/mqtt/client.ts), whose TLS errors are the
 * words of rustls under `Deno.connectTls`.
 */

/** What kind of trouble: it decides the backoff cap and the log line. */
export type FailureKind = "login" | "refused" | "tls" | "network";

/** A classified connection failure. */
export interface ConnectFailure {
  kind: FailureKind;
  /** Equal for the same trouble, so that it is logged once. */
  key: string;
  /** What failed, to follow the broker's URL, e.g. `refused the login (not authorized): …`. */
  detail: string;
  /** One sentence naming the broker and what failed, never a credential. */
  text: string;
}

/** Where the failure happened, for the sentence. */
export interface FailurePlace {
  /** The broker URL without credentials. */
  where: string;
  /** The host name or address the certificate must be issued for. */
  host: string;
}

/** What is read of a failed attempt: an `MqttError`, or anything else thrown. */
export interface FailedAttempt {
  /** `refused`, `tls`, `network`, `timeout`, `protocol` (an `MqttErrorKind`). */
  kind?: string;
  /** The CONNACK return code of a refusal. */
  code?: unknown;
  message?: string;
}

/** CONNACK return codes of MQTT 3.1.1 that mean the login was wrong. */
const LOGIN_CODES = new Set([4, 5]);

/** TLS alerts from the broker about smr's client certificate, in words. */
const CLIENT_CERT_ALERTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /CERTIFICATE_?REQUIRED/i,
    "the broker requires a client certificate: set mqtt.cert and mqtt.key",
  ],
  [
    /UNKNOWN_?CA/i,
    "the broker does not trust the CA that signed the client certificate in mqtt.cert",
  ],
  [/CERTIFICATE_?EXPIRED/i, "the broker says the client certificate in mqtt.cert has expired"],
  [/CERTIFICATE_?REVOKED/i, "the broker says the client certificate in mqtt.cert is revoked"],
  [
    /BAD_?CERTIFICATE|UNSUPPORTED_?CERTIFICATE|CERTIFICATE_?UNKNOWN|ACCESS_?DENIED/i,
    "the broker rejected the client certificate in mqtt.cert",
  ],
];

/** The words of a TLS failure from its rustls message. */
function tlsTrouble(message: string, host: string): string {
  const alert = /received fatal alert: *(\w+)/i.exec(message)?.[1];
  if (alert) {
    for (const [pattern, detail] of CLIENT_CERT_ALERTS) {
      if (pattern.test(alert)) return detail;
    }
    return `the broker ended the TLS handshake (alert ${alert})`;
  }
  if (/not valid for name/i.test(message)) {
    return `the broker's certificate is not issued for ${host}: ` +
      `use a name the certificate holds in mqtt.url`;
  }
  if (/certificate expired/i.test(message)) {
    const after = /not valid after (\d+)/.exec(message)?.[1];
    const when = after ? ` (not valid after ${new Date(Number(after) * 1000).toISOString()})` : "";
    return `the broker's certificate has expired${when}`;
  }
  if (/not valid (yet|before)|NotValidYet/i.test(message)) {
    return "the broker's certificate is not valid yet: check the clock";
  }
  if (/UnknownIssuer/i.test(message)) {
    return "the broker's certificate is not signed by a CA smr trusts: " +
      "set mqtt.ca to the PEM file of the CA that signed it";
  }
  if (/KeyMismatch|keys may not be consistent/i.test(message)) {
    return "mqtt.key is not the private key of the certificate in mqtt.cert";
  }
  if (/parse private key/i.test(message)) {
    return "mqtt.key holds no private key smr can use (RSA, ECDSA or EdDSA)";
  }
  if (/before secure TLS connection was established/i.test(message)) {
    return "the broker closed the connection during the TLS handshake: " +
      "is the port in mqtt.url a TLS listener?";
  }
  return `the TLS handshake failed (${message || "no reason given"})`;
}

/**
 * Classifies an error of a connection attempt: the broker refused the login
 * (or the connection), TLS failed (and why), or the network (a timeout and
 * a broker breaking the protocol included).
 */
export function classifyFailure(
  error: FailedAttempt | undefined,
  { where, host }: FailurePlace,
): ConnectFailure {
  const code = error?.code;
  const message = error?.message ?? "";
  if (error?.kind === "refused" && typeof code === "number") {
    const reason = (/^Connection refused: *(.*)$/.exec(message)?.[1] || `return code ${code}`)
      .toLowerCase();
    const [kind, detail]: [FailureKind, string] = LOGIN_CODES.has(code)
      ? ["login", `refused the login (${reason}): check mqtt.username and mqtt.password`]
      : ["refused", `refused the connection (${reason})`];
    return { kind, key: `${kind}:${code}`, detail, text: `broker ${where} ${detail}` };
  }
  if (error?.kind === "tls") {
    const detail = tlsTrouble(message, host);
    return {
      kind: "tls",
      key: `tls:${detail}`,
      detail: `TLS failed: ${detail}`,
      text: `TLS with ${where} failed: ${detail}`,
    };
  }
  const detail = message || "closed without an answer";
  return {
    kind: "network",
    key: "network",
    detail,
    text: `no connection to broker ${where}: ${detail}`,
  };
}
