/**
 * DLMS general-block-transfer (`0xE0`): an APDU too long for one frame sent
 * as numbered blocks, each in its own frame.
 *
 * ```
 * E0 <block-control> <block-number: 2> <acknowledged block: 2> <raw data: A-XDR length + bytes>
 * ```
 * Block control: bit 7 last block, bit 6 streaming, bits 5..0 window size.
 * Blocks are numbered from 1; the raw data of blocks 1 … last, concatenated,
 * is the APDU (usually a general-glo-ciphering one).
 */
import { ok, reject, type Result } from "../../result.ts";
import { axdrLength } from "./axdr.ts";

/** The general-block-transfer tag. */
export const BLOCK_TRANSFER = 0xe0;

/** One general-block-transfer block; `data` is a view into the APDU. */
export interface TransferBlock {
  /** Whether this is the last block. */
  last: boolean;
  /** Whether the sender streams blocks without waiting for acknowledgements. */
  streaming: boolean;
  /** The window size (bits 5..0 of the block control). */
  window: number;
  /** The block number, from 1. */
  number: number;
  /** The block number acknowledged. */
  acknowledged: number;
  /** The raw data this block carries. */
  data: Uint8Array;
}

/**
 * Parses one general-block-transfer APDU. Rejects (reason "decode") a wrong
 * tag, a truncated block and bytes after its raw data.
 */
export function parseTransferBlock(apdu: Uint8Array): Result<TransferBlock> {
  if (apdu.length < 7 || apdu[0] !== BLOCK_TRANSFER) {
    return reject("decode", "not a general-block-transfer block (E0, control, numbers, data)");
  }
  const control = apdu[1];
  const length = axdrLength(apdu, 6);
  if (length === undefined || length.end + length.length > apdu.length) {
    return reject("decode", "general-block-transfer block truncated in its raw data");
  }
  if (length.end + length.length !== apdu.length) {
    return reject("decode", "general-block-transfer block has bytes after its raw data");
  }
  return ok({
    last: (control & 0x80) !== 0,
    streaming: (control & 0x40) !== 0,
    window: control & 0x3f,
    number: (apdu[2] << 8) | apdu[3],
    acknowledged: (apdu[4] << 8) | apdu[5],
    data: apdu.subarray(length.end),
  });
}

/** Options of a {@link BlockAssembler}. */
export interface BlockAssemblerOptions {
  /** Largest APDU assembled (64 KiB by default). */
  maxApduBytes?: number;
}

const DEFAULT_MAX_APDU = 65536;

/**
 * Reassembles general-block-transfer blocks into APDUs. A missing, repeated
 * or out-of-order block drops the APDU with a "framing" rejection; blocks
 * before the first block 1 of the stream are skipped without one.
 */
export class BlockAssembler {
  readonly #max: number;
  #parts: Uint8Array[] = [];
  #size = 0;
  #next = 1;
  #synced = false;

  /** Creates an assembler with nothing pending. */
  constructor(options: BlockAssemblerOptions = {}) {
    this.#max = options.maxApduBytes ?? DEFAULT_MAX_APDU;
    if (!(this.#max >= 1)) throw new RangeError("maxApduBytes must be at least 1");
  }

  /** Whether blocks of an unfinished APDU are held. */
  get pending(): boolean {
    return this.#parts.length > 0;
  }

  /**
   * Takes one general-block-transfer APDU; returns the APDU it completes (if
   * any) and the rejections it causes, in order.
   */
  take(apdu: Uint8Array): Result<Uint8Array>[] {
    const block = parseTransferBlock(apdu);
    if (!block.ok) return [block];
    const { number, last, data } = block.value;
    const out: Result<Uint8Array>[] = [];
    if (number === 1) {
      if (this.#parts.length > 0) out.push(this.#drop(`block ${this.#next} is missing`));
      this.#synced = true;
    } else if (this.#parts.length === 0 || number !== this.#next) {
      if (this.#parts.length > 0) {
        const why = number < this.#next
          ? `block ${number} repeated`
          : `block ${this.#next} missing before block ${number}`;
        out.push(this.#drop(why));
      } else if (this.#synced) {
        out.push(reject("framing", `general-block-transfer block ${number} without block 1`));
      }
      return out;
    }
    if (this.#size + data.length > this.#max) {
      out.push(this.#drop(`the APDU grows past ${this.#max} bytes`));
      return out;
    }
    this.#parts.push(data.slice());
    this.#size += data.length;
    this.#next = number + 1;
    if (!last) return out;
    const whole = new Uint8Array(this.#size);
    let at = 0;
    for (const part of this.#parts) {
      whole.set(part, at);
      at += part.length;
    }
    this.#parts = [];
    this.#size = 0;
    this.#next = 1;
    out.push(ok(whole));
    return out;
  }

  #drop(why: string): Result<Uint8Array> {
    this.#parts = [];
    this.#size = 0;
    this.#next = 1;
    return reject("framing", `general-block-transfer ${why}; APDU dropped`);
  }
}
