/**
 * The SML stream decoder a meter driver plugs into `StreamMeter`: bytes in,
 * one decoded reading (or rejection) per transport frame out. The framer
 * checks the transport CRC first, so nothing is decoded from a frame that
 * failed it.
 *
 * The meter pushes on its own through the optical head, 9600 baud 8N1, every
 * 1 to 4 seconds; nothing is sent to it. Both CRC variants are accepted by
 * default, so a Holley DTZ541 needs no setting.
 */
import { ok, type Result } from "../../result.ts";
import type { StreamDecoder } from "../stream_meter.ts";
import { decodeSmlPayload, type SmlDecoded } from "./decode.ts";
import { type SmlCrc, type SmlFrame, SmlFramer, type SmlFramerOptions } from "./transport.ts";

/** A decoded frame: its values and identity, and the CRC variant it came with. */
export interface SmlFrameDecoded extends SmlDecoded {
  crc: SmlCrc;
}

/** Turns an SML byte stream into decoded frames or rejections, in stream order. */
export class SmlDecoder implements StreamDecoder {
  /** The framer, for its counters and the CRC variant in use. */
  readonly framer: SmlFramer;

  /** Creates a decoder; the options bound the frame size and choose the CRC variants. */
  constructor(options: SmlFramerOptions = {}) {
    this.framer = new SmlFramer(options);
  }

  /** Feeds one chunk; returns a result for every frame it completed. */
  push(chunk: Uint8Array): Result<SmlFrameDecoded>[] {
    return this.framer.push(chunk).map(decodeFrame);
  }

  /** Ends the stream: a frame still open is a framing rejection. */
  flush(): Result<SmlFrameDecoded>[] {
    return this.framer.flush().map(decodeFrame);
  }
}

function decodeFrame(framed: Result<SmlFrame>): Result<SmlFrameDecoded> {
  if (!framed.ok) return framed;
  const decoded = decodeSmlPayload(framed.value.payload);
  return decoded.ok ? ok({ ...decoded.value, crc: framed.value.crc }) : decoded;
}
