/**
 * A serial port that outlives its device. It configures the line with stty,
 * opens the device, and when the device goes away (USB unplugged, EOF or EIO
 * on read or write) it warns once, reopens the same path with exponential
 * backoff, and tells once when the device is back, without a restart. The
 * device is back, and the backoff starts over, when bytes arrive again: a
 * device that opens but fails at once stays one outage at a growing delay.
 *
 * The device is opened twice, for reading and for writing: Deno runs the
 * operations on one file in order, so a write would wait behind a pending read
 * that a silent tty never completes. One read is always in flight while the
 * device is open; aborting closes the device, as only that ends such a read
 * (the cancelled read still takes the next bytes that arrive, so they are
 * lost; the next use reopens the device).
 *
 * The line speed can change while the device is open ({@link SerialPort.setBaud},
 * or around one request): an IEC 62056-21 meter is woken at 300 baud and then
 * told to switch. stty changes the speed of the open tty once what was written
 * has gone out; input is kept.
 *
 * One consumer at a time: either {@link SerialPort.chunks} or
 * {@link SerialPort.request}.
 */
import { type Logger, silentLogger } from "../log.ts";
import { concat } from "../bytes.ts";
import { sleep } from "../time.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import {
  checkSettings,
  configure,
  formatSettings,
  type SerialSettings,
  SttyError,
} from "./stty.ts";

/** Options of {@link SerialPort}. */
export interface SerialPortOptions {
  /** Device path, e.g. `/dev/ttyUSB0`. */
  path: string;
  settings: SerialSettings;
  logger?: Logger;
  /** Delays between attempts to reopen the device; 0.5 s doubling to 30 s by default. */
  backoff?: BackoffOptions;
  /** Largest chunk read at once, in bytes; 4096 by default. */
  readSize?: number;
}

/** Line speed changes around one {@link SerialPort.request}. */
export interface RequestOptions {
  /** The speed to write the request at; the line switches first when it runs at another. */
  baud?: number;
  /**
   * The speed to switch to once the request has gone out, for the reply and
   * what follows (an IEC 62056-21 option select); kept until changed again.
   */
  baudAfter?: number;
}

/** A completed read: bytes, or why the device is gone. */
type Outcome = { chunk: Uint8Array } | { gone: string };

/**
 * The read in flight; `outcome` is set once it completes. Waiters that give
 * up (a request's timeout) leave `waiters`, so a device that stays silent for
 * weeks does not collect one callback per timed-out request.
 */
interface PendingRead {
  promise: Promise<Outcome>;
  outcome?: Outcome;
  waiters: Set<(outcome: Outcome | undefined) => void>;
}

/** An outage: since when, and how many attempts to reopen failed. */
interface Outage {
  since: number;
  failures: number;
}

/** An open device. */
interface Connection {
  reader: Deno.FsFile;
  writer: Deno.FsFile;
  pending?: PendingRead;
  /** The outage this connection may end; it has once bytes arrive. */
  outage?: Outage;
  /** Whether bytes arrived on it. */
  received: boolean;
  /** The line speed it runs at. */
  baud: number;
}

