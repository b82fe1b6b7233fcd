/**
 * The T210-D-r reader: serial chunks in, telegrams out. It wires the frame
 * finder, the decrypter and the caller's telegram check (the DSMR parser with
 * its CRC) so that any failure settles the candidate as rejected and the
 * search resumes from its start + 1.
 */
import { reject, type Rejection, type Result } from "../../result.ts";
import type { FrameDecrypter } from "./decrypt.ts";
import { type FoundFrame, FrameFinder, type FrameFinderOptions } from "./finder.ts";

/** Options of {@link T210Reader}. */
export interface T210ReaderOptions<T> {
  /** Decrypts the meter's frames. */
  decrypter: FrameDecrypter;
  /**
   * Checks and converts a decrypted telegram: the DSMR parser, whose CRC is
   * the only integrity check without an authentication key. A rejection
   * rejects the frame.
   */
  validate: (telegram: Uint8Array, frame: FoundFrame) => Result<T>;
  /** Options of the frame finder. */
  finder?: FrameFinderOptions;
  /** Told of each rejected frame, for a diagnosis that needs the frame itself. */
  onRejected?: (frame: FoundFrame, error: Rejection) => void;
}

/** Reads telegrams from a T210-D-r byte stream; see the module doc. */
export class T210Reader<T> {
  /** The frame finder (its `discarded` count tells how much noise was skipped). */
  readonly finder: FrameFinder;
  readonly #decrypter: FrameDecrypter;
  readonly #validate: (telegram: Uint8Array, frame: FoundFrame) => Result<T>;
  readonly #onRejected?: (frame: FoundFrame, error: Rejection) => void;

  /** Creates a reader with an empty finder. */
  constructor(options: T210ReaderOptions<T>) {
    this.finder = new FrameFinder(options.finder);
    this.#decrypter = options.decrypter;
    this.#validate = options.validate;
    this.#onRejected = options.onRejected;
  }

  /**
   * Feeds bytes read from the port. Returns the outcome of every frame
   * completed by them, in stream order: telegrams, and rejections to count
   * and log.
   */
  push(chunk: Uint8Array): Result<T>[] {
    const results: Result<T>[] = [];
    const slice = this.finder.maxFrameLength;
    for (let at = 0; at < chunk.length; at += slice) {
      this.finder.push(chunk.subarray(at, at + slice));
      for (let frame = this.finder.next(); frame; frame = this.finder.next()) {
        const plain = this.#decrypter.decrypt(frame);
        const result = plain.ok ? this.#check(plain.value, frame) : plain;
        if (result.ok) this.finder.accept(frame);
        else {
          this.finder.reject(frame);
          this.#onRejected?.(frame, result.error);
        }
        results.push(result);
      }
    }
    return results;
  }

  #check(telegram: Uint8Array, frame: FoundFrame): Result<T> {
    try {
      return this.#validate(telegram, frame);
    } catch (error) {
      return reject("decode", `telegram check failed: ${error}`);
    }
  }
}
