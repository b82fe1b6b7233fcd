/**
 * An IEC 62056-21 meter read on request (modes A and C) behind an optical
 * head, played on the peer end of a socat pty. It waits for a sign-on
 * `/?!` CR LF, answers with its identification, waits for the option select
 * `ACK 0 Z 0` CR LF (mode C) and sends its data block `STX … ETX BCC`.
 *
 * A pty carries bytes at any speed, so the simulator reads the speed the
 * device runs at (`stty -F <device> speed`) where a real meter would hear
 * or send at its own: when a sign-on arrives, and before the data block,
 * which it sends once the device runs at the rate the option select asked
 * for (waiting for smr to switch, as a meter's reaction time allows for).
 * Each exchange is recorded with those speeds and the pause smr left
 * between the identification and its option select.
 *
 * It misbehaves on demand: the head echoes everything smr sends, the meter
 * keeps silent (head moved), or a block goes out with a wrong BCC.
 */
import { concat, latin1, latin1Text } from "../../src/bytes.ts";
import type { Pty } from "./pty.ts";

/** Options of {@link startD0Simulator}. */
export interface D0SimulatorOptions {
  /** Identification line without CR LF; `/LGZ5ZMD120AR` (mode C, 9600 baud) unless told. */
  identification?: string;
  /** The data lines of the block, `!` CR LF included; {@link ZMD_DATA} unless told. */
  data?: string;
  /** Whether the head echoes what smr sends; false unless told. */
  echo?: boolean;
  /** Milliseconds the meter waits before it answers; 200 unless told. */
  reactionMs?: number;
}

/** One exchange as the simulated meter saw it. */
export interface D0Exchange {
  /** The sign-on as received, `/?!` CR LF. */
  request: string;
  /** The device address of the sign-on (empty for none). */
  address: string;
  /** The speed the device ran at when the sign-on arrived. */
  signOnBaud: number;
  /** The option select as received, without ACK and line end (`050`). */
  optionSelect?: string;
  /** Milliseconds from the end of the identification to the option select. */
  optionSelectAfterMs?: number;
  /** The speed the device ran at when the data block went out. */
  dataBaud?: number;
  /** What the meter sent last: nothing, the identification only, a block, a damaged block. */
  sent: "nothing" | "identification" | "block" | "bad-bcc";
}

/** A running simulated meter; see the module documentation. */
export interface D0Simulator {
  /** Whether the head echoes what smr sends. */
  echo: boolean;
  /** Whether the meter keeps silent (the head still echoes). */
  silent: boolean;
  /** The data lines of the next blocks. */
  data: string;
  /** Every exchange so far, oldest first. */
  readonly exchanges: D0Exchange[];
  /**
   * Damages the next `count` blocks: they carry `data` with `from` replaced
   * by `to` under the BCC of the true block, so a reader that skipped the
   * check would publish `to`.
   */
  corruptNext(count: number, from: string, to: string): void;
  /** Damaged blocks still to send. */
  readonly corruptPending: number;
  /** Stops answering and waits for the loop to end. */
  stop(): Promise<void>;
}

/** A plausible Landis+Gyr ZMD readout: error register, serial number, energy, power. */
export const ZMD_DATA = "F.F(00000000)\r\n0.0.0(87654321)\r\nC.1(87654321)\r\n" +
  "1.8.0(001234.567*kWh)\r\n1.8.1(001000.000*kWh)\r\n2.8.0(000012.345*kWh)\r\n" +
  "1.7.0(01.234*kW)\r\n!\r\n";

const RATES = [300, 600, 1200, 2400, 4800, 9600, 19200];
const SIGN_ON = /\/\?([0-9A-Za-z ]*)!\r\n/;
/** The option select `ACK 0 Z 0` CR LF of a data readout. */
const OPTION_SELECT = new RegExp(`${String.fromCharCode(0x06)}(0[0-6]0)\r\n`);
/** Longest wait for smr's next step: generous, for an emulated machine. */
const PATIENCE_MS = 15_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A data block `STX data ETX BCC`; `bccOf` names the data whose BCC it carries. */
export function d0Block(data: string, bccOf = data): Uint8Array {
  const xor = (text: string) => {
    let check = 0x03;
    for (let i = 0; i < text.length; i++) check ^= text.charCodeAt(i);
    return check;
  };
  return concat(latin1(`\x02${data}\x03`), Uint8Array.of(xor(bccOf)));
}

