import { assertEquals } from "../assert.ts";
import { startBroker } from "../e2e/broker.ts";
import { retainedSnapshot } from "../e2e/capture.ts";
import { waitFor } from "../e2e/tools.ts";
import { silentLogger } from "../../src/log.ts";
import {
  closeConnection,
  connectWithBackoff,
  publishRetained,
} from "../../src/sinks/mqtt_connection.ts";

Deno.test("mqtt connection: publishes unacknowledged when the broker dies are not sent again", async () => {
  const broker = await startBroker();
  let connects = 0;
  const client = connectWithBackoff({
    url: broker.url,
    clientId: "smr-test-stale",
    label: "test",
    log: silentLogger,
    minBackoffMs: 100,
    maxBackoffMs: 200,
    onConnect: (connected) => {
      connects++;
      publishRetained(
        connected,
        [{ topic: "t/state", payload: `connect ${connects}` }],
        silentLogger,
      );
    },
  });
  try {
    await waitFor(() => connects === 1, "the first connect");
    broker.signal("SIGSTOP");
    publishRetained(client, [{ topic: "t/old", payload: "old" }], silentLogger);
    await new Promise((resolve) => setTimeout(resolve, 100));
    broker.signal("SIGKILL");
    await broker.stop();
    await broker.start();
    await waitFor(() => connects === 2, "the reconnect");
    const retained = await retainedSnapshot(broker.url, "t/#");
    assertEquals(Object.fromEntries(retained), { "t/state": "connect 2" });
  } finally {
    await closeConnection(client, { limitMs: 500 });
    await broker.stop();
  }
});
