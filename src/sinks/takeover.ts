/**
 * Telling a second smr with the same device id from an unsteady broker.
 *
 * Two clients with one client id take the session from each other: each
 * connect makes the broker drop the other, which reconnects a second later
 * and drops the first, forever. MQTT 3.1.1 gives a dropped client no reason
 * (Mosquitto 2.0 sends none over MQTT 5 either), so the pattern is what
 * tells: sessions the broker ends within seconds of connecting, several in a
 * row.
 *
 * Since a client is only ever dropped by the other one connecting, the drops
 * alternate between the two, and the one that reaches the limit first stops
 * while the other is connected: exactly one stays. A session that lasted
 * long, as the first one's did before the second started, is not counted,
 * so the newcomer is usually the one that stops. Every reconnect succeeds
 * in such a tug of war, so a failed attempt in between (a broker that
 * restarts, again and again) starts the count over.
 */

/**
 * Exit code when another smr publishes as the same device on the broker.
 * The systemd unit does not restart on it: a restart would only start the
 * tug of war again.
 */
export const EX_DEVICE_TAKEN = 73;

/** Another client publishes as this device on this broker; smr stops rather than fight it. */
export class DeviceTakenError extends Error {
  override name = "DeviceTakenError";
}

/** How a session ended, as far as the client can tell. */
export type SessionEnd =
  /**
   * The broker closed the connection or reset it. In MQTT 3.1.1 a broker has
   * no way to say why, and this is what a takeover looks like.
   */
  | "silent"
  /** It ended for another reason (no answer within the keepalive, a broken packet): no takeover. */
  | "other";

/** Options of {@link TakeoverDetector}. */
export interface TakeoverOptions {
  /** A session that ends sooner than this after the connect counts, in ms (10 000). */
  shortMs?: number;
  /** Counted sessions in a row that mean another client has the same id (5). */
  limit?: number;
}

/**
 * Counts sessions the broker ended within `shortMs` of connecting, in a
 * row; a longer session, an end for another reason or a failed connection
 * attempt starts over. A pure state machine: the caller passes the time.
 */
export class TakeoverDetector {
  /** Counted sessions in a row that make {@link closed} report a takeover. */
  readonly limit: number;
  readonly #shortMs: number;
  #connectedAt?: number;
  #count = 0;

  /** Creates a detector that has seen no session yet. */
  constructor(options: TakeoverOptions = {}) {
    this.#shortMs = options.shortMs ?? 10_000;
    this.limit = options.limit ?? 5;
    if (!(this.#shortMs > 0) || !Number.isInteger(this.limit) || this.limit < 1) {
      throw new RangeError("shortMs must be positive and limit a positive integer");
    }
  }

  /** Short sessions counted in a row so far. */
  get count(): number {
    return this.#count;
  }

  /** A session started at `now` (ms). */
  connected(now: number): void {
    this.#connectedAt = now;
  }

  /**
   * The connection closed at `now` (ms), after a session or after a failed
   * attempt to start one; true when this was the `limit`-th short session
   * in a row.
   */
  closed(now: number, end: SessionEnd): boolean {
    const since = this.#connectedAt;
    this.#connectedAt = undefined;
    if (since === undefined || end === "other" || now - since >= this.#shortMs) {
      this.#count = 0;
      return false;
    }
    this.#count++;
    return this.#count >= this.limit;
  }
}
