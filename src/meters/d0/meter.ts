/** The D0 meter built from its configuration (push or pull), and the decoding of a capture. */
import { type DecodeReport, decodeStreamCapture, type MeterContext } from "../driver.ts";
import type { Meter } from "../meter.ts";
import { meterPort } from "../meter_port.ts";
import { PolledMeter } from "../polled_meter.ts";
import { listeningMeter } from "../stream_meter.ts";
import { D0StreamDecoder } from "./decoder.ts";
import type { D0Config } from "./driver.ts";
import { D0PollSession, SIGN_ON_BAUD, SIGN_ON_TIMEOUT } from "./poll_session.ts";

/** A D0 meter: listened to in push mode, signed on to and read in pull mode. */
export function createD0Meter(meter: D0Config, context: MeterContext): Meter {
  const { id, log } = context;
  const info = { manufacturer: "IEC 62056-21", model: "D0 meter" };
  if (meter.mode === "pull") {
    return new PolledMeter({
      id,
      info,
      interval: meter.interval,
      timeout: SIGN_ON_TIMEOUT,
      port: meterPort(meter, log, SIGN_ON_BAUD),
      session: new D0PollSession({ address: meter.address, baudSwitch: meter.baud_switch }),
      log,
    });
  }
  return listeningMeter(meter, context, info, new D0StreamDecoder({ bcc: meter.bcc }));
}

/** Decodes the readouts of a capture. */
export function decodeD0Capture(id: string, meter: D0Config, bytes: Uint8Array): DecodeReport {
  return decodeStreamCapture(
    id,
    new D0StreamDecoder({ bcc: meter.bcc }),
    bytes,
    "no D0 readout found (a readout starts with /XXX and ends with !)",
  );
}
