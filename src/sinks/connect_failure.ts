/**
 * Why a connection to the broker failed, in words a user can act on: a
 * refused login, a TLS problem (which certificate, and what is wrong with
 * it), or the network. Pure: it reads an error's code and message, the
 * Node-style ones mqtt.js passes on and the rustls ones of `Deno.connectTls`.
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
  /**
   * A TLS failure that Deno's `node:tls` reports without the reason (an
   * expired certificate and an unknown CA both read "unable to verify the
   * first certificate"): a handshake with `Deno.connectTls` tells more.
   */
  vague?: boolean;
}

/** Where the failure happened, for the sentence. */
export interface FailurePlace {
  /** The broker URL without credentials. */
  where: string;
  /** The host name or address the certificate must be issued for. */
  host: string;
}

/** CONNACK reason codes that mean the login was wrong: MQTT 5 134, 135, 140; MQTT 3.1.1 4, 5. */
const LOGIN_CODES = new Set([4, 5, 134, 135, 140]);

const UNKNOWN_CA_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

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

/** The words of a TLS failure, or undefined when the error is not one. */
function tlsTrouble(
  code: string,
  message: string,
  host: string,
): { detail: string; vague?: boolean } | undefined {
  const alert = /ALERT/.test(code) || /received fatal alert/i.test(message);
  if (alert) {
    const name = /fatal alert: *(\w+)/i.exec(message)?.[1] ?? code;
    for (const [pattern, detail] of CLIENT_CERT_ALERTS) {
      if (pattern.test(code) || pattern.test(name)) return { detail };
    }
    return { detail: `the broker ended the TLS handshake (alert ${name})` };
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /not valid for name/i.test(message)) {
    return {
      detail: `the broker's certificate is not issued for ${host}: ` +
        `use a name the certificate holds in mqtt.url`,
    };
  }
  if (code === "CERT_HAS_EXPIRED" || /certificate expired/i.test(message)) {
    const after = /not valid after (\d+)/.exec(message)?.[1];
    const when = after ? ` (not valid after ${new Date(Number(after) * 1000).toISOString()})` : "";
    return { detail: `the broker's certificate has expired${when}` };
  }
  if (code === "CERT_NOT_YET_VALID" || /not valid (yet|before)|NotValidYet/i.test(message)) {
    return { detail: "the broker's certificate is not valid yet: check the clock" };
  }
  if (UNKNOWN_CA_CODES.has(code) || /UnknownIssuer/i.test(message)) {
    return {
      detail: "the broker's certificate is not signed by a CA smr trusts: " +
        "set mqtt.ca to the PEM file of the CA that signed it",
    };
  }
  if (/KeyMismatch|keys may not be consistent/i.test(message)) {
    return { detail: "mqtt.key is not the private key of the certificate in mqtt.cert" };
  }
  if (/parse private key/i.test(message)) {
    return { detail: "mqtt.key holds no private key smr can use (RSA, ECDSA or EdDSA)" };
  }
  if (/before secure TLS connection was established/i.test(message)) {
    return {
      detail: "the broker closed the connection during the TLS handshake: " +
        "is the port in mqtt.url a TLS listener?",
    };
  }
  if (code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE") {
    return {
      detail: "the broker's certificate cannot be verified (an unknown CA, or expired)",
      vague: true,
    };
  }
  if (
    /^(ERR_SSL_|ERR_TLS_|CERT_)/.test(code) || /TLS not authorized|invalid peer certificate/i
      .test(message)
  ) {
    return { detail: `the TLS handshake failed (${message || code})`, vague: true };
  }
  return undefined;
}

/**
 * Classifies an error of a connection attempt: the broker refused the login
 * (or the connection), TLS failed (and why), or the network.
 */
export function classifyFailure(
  error: { code?: unknown; message?: string } | undefined,
  { where, host }: FailurePlace,
): ConnectFailure {
  const code = error?.code;
  const message = error?.message ?? "";
  const refused = /^Connection refused: *(.*)$/.exec(message);
  if (typeof code === "number" && refused) {
    const reason = (refused[1] || `reason ${code}`).toLowerCase();
    const [kind, detail]: [FailureKind, string] = LOGIN_CODES.has(code)
      ? ["login", `refused the login (${reason}): check mqtt.username and mqtt.password`]
      : ["refused", `refused the connection (${reason})`];
    return { kind, key: `${kind}:${code}`, detail, text: `broker ${where} ${detail}` };
  }
  const tls = tlsTrouble(typeof code === "string" ? code : "", message, host);
  if (tls) {
    return {
      kind: "tls",
      key: `tls:${tls.detail}`,
      detail: `TLS failed: ${tls.detail}`,
      text: `TLS with ${where} failed: ${tls.detail}`,
      vague: tls.vague,
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
