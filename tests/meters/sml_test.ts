/**
 * SML push meters end to end: frames played into a socat pty in random
 * chunks with noise, smr as a child process on the other end, values read
 * back from a real Mosquitto.
 */
import { assertEquals } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { capture, retainedSnapshot } from "../e2e/capture.ts";
import { startPty, writeInChunks } from "../e2e/pty.ts";
import { startSmr } from "../e2e/smr.ts";
import { checkStartup } from "../sinks/homie/conformance.ts";
import { latin1 } from "../../src/bytes.ts";
import { encodeSmlFrame, type SmlCrc } from "../../src/meters/sml/transport.ts";
import { entry, signed, smlFile, unsigned } from "./sml/build.ts";
import { testdataFrame } from "./sml/vectors.ts";

const BASE = "homie/sml-electricity";
const NOISE = latin1("\x00\xff\x1b\x1b\x1b garbage\r\n\x1b");
/** The server id of the EMH eHZ of the test data frame. */
const EMH_SERVER = "0901454d48000041f045";

/** An EMH-like frame: import total in 0.1 Wh and power in 0.1 W, as the eHZ sends them. */
function emhFrame(tenthWh: number, tenthW: number, crc: SmlCrc = "x25"): Uint8Array {
  return encodeSmlFrame(
    smlFile(EMH_SERVER, [
      entry({ obis: "0100010800ff", unit: 30, scaler: -1, value: unsigned(tenthWh, 5) }),
      entry({ obis: "0100100700ff", unit: 27, scaler: -1, value: signed(tenthW, 4) }),
    ]),
    crc,
  );
}

Deno.test("sml: frames in random chunks with noise arrive as exact Homie values; a broken CRC publishes nothing", async () => {
  const broker = await startBroker();
  const pty = await startPty();
  const cap = await capture(broker.url, "homie/#");
  const smr = startSmr({
    args: ["--env", "sml"],
    env: { SMR_METER__DEVICE: pty.device, SMR_MQTT__URL: broker.url },
  });
  const play = async (frame: Uint8Array, seed: number) => {
    await pty.write(NOISE);
    await writeInChunks(pty, frame, { seed, maxChunk: 61 });
  };
  try {
    await smr.waitForLog("connected to");
    await play(testdataFrame(), 1);
    await cap.waitFor(`${BASE}/$state`, "ready", 20_000);
    const tree = checkStartup(cap.messages, BASE, await retainedSnapshot(broker.url, `${BASE}/#`));
    assertEquals(tree.get("$name"), "Electricity meter");
    // The values smartmeter-obis asserts for this frame (1.8.1 = 15338.5557 kWh), and the rest.
    const expected: [string, string, string, string][] = [
      ["import/total", "15338.5557", "kWh", "float"],
      ["import/t1", "15338.5557", "kWh", "float"],
      ["import/t2", "0.0000", "kWh", "float"],
      ["power/import", "563.5", "W", "float"],
      ["power/export", "0", "W", "float"],
    ];
    for (const [path, value, unit, datatype] of expected) {
      assertEquals([path, tree.get(path)], [path, value]);
      assertEquals([path, tree.get(`${path}/$unit`)], [path, unit]);
      assertEquals([path, tree.get(`${path}/$datatype`)], [path, datatype]);
    }

    // A frame whose transport CRC does not match: nothing of it is published.
    const broken = emhFrame(999_999_999, 99_999);
    broken[broken.length - 1] ^= 0x01;
    await play(broken, 2);
    // Then good frames, one with the KERMIT checksum of Holley meters.
    await play(emhFrame(153_385_600, 4211, "kermit"), 3);
    await cap.waitFor(`${BASE}/import/total`, "15338.5600");
    await cap.waitFor(`${BASE}/power/import`, "421.1");
    await play(emhFrame(153_385_700, 4212), 4);
    await cap.waitFor(`${BASE}/import/total`, "15338.5700");
    await smr.waitForLog(/crc/i);
    const leaked = cap.messages.filter((m) => /99999/.test(m.payload));
    assertEquals(leaked, [], "a value of the frame with the broken CRC was published");
    await cap.waitFor(`${BASE}/status/rejected-crc`, "1", 15_000);
    assertEquals(cap.last(`${BASE}/$state`), "ready");
  } finally {
    await smr.stop();
    await cap.close();
    await pty.close();
    await broker.stop();
  }
});
