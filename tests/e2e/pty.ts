/**
 * A pseudo-terminal pair from socat that stands in for a serial meter:
 * smr opens `device`, the test plays the meter on `peer`. Both are symlinks
 * in a temporary folder that stay the same across {@link Pty.stop} (unplug)
 * and {@link Pty.restart} (replug).
 *
 * What Linux does here (observed with socat 1.7.4):
 * - bytes written to `peer` while nobody has `device` open are kept (by the
 *   ptys and socat) and delivered once it is opened, even after stty opened
 *   and closed it in between; about 32 kB go through at once, beyond that a
 *   write waits until the device is read, and nothing is lost;
 * - when socat stops, a pending read on `device` fails with EIO, later reads
 *   return EOF (null) and writes fail with EIO; socat removes its links on
 *   SIGTERM, so opening `device` fails with NotFound until the restart;
 * - socat keeps running when either end is closed and reopened.
 */
import { requireTool, scaled } from "./tools.ts";
import { concat } from "../../src/bytes.ts";
import { seededRandom } from "../random.ts";

/** Options of {@link Pty.read}. */
export interface PtyReadOptions {
  /** Whether the bytes received so far are enough; by default any byte is. */
  until?: (received: Uint8Array) => boolean;
  /** Longest wait in milliseconds; 5000 by default. */
  timeoutMs?: number;
}

/** A socat pty pair; see the module documentation. */
export interface Pty {
  /** The path smr opens as its serial device. */
  readonly device: string;
  /** The path the test writes meter bytes to and reads smr's requests from. */
  readonly peer: string;
  /** Whether socat runs (the device is plugged in). */
  readonly running: boolean;
  /** Writes all of `bytes` (a string as UTF-8) to the peer end. */
  write(bytes: Uint8Array | string): Promise<void>;
  /**
   * Bytes smr wrote, once `until` holds or the timeout passes; returns what
   * arrived (maybe nothing) and forgets it.
   */
  read(options?: PtyReadOptions): Promise<Uint8Array>;
  /** Stops socat: the device disappears, like an unplugged USB adapter. */
  stop(): Promise<void>;
  /** Starts socat again on the same paths, like plugging the adapter back in. */
  restart(): Promise<void>;
  /** Stops socat and removes the temporary folder. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

class SocatPty implements Pty {
  readonly device: string;
  readonly peer: string;
  readonly #dir: string;
  readonly #socat: string;
  #child?: Deno.ChildProcess;
  #log?: Promise<string>;
  #writer?: Deno.FsFile;
  #reader?: Deno.FsFile;
  #pump?: Promise<void>;
  #received: Uint8Array = new Uint8Array(0);
  #wake?: () => void;

  constructor(dir: string, socat: string) {
    this.#dir = dir;
    this.#socat = socat;
    this.device = `${dir}/ttyS`;
    this.peer = `${dir}/meter`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async restart(): Promise<void> {
    if (this.#child) throw new Error("pty is running: stop() it before restart()");
    await removeIfPresent(this.device);
    await removeIfPresent(this.peer);
    const child = new Deno.Command(this.#socat, {
      args: [
        "-d",
        "-d",
        `pty,raw,echo=0,link=${this.peer}`,
        `pty,raw,echo=0,link=${this.device}`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#log = new Response(child.stderr).text();
    let exited = false;
    child.status.then(() => {
      exited = true;
    });
    // The pty counts as running (readers and writers open it) once both links exist.
    const deadline = Date.now() + scaled(5000);
    while (!(await exists(this.device) && await exists(this.peer))) {
      if (exited || Date.now() > deadline) {
        this.#child = child;
        await this.stop();
        throw new Error(`socat did not create ${this.device} and ${this.peer}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.#child = child;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.status;
    await this.#log;
    for (const file of [this.#reader, this.#writer]) {
      try {
        file?.close();
      } catch {
        // already closed
      }
    }
    this.#reader = this.#writer = undefined;
    await this.#pump;
    this.#pump = undefined;
    // A dangling link could point at a /dev/pts number that another pty reuses.
    await removeIfPresent(this.device);
    await removeIfPresent(this.peer);
  }

  async close(): Promise<void> {
    await this.stop();
    await Deno.remove(this.#dir, { recursive: true });
  }

  async write(bytes: Uint8Array | string): Promise<void> {
    if (!this.#child) throw new Error("pty is stopped (unplugged): restart() it before writing");
    const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    if (!this.#writer) {
      const writer = await this.#openPeer({ write: true });
      if (!writer) throw new Error("pty was stopped (unplugged) while opening it");
      this.#writer = writer;
    }
    for (let offset = 0; offset < data.length;) {
      offset += await this.#writer.write(data.subarray(offset));
    }
  }

  async read(options: PtyReadOptions = {}): Promise<Uint8Array> {
    const until = options.until ?? ((received) => received.length > 0);
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    if (this.#child && !this.#reader) {
      const reader = await this.#openPeer({ read: true });
      if (reader) {
        this.#reader = reader;
        this.#pump = this.#readAll(reader);
      }
    }
    while (!until(this.#received)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    const received = this.#received;
    this.#received = new Uint8Array(0);
    return received;
  }

  /**
   * Opens the peer end, or returns undefined when a stop() (unplug) began
   * while the open was under way: socat removes the links as it goes.
   */
  async #openPeer(options: Deno.OpenOptions): Promise<Deno.FsFile | undefined> {
    const child = this.#child;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.peer, options);
    } catch (error) {
      if (this.#child === child) throw error;
      return undefined;
    }
    if (this.#child === child) return file;
    file.close();
    return undefined;
  }

  async #readAll(reader: Deno.FsFile): Promise<void> {
    const buffer = new Uint8Array(4096);
    while (true) {
      let n: number | null;
      try {
        n = await reader.read(buffer);
      } catch {
        return;
      }
      if (!n) return;
      this.#received = concat(this.#received, buffer.subarray(0, n));
      this.#wake?.();
    }
  }
}

/**
 * Starts a socat pty pair in a new temporary folder, once both links exist.
 * Throws `socat not found: install it with apt-get install socat` without socat.
 */
export async function startPty(): Promise<Pty> {
  const socat = requireTool("socat");
  const dir = await Deno.makeTempDir({ prefix: "smr-pty-" });
  const pty = new SocatPty(dir, socat);
  try {
    await pty.restart();
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  return pty;
}

/** Options of {@link writeInChunks}. */
export interface ChunkOptions {
  /** Seed of the chunk sizes and delays; 1 by default. */
  seed?: number;
  /** Largest chunk in bytes; 64 by default. */
  maxChunk?: number;
  /** Longest pause between chunks in milliseconds; 5 by default. */
  maxDelayMs?: number;
}

/** Writes `bytes` in chunks of random size with random short pauses, the same for a seed. */
export async function writeInChunks(
  target: Pick<Pty, "write">,
  bytes: Uint8Array | string,
  options: ChunkOptions = {},
): Promise<void> {
  const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  const random = seededRandom(options.seed ?? 1);
  const maxChunk = Math.max(1, options.maxChunk ?? 64);
  const maxDelayMs = options.maxDelayMs ?? 5;
  for (let offset = 0; offset < data.length;) {
    const size = 1 + Math.floor(random() * maxChunk);
    await target.write(data.subarray(offset, offset + size));
    offset += size;
    const delay = Math.floor(random() * (maxDelayMs + 1));
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
