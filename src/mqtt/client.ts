/**
 * A small MQTT 3.1.1 client over `Deno.connect` and `Deno.connectTls`: one
 * connection, from CONNECT to its end, and nothing more. It never
 * reconnects and never sends anything again: the caller decides when to
 * connect anew and publishes its current state itself.
 *
 * - QoS 0 and 1 publishes; a QoS 1 publish resolves on its PUBACK, and every
 *   one not acknowledged when the connection ends is rejected (dropped).
 * - Packets queued in the same tick go out in one write.
 * - One timer: a PINGREQ only after `keepalive` seconds without anything
 *   sent, and the connection is given up when a PINGREQ or the oldest QoS 1
 *   publish waits that long for its answer.
 * - Errors say what failed: the broker refused the login, TLS, the network,
 *   a timeout or the broker breaking the protocol ({@link MqttError}).
 */
import { concat } from "../bytes.ts";
import {
  CONNACK_RETURN_CODES,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  type IncomingPacket,
  PacketDecoder,
  type WillMessage,
} from "./packets.ts";

/** What went wrong, or `closed` when this side ended the connection. */
export type MqttErrorKind = "refused" | "tls" | "network" | "timeout" | "protocol" | "closed";

/**
 * Why a connection failed or ended. A refused login reads
 * `Connection refused: bad user name or password` with the CONNACK return
 * code as `code`; TLS and network errors keep Deno's message and code.
 */
export class MqttError extends Error {
  override name = "MqttError";
  /** What kind of trouble. */
  readonly kind: MqttErrorKind;
  /** The CONNACK return code of a refusal, or the code of the system error. */
  readonly code?: number | string;

  /** Creates an error of `kind`. */
  constructor(kind: MqttErrorKind, message: string, code?: number | string) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}

/** A message the broker delivered for a subscription. */
export interface MqttMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  /** A retained copy sent on subscribing, not a live publish. */
  retain: boolean;
  dup: boolean;
}

/** Options of {@link MqttClient.connect}. */
export interface MqttClientOptions {
  /** `mqtt://host[:1883]` or `mqtts://host[:8883]`; a login in it counts when neither `username` nor `password` is set. */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM texts: the CA to trust instead of the public ones, the client certificate and key. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Seconds; a PINGREQ goes out after this long without anything sent (30). 0: never. */
  keepalive?: number;
  /** Start with a new session (true). */
  clean?: boolean;
  /** Published by the broker when the connection dies without DISCONNECT. */
  will?: WillMessage;
  /** How long the TCP connection, the TLS handshake and the CONNACK may take, in ms (10 000). */
  connectTimeoutMs?: number;
  /** Largest packet accepted from the broker, in bytes (1 MiB); a larger one ends the connection. */
  maxPacketBytes?: number;
  /** Called for every message the broker delivers. */
  onMessage?: (message: MqttMessage) => void;
  /** Called once when an accepted connection has ended, with the reason. */
  onClose?: (reason: MqttError) => void;
}

/** Options of {@link MqttClient.publish}. */
export interface PublishOptions {
  /** 0 (the default) or 1. */
  qos?: 0 | 1;
  /** Whether the broker keeps it for new subscribers (false). */
  retain?: boolean;
}

/** A publish or subscribe waiting for its acknowledgement. */
interface Waiter {
  kind: "PUBACK" | "SUBACK";
  /** When it was queued, in ms of `performance.now()`. */
  at: number;
  resolve(granted: number[]): void;
  reject(error: MqttError): void;
}

const PINGREQ = encodePingreq();
const READ_BUFFER_BYTES = 16 * 1024;

/** The promise, its rejection marked handled: a publish nobody awaits cannot crash smr. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Whether a failed TCP connect or read is the network's fault, by Deno's error class. */
function isNetworkError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.AddrNotAvailable ||
    error instanceof Deno.errors.TimedOut ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.NetworkUnreachable ||
    error instanceof Deno.errors.UnexpectedEof;
}

/** An error of the TLS layer, in the words of rustls (alerts, certificates, keys). */
function isTlsMessage(message: string): boolean {
  return /tls|certificate|alert|handshake|private key|KeyMismatch|peer closed connection without/i
    .test(message);
}

function wrap(error: unknown, kind: MqttErrorKind): MqttError {
  if (error instanceof MqttError) return error;
  const { message, code } = (error ?? {}) as { message?: string; code?: unknown };
  return new MqttError(kind, message ?? String(error), typeof code === "string" ? code : undefined);
}