/** The speed `device` runs at, as stty tells it. */
async function speedOf(device: string): Promise<number> {
  const output = await new Deno.Command("stty", {
    args: ["-F", device, "speed"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return Number(new TextDecoder().decode(output.stdout).trim()) || 0;
}

class Simulator implements D0Simulator {
  echo: boolean;
  silent = false;
  data: string;
  readonly exchanges: D0Exchange[] = [];
  readonly #pty: Pty;
  readonly #identification: string;
  readonly #reactionMs: number;
  #corrupt = { count: 0, from: "", to: "" };
  #buffer = "";
  #running = true;
  readonly #loop: Promise<void>;

  constructor(pty: Pty, options: D0SimulatorOptions) {
    this.#pty = pty;
    this.#identification = options.identification ?? "/LGZ5ZMD120AR";
    this.data = options.data ?? ZMD_DATA;
    this.echo = options.echo ?? false;
    this.#reactionMs = options.reactionMs ?? 200;
    this.#loop = this.#run();
  }

  get corruptPending(): number {
    return this.#corrupt.count;
  }

  corruptNext(count: number, from: string, to: string): void {
    if (!this.data.includes(from)) throw new Error(`simulator: ${from} is not in the data`);
    this.#corrupt = { count, from, to };
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const found = await this.#take((text) => SIGN_ON.exec(text), 100);
      if (found) await this.#exchange(found);
    }
  }

  /**
   * Reads until `match` finds something in what smr sent, or `timeoutMs`
   * passes; what precedes the match is dropped, what follows it kept.
   */
  async #take(
    match: (text: string) => RegExpExecArray | null,
    timeoutMs: number,
  ): Promise<RegExpExecArray | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = match(this.#buffer);
      if (found) {
        this.#buffer = this.#buffer.slice(found.index + found[0].length);
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0 || !this.#running) return undefined;
      const chunk = await this.#pty.read({
        until: (received) => match(this.#buffer + latin1Text(received)) !== null,
        timeoutMs: Math.min(left, 100),
      });
      this.#buffer = (this.#buffer + latin1Text(chunk)).slice(-4096);
    }
  }

  async #exchange(signOn: RegExpExecArray): Promise<void> {
    // The meter's reaction time and the look at the device's speed run side by side, so a
    // slow stty on an emulated machine does not add to the meter's answer time.
    const reaction = delay(this.#reactionMs);
    const exchange: D0Exchange = {
      request: signOn[0],
      address: signOn[1],
      signOnBaud: await speedOf(this.#pty.device),
      sent: "nothing",
    };
    this.exchanges.push(exchange);
    if (this.echo) await this.#write(latin1(signOn[0]));
    if (this.silent) return;
    await reaction;
    await this.#write(latin1(`${this.#identification}\r\n`));
    const identifiedAt = Date.now();
    exchange.sent = "identification";
    const z = this.#identification[4];
    if (z >= "0" && z <= "6") {
      const select = await this.#take((text) => OPTION_SELECT.exec(text), PATIENCE_MS);
      if (!select) return;
      exchange.optionSelect = select[1];
      exchange.optionSelectAfterMs = Date.now() - identifiedAt;
      if (this.echo) await this.#write(latin1(select[0]));
      const rate = RATES[Number(select[1][1])];
      const [speed] = await Promise.all([this.#speedBecomes(rate), delay(this.#reactionMs)]);
      exchange.dataBaud = speed;
    } else {
      exchange.dataBaud = await speedOf(this.#pty.device);
    }
    exchange.sent = await this.#sendBlock();
  }

  /** The device's speed once it is `rate`, or what it is after {@link PATIENCE_MS}. */
  async #speedBecomes(rate: number): Promise<number> {
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      const speed = await speedOf(this.#pty.device);
      if (speed === rate || Date.now() > deadline || !this.#running) return speed;
      await delay(50);
    }
  }

  async #sendBlock(): Promise<"block" | "bad-bcc"> {
    const { count, from, to } = this.#corrupt;
    if (count > 0) {
      this.#corrupt.count--;
      await this.#write(d0Block(this.data.replace(from, to), this.data));
      return "bad-bcc";
    }
    await this.#write(d0Block(this.data));
    return "block";
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      await this.#pty.write(bytes);
    } catch {
      // unplugged: the bytes are lost, as on a real line
    }
  }
}

/** Starts a simulated IEC 62056-21 meter on `pty.peer`; see {@link D0Simulator}. */
export function startD0Simulator(pty: Pty, options: D0SimulatorOptions = {}): D0Simulator {
  return new Simulator(pty, options);
}