/** How long stale input may take to show up before a request is written. */
const SETTLE_MS = 10;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatMs(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The outcome of `pending`, or undefined as soon as `signal` aborts. */
function outcomeOf(pending: PendingRead, signal?: AbortSignal): Promise<Outcome | undefined> {
  if (pending.outcome) return Promise.resolve(pending.outcome);
  if (signal?.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (outcome: Outcome | undefined) => {
      pending.waiters.delete(done);
      signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const onAbort = () => done(undefined);
    pending.waiters.add(done);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `promise`, or undefined as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A signal that aborts with any of `signals`; `dispose` detaches it from them
 * (unlike `AbortSignal.any`, nothing stays registered on long-lived signals).
 */
function linked(...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const sources = signals.filter((s): s is AbortSignal => s !== undefined);
  const abort = () => controller.abort();
  const dispose = () => sources.forEach((s) => s.removeEventListener("abort", abort));
  for (const source of sources) {
    if (source.aborted) controller.abort();
    else source.addEventListener("abort", abort, { once: true });
  }
  return { signal: controller.signal, dispose };
}

/** A serial device that reconnects by itself; see the module documentation. */
export class SerialPort {
  /** Device path. */
  readonly path: string;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #readSize: number;
  readonly #shutdown = new AbortController();
  #conn?: Connection;
  #connecting?: Promise<void>;
  #nextAttemptAt = 0;
  #outage?: Outage;
  #reconnects = 0;
  #lastError?: string;
  #settings: SerialSettings;

  /** Creates a closed port; it opens on first use. */
  constructor(options: SerialPortOptions) {
    this.path = options.path;
    this.#settings = options.settings;
    this.#log = options.logger ?? silentLogger;
    this.#backoff = new Backoff(options.backoff);
    this.#readSize = options.readSize ?? 4096;
  }

  /** Line settings applied on every open; the speed is the last one set (see {@link setBaud}). */
  get settings(): SerialSettings {
    return this.#settings;
  }

  /** Whether the device is open now. */
  get connected(): boolean {
    return this.#conn !== undefined;
  }

  /** Times the device came back after being gone or failing to open. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Why the device is unavailable, while it is. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * Opens the device, retrying with backoff; false when `signal` aborts or the
   * port is closed first. Optional: the other methods open on demand.
   */
  async open(signal?: AbortSignal): Promise<boolean> {
    return (await this.#ensureOpen(signal)) !== undefined;
  }

  /**
   * Chunks of whatever size arrives, across reconnects, until `signal` aborts
   * (which closes the device) or the port is closed.
   */
  async *chunks(signal: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      while (true) {
        const conn = await this.#ensureOpen(signal);
        if (!conn) return;
        const chunk = await this.#readChunk(conn, signal);
        if (chunk) yield chunk;
        else if (signal.aborted || this.#shutdown.signal.aborted) return;
      }
    } finally {
      if (signal.aborted) await this.#disconnect();
    }
  }

  /**
   * Sets the line speed from now on, on reopens too; an open device switches
   * at once, once what was written has gone out. False when stty failed:
   * the device is then closed and reopened later, as after a failed open.
   * Throws a RangeError for a speed stty does not know.
   */
  setBaud(baud: number): Promise<boolean> {
    this.#wantBaud(baud);
    return this.#conn ? this.#applyBaud(this.#conn) : Promise.resolve(true);
  }

  /**
   * Discards stale input, writes `bytes` and collects the reply until
   * `isComplete(reply)` holds or `timeoutMs` passes (waiting for the device
   * included). Returns the reply, what arrived before the timeout (check it
   * with `isComplete`), or undefined when nothing did. Aborting `signal`
   * closes the device. `line` switches the speed before writing or after
   * (see {@link setBaud}; a failed switch ends the request with undefined).
   */
  async request(
    bytes: Uint8Array,
    isComplete: (reply: Uint8Array) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
    line: RequestOptions = {},
  ): Promise<Uint8Array | undefined> {
    if (line.baud !== undefined) this.#wantBaud(line.baud);
    if (line.baudAfter !== undefined) this.#checkBaud(line.baudAfter);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const { signal: until, dispose } = linked(signal, timeout.signal);
    let reply: Uint8Array = new Uint8Array(0);
    try {
      const conn = await this.#ensureOpen(until);
      if (!conn || !(await this.#applyBaud(conn))) return undefined;
      await this.#discardStale(conn, until);
      if (until.aborted || !(await this.#write(conn, bytes, until))) return undefined;
      if (line.baudAfter !== undefined) {
        this.#wantBaud(line.baudAfter);
        if (!(await this.#applyBaud(conn))) return undefined;
      }
      while (!isComplete(reply)) {
        const chunk = await this.#readChunk(conn, until);
        if (!chunk) break;
        reply = concat(reply, chunk);
      }
      return reply.length > 0 ? reply : undefined;
    } finally {
      clearTimeout(timer);
      dispose();
      if (signal?.aborted) await this.#disconnect();
    }
  }

  /**
   * Closes the device for good: chunks end and requests return undefined.
   * Resolves once no operation on the device is left.
   */
  async close(): Promise<void> {
    this.#shutdown.abort();
    await this.#connecting;
    await this.#disconnect();
  }

  async #ensureOpen(signal?: AbortSignal): Promise<Connection | undefined> {
    if (signal?.aborted || this.#shutdown.signal.aborted) return undefined;
    if (this.#conn) return this.#conn;
    const { signal: until, dispose } = linked(signal, this.#shutdown.signal);
    try {
      while (!until.aborted) {
        if (this.#conn) return this.#conn;
        const wait = this.#nextAttemptAt - Date.now();
        if (wait > 0) {
          await sleep(wait, until);
        } else {
          this.#connecting ??= this.#connect().finally(() => {
            this.#connecting = undefined;
          });
          await abortable(this.#connecting, until);
        }
      }
      return undefined;
    } finally {
      dispose();
    }
  }

  #checkBaud(baud: number): void {
    const problem = checkSettings({ ...this.#settings, baud });
    if (problem) throw new RangeError(problem);
  }

  /** Makes `baud` the speed of the line from now on; {@link #applyBaud} switches an open device. */
  #wantBaud(baud: number): void {
    this.#checkBaud(baud);
    if (baud !== this.#settings.baud) this.#settings = { ...this.#settings, baud };
  }

  /** Switches `conn` to the wanted speed; false when stty failed, which closes the device. */
  async #applyBaud(conn: Connection): Promise<boolean> {
    const settings = this.#settings;
    if (conn.baud === settings.baud || this.#conn !== conn) return this.#conn === conn;
    try {
      await configure(this.path, settings);
    } catch (error) {
      if (this.#conn === conn) {
        await this.#disconnect();
        this.#failed(errorMessage(error));
      }
      return false;
    }
    conn.baud = settings.baud;
    this.#log.debug(`${this.path} switched to ${settings.baud} baud`);
    return this.#conn === conn;
  }

  async #connect(): Promise<void> {
    let reader: Deno.FsFile | undefined;
    const settings = this.#settings;
    try {
      await configure(this.path, settings);
      reader = await Deno.open(this.path, { read: true });
      const writer = await Deno.open(this.path, { write: true });
      if (this.#shutdown.signal.aborted) {
        reader.close();
        writer.close();
        return;
      }
      this.#conn = { reader, writer, received: false, outage: this.#outage, baud: settings.baud };
      this.#opened(this.#conn);
    } catch (error) {
      reader?.close();
      const message = errorMessage(error);
      this.#failed(error instanceof SttyError ? message : `cannot open ${this.path}: ${message}`);
    }
  }

  #opened(conn: Connection): void {
    this.#nextAttemptAt = 0;
    this.#lastError = undefined;
    this.#outage = undefined;
    const settings = formatSettings({ ...this.#settings, baud: conn.baud });
    if (conn.outage) this.#log.debug(`reopened ${this.path}`);
    else this.#log.info(`opened ${this.path} at ${settings}`);
  }

  /** Bytes arrived on `conn`: an outage it ended is over, the backoff starts over. */
  #received(conn: Connection): void {
    if (conn.received) return;
    conn.received = true;
    this.#backoff.reset();
    const { outage } = conn;
    if (!outage) return;
    conn.outage = undefined;
    this.#reconnects++;
    this.#log.info(
      `${this.path} is back after ${formatMs(Date.now() - outage.since)} ` +
        `(${outage.failures} failed attempts)`,
    );
  }

  #failed(message: string): void {
    this.#lastError = message;
    const delay = this.#backoff.next();
    this.#nextAttemptAt = Date.now() + delay;
    if (this.#outage) {
      this.#outage.failures++;
      this.#log.debug(`${message}; next attempt in ${formatMs(delay)}`);
      return;
    }
    this.#outage = { since: Date.now(), failures: 1 };
    this.#log.warn(`${message}; ${this.#retrying()}`);
  }

  #lost(conn: Connection, reason: string): void {
    if (this.#conn !== conn) return;
    void this.#disconnect();
    this.#lastError = `${this.path} is gone: ${reason}`;
    this.#nextAttemptAt = Date.now() + this.#backoff.next();
    if (conn.outage) {
      this.#outage = { since: conn.outage.since, failures: conn.outage.failures + 1 };
      this.#log.debug(`${this.#lastError} again before any byte arrived`);
      return;
    }
    this.#outage = { since: Date.now(), failures: 0 };
    this.#log.warn(`${this.#lastError}; ${this.#retrying()}`);
  }

  #retrying(): string {
    return `retrying every ${formatMs(this.#backoff.initialMs)} to ` +
      `${formatMs(this.#backoff.maxMs)} until it is back`;
  }

  /** Closes the device; resolves once the read in flight has ended. */
  async #disconnect(): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    this.#conn = undefined;
    for (const file of [conn.reader, conn.writer]) {
      try {
        file.close();
      } catch {
        // already closed
      }
    }
    await conn.pending?.promise;
  }

  #startRead(conn: Connection): PendingRead {
    const buffer = new Uint8Array(this.#readSize);
    const promise = conn.reader.read(buffer).then(
      (n): Outcome => n ? { chunk: buffer.slice(0, n) } : { gone: "end of file" },
      (error): Outcome => ({ gone: errorMessage(error) }),
    );
    const pending: PendingRead = { promise, waiters: new Set() };
    promise.then((outcome) => {
      pending.outcome = outcome;
      for (const waiter of [...pending.waiters]) waiter(outcome);
    });
    return pending;
  }

  /** The next chunk; undefined when `signal` aborts or the device is closed or gone. */
  async #readChunk(conn: Connection, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (this.#conn !== conn) return undefined;
    const pending = conn.pending ??= this.#startRead(conn);
    const outcome = await outcomeOf(pending, signal);
    if (!outcome || this.#conn !== conn) return undefined;
    if ("gone" in outcome) {
      this.#lost(conn, outcome.gone);
      return undefined;
    }
    if (conn.pending === pending) conn.pending = this.#startRead(conn);
    this.#received(conn);
    return outcome.chunk;
  }

  /** Drops input that arrived before a request. */
  async #discardStale(conn: Connection, signal: AbortSignal): Promise<void> {
    let dropped = 0;
    conn.pending ??= this.#startRead(conn);
    while (this.#conn === conn && !signal.aborted) {
      await sleep(SETTLE_MS, signal);
      const outcome = conn.pending?.outcome;
      if (!outcome || !("chunk" in outcome)) break;
      dropped += outcome.chunk.length;
      this.#received(conn);
      conn.pending = this.#startRead(conn);
    }
    if (dropped > 0) this.#log.debug(`discarded ${dropped} stale bytes from ${this.path}`);
  }

  async #write(conn: Connection, bytes: Uint8Array, signal: AbortSignal): Promise<boolean> {
    try {
      for (let offset = 0; offset < bytes.length;) {
        const written = await abortable(conn.writer.write(bytes.subarray(offset)), signal);
        if (written === undefined) {
          this.#log.debug(`write to ${this.path} did not complete; closing it`);
          await this.#disconnect();
          return false;
        }
        offset += written;
      }
      return true;
    } catch (error) {
      this.#lost(conn, `write failed: ${errorMessage(error)}`);
      return false;
    }
  }
}