/** Host, port and login of an `mqtt://` or `mqtts://` URL; throws TypeError for any other. */
function endpoint(
  url: string,
): { hostname: string; port: number; tls: boolean; username?: string; password?: string } {
  const parsed = new URL(url);
  const tls = parsed.protocol === "mqtts:";
  if (!tls && parsed.protocol !== "mqtt:") {
    throw new TypeError(`${parsed.protocol}// is not an MQTT URL: use mqtt:// or mqtts://`);
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(parsed.port || (tls ? 8883 : 1883));
  const login = (part: string) => part === "" ? undefined : decodeURIComponent(part);
  return {
    hostname,
    port,
    tls,
    username: login(parsed.username),
    password: login(parsed.password),
  };
}

/** One MQTT 3.1.1 connection; made by {@link MqttClient.connect}. */
export class MqttClient {
  /** Called for every message the broker delivers; may be replaced at any time. */
  onMessage?: (message: MqttMessage) => void;
  /** Called once when the connection has ended; may be replaced at any time. */
  onClose?: (reason: MqttError) => void;
  /** Resolves once the connection has ended, with the reason (kind `closed` when closed here). */
  readonly closed: Promise<MqttError>;

  readonly #conn: Deno.Conn;
  readonly #decoder: PacketDecoder;
  readonly #keepaliveMs: number;
  #resolveClosed!: (reason: MqttError) => void;
  #reason?: MqttError;
  #connack?: { resolve(): void; reject(error: MqttError): void };
  readonly #tls: boolean;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 1;
  #queue: Uint8Array[] = [];
  #flushing?: Promise<void>;
  #lastSent = performance.now();
  #pingSentAt?: number;
  #timer?: ReturnType<typeof setTimeout>;

  private constructor(conn: Deno.Conn, options: MqttClientOptions, tls: boolean) {
    this.#conn = conn;
    this.#tls = tls;
    this.#decoder = new PacketDecoder({ maxBytes: options.maxPacketBytes });
    this.#keepaliveMs = (options.keepalive ?? 30) * 1000;
    this.onMessage = options.onMessage;
    this.onClose = options.onClose;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  /**
   * Connects, sends CONNECT and waits for the CONNACK. Rejects with an
   * {@link MqttError}: `refused` (the CONNACK's return code, 4 and 5 for
   * the login), `tls`, `network`, `timeout` or `protocol`. Throws TypeError
   * or RangeError for options that cannot work (a URL that is not MQTT, a
   * password without a user name, a keepalive out of range).
   */
  static async connect(options: MqttClientOptions): Promise<MqttClient> {
    const { hostname, port, tls, ...login } = endpoint(options.url);
    if ((options.tls?.cert === undefined) !== (options.tls?.key === undefined)) {
      throw new TypeError("a client certificate needs both tls.cert and tls.key");
    }
    const unset = options.username === undefined && options.password === undefined;
    const { username, password } = unset ? login : options;
    const connect = encodeConnect({
      clientId: options.clientId,
      keepalive: options.keepalive ?? 30,
      clean: options.clean ?? true,
      username,
      password,
      will: options.will,
    });
    const limitMs = options.connectTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let client: MqttClient | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new MqttError("timeout", `no answer from ${hostname}:${port} within ${limitMs} ms`));
      }, limitMs);
    });
    const attempt = (async () => {
      const conn = await open(hostname, port, tls, options.tls);
      if (timedOut) {
        conn.close();
        throw new MqttError("timeout", "connected too late");
      }
      client = new MqttClient(conn, options, tls);
      await client.#start(connect);
      return client;
    })();
    attempt.catch(() => {});
    try {
      return await Promise.race([attempt, timeout]);
    } catch (error) {
      const failure = wrap(error, "network");
      if (client) client.#end(failure);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the connection is up: CONNACK accepted, not yet ended. */
  get connected(): boolean {
    return this.#reason === undefined && this.#connack === undefined;
  }

  /** QoS 1 publishes and subscribes waiting for their acknowledgement. */
  get inFlight(): number {
    return this.#waiting.size;
  }

  /**
   * Publishes a message. QoS 0 resolves once queued; QoS 1 resolves on its
   * PUBACK. Rejects with kind `closed` when the connection is down or ends
   * before the PUBACK; it is never sent again. Throws TypeError for a topic
   * that is empty or holds a wildcard.
   */
  publish(
    topic: string,
    payload: string | Uint8Array,
    options: PublishOptions = {},
  ): Promise<void> {
    const qos = options.qos ?? 0;
    const retain = options.retain ?? false;
    if (qos === 0) {
      const packet = encodePublish({ topic, payload, qos, retain });
      if (this.#reason) return this.#down();
      this.#send(packet);
      return Promise.resolve();
    }
    const id = this.#peekId();
    const packet = encodePublish({ topic, payload, qos, retain, id });
    if (this.#reason) return this.#down();
    return quiet(this.#await(id, "PUBACK", packet).then(() => {}));
  }

  /**
   * Subscribes to topic filters; resolves with the QoS the broker granted
   * each (0x80: refused, e.g. by its ACL). Rejects with kind `closed` when
   * the connection is down or ends before the SUBACK.
   */
  subscribe(filters: string | readonly string[], qos: 0 | 1 = 1): Promise<number[]> {
    const list = typeof filters === "string" ? [filters] : filters;
    const id = this.#peekId();
    const packet = encodeSubscribe(id, list.map((filter) => ({ filter, qos })));
    if (this.#reason) return this.#down();
    return quiet(this.#await(id, "SUBACK", packet));
  }

  /**
   * Sends DISCONNECT after everything queued (so the broker drops the Last
   * Will) and closes; waits at most `limitMs` for the writes. QoS 1
   * publishes still waiting for their PUBACK are rejected.
   */
  async disconnect(limitMs = 1000): Promise<void> {
    if (this.#reason) return;
    this.#send(encodeDisconnect());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((resolve) => timer = setTimeout(resolve, limitMs));
    try {
      await Promise.race([this.#flushing, limit]);
    } finally {
      clearTimeout(timer);
      this.#end(new MqttError("closed", "disconnected"));
    }
  }

  /** Closes the connection at once, without DISCONNECT: the broker publishes the Last Will. */
  close(): void {
    this.#end(new MqttError("closed", "closed without DISCONNECT"));
  }

  /** Sends CONNECT, starts reading and resolves on an accepting CONNACK. */
  #start(connect: Uint8Array): Promise<void> {
    const accepted = new Promise<void>((resolve, reject) => this.#connack = { resolve, reject });
    this.#send(connect);
    this.#read();
    return accepted;
  }

  #down<T>(): Promise<T> {
    const reason = this.#reason!;
    return quiet(Promise.reject(new MqttError("closed", `not connected: ${reason.message}`)));
  }

  /** The next free packet id (1 to 65535). */
  #peekId(): number {
    if (this.#waiting.size >= 0xffff) throw new RangeError("65535 packets wait for an answer");
    while (this.#waiting.has(this.#nextId)) this.#nextId = (this.#nextId % 0xffff) + 1;
    return this.#nextId;
  }

  #await(id: number, kind: Waiter["kind"], packet: Uint8Array): Promise<number[]> {
    this.#nextId = (id % 0xffff) + 1;
    const promise = new Promise<number[]>((resolve, reject) => {
      this.#waiting.set(id, { kind, at: performance.now(), resolve, reject });
    });
    this.#send(packet);
    return promise;
  }

  /** Queues a packet; everything queued in this tick goes out in one write. */
  #send(packet: Uint8Array): void {
    if (this.#reason) return;
    this.#queue.push(packet);
    this.#flushing ??= this.#flush();
  }

  async #flush(): Promise<void> {
    await null; // let the rest of this tick queue its packets
    try {
      while (this.#queue.length > 0 && !this.#reason) {
        const queue = this.#queue;
        this.#queue = [];
        const data = queue.length === 1 ? queue[0] : concat(...queue);
        this.#lastSent = performance.now();
        for (let at = 0; at < data.length;) at += await this.#conn.write(data.subarray(at));
      }
    } catch (error) {
      this.#end(wrap(error, this.#connack && this.#tls ? "tls" : "network"));
    }
    this.#flushing = undefined;
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      while (!this.#reason) {
        const n = await this.#conn.read(buffer);
        if (n === null) {
          const when = this.#connack ? " before CONNACK" : "";
          this.#end(new MqttError("network", `the broker closed the connection${when}`));
          return;
        }
        for (const result of this.#decoder.push(buffer.subarray(0, n))) {
          if (this.#reason) return;
          if (!result.ok) {
            this.#end(new MqttError("protocol", result.error.message));
            return;
          }
          this.#handle(result.value);
        }
      }
    } catch (error) {
      if (this.#reason) return;
      const message = (error as Error)?.message ?? "";
      const tls = this.#tls && this.#connack !== undefined && !isNetworkError(error) &&
        isTlsMessage(message);
      this.#end(wrap(error, tls ? "tls" : "network"));
    }
  }

  #handle(packet: IncomingPacket): void {
    this.#pingSentAt = undefined;
    switch (packet.type) {
      case "connack": {
        const pending = this.#connack;
        if (!pending) {
          this.#end(new MqttError("protocol", "a second CONNACK"));
          return;
        }
        if (packet.returnCode !== 0) {
          const code = packet.returnCode;
          const error = new MqttError(
            "refused",
            `Connection refused: ${CONNACK_RETURN_CODES[code]}`,
            code,
          );
          this.#end(error);
          return;
        }
        this.#connack = undefined;
        this.#arm(this.#keepaliveMs);
        pending.resolve();
        return;
      }
      case "publish": {
        if (this.#connack) {
          this.#end(new MqttError("protocol", "PUBLISH before CONNACK"));
          return;
        }
        if (packet.id !== undefined) this.#send(encodePuback(packet.id));
        const { topic, payload, qos, retain, dup } = packet;
        const listener = this.onMessage;
        if (listener) {
          try {
            listener({ topic, payload, qos, retain, dup });
          } catch (error) {
            // A listener's bug is the caller's: report it as uncaught, keep the connection.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
        return;
      }
      case "puback":
      case "suback": {
        const waiter = this.#waiting.get(packet.id);
        const kind = packet.type === "puback" ? "PUBACK" : "SUBACK";
        if (waiter?.kind !== kind) return; // an answer to nothing asked: ignored
        this.#waiting.delete(packet.id);
        waiter.resolve(packet.type === "suback" ? packet.granted : []);
        return;
      }
      case "pingresp":
        return;
    }
  }

  /** (Re)arms the one timer of the connection. */
  #arm(delayMs: number): void {
    if (this.#keepaliveMs <= 0 || this.#reason) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), Math.max(1, delayMs));
  }

  /**
   * The timer: gives up when a PINGREQ or the oldest acknowledgement waited
   * a keepalive period, sends a PINGREQ after a keepalive period without
   * sending, and sleeps until the next of these deadlines.
   */
  #tick(): void {
    const now = performance.now();
    const period = this.#keepaliveMs;
    if (this.#pingSentAt !== undefined && now - this.#pingSentAt >= period) {
      this.#end(new MqttError("timeout", `no answer to PINGREQ within ${period / 1000} s`));
      return;
    }
    const oldest = this.#waiting.values().next().value;
    if (oldest !== undefined && now - oldest.at >= period) {
      this.#end(new MqttError("timeout", `no ${oldest.kind} within ${period / 1000} s`));
      return;
    }
    let next: number;
    if (this.#pingSentAt === undefined) {
      next = period - (now - this.#lastSent);
      if (next <= 0) {
        this.#pingSentAt = now;
        this.#send(PINGREQ);
        next = period;
      }
    } else {
      next = this.#pingSentAt + period - now;
    }
    if (oldest !== undefined) next = Math.min(next, oldest.at + period - now);
    this.#arm(next);
  }

  /** Ends the connection once: closes the socket, fails what waits, tells the listeners. */
  #end(reason: MqttError): void {
    if (this.#reason) return;
    this.#reason = reason;
    clearTimeout(this.#timer);
    this.#queue = [];
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    const connack = this.#connack;
    this.#connack = undefined;
    connack?.reject(reason);
    const wasUp = connack === undefined;
    for (const waiter of this.#waiting.values()) {
      waiter.reject(new MqttError("closed", `no ${waiter.kind}: ${reason.message}`));
    }
    this.#waiting.clear();
    this.#resolveClosed(reason);
    if (wasUp) this.onClose?.(reason);
  }
}

/** Opens the TCP or TLS connection; TLS failures come out as kind `tls`. */
async function open(
  hostname: string,
  port: number,
  tls: boolean,
  files: MqttClientOptions["tls"],
): Promise<Deno.Conn> {
  if (!tls) {
    try {
      const conn = await Deno.connect({ hostname, port });
      conn.setNoDelay(true);
      return conn;
    } catch (error) {
      throw wrap(error, "network");
    }
  }
  let conn: Deno.TlsConn;
  try {
    const options = {
      hostname,
      port,
      caCerts: files?.ca === undefined ? undefined : [files.ca],
    };
    conn = files?.cert !== undefined && files?.key !== undefined
      ? await Deno.connectTls({ ...options, cert: files.cert, key: files.key })
      : await Deno.connectTls(options);
  } catch (error) {
    throw wrap(error, isNetworkError(error) ? "network" : "tls");
  }
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    if (!isNetworkError(error)) throw wrap(error, "tls");
    // A reset or an end during the handshake: most likely not a TLS port.
    const { message, code } = error as { message: string; code?: string };
    throw new MqttError("tls", `${message} before secure TLS connection was established`, code);
  }
  return conn;
}
