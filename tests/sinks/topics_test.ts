import { assertEquals, assertOk } from "../assert.ts";
import {
  clientId,
  deviceFilters,
  discoveryTopic,
  homeAssistantStatusTopic,
  homieTopic,
  topicId,
} from "../../src/sinks/topics.ts";
import { matches } from "./topic_filter.ts";

const LAYOUT = { baseTopic: "homie", deviceId: "t210", prefix: "homeassistant" };

Deno.test("topics: the Homie tree, the discovery configs, Home Assistant's status, the client ids", () => {
  assertEquals(homieTopic(LAYOUT), "homie/t210");
  assertEquals(homieTopic(LAYOUT, "$state"), "homie/t210/$state");
  assertEquals(
    discoveryTopic(LAYOUT, "l1", "power-import"),
    "homeassistant/sensor/t210/l1_power-import/config",
  );
  assertEquals(homeAssistantStatusTopic("homeassistant"), "homeassistant/status");
  assertEquals(clientId("t210"), "smr-t210");
  assertEquals(clientId("t210", "purge"), "smr-t210-purge");
  assertEquals(topicId("l1_power-import"), "l1_power-import");
  assertEquals(topicId("a.b/c+#"), "a_b_c__");
});

Deno.test("topics: what purge subscribes to holds the device's topics, escaped as discovery escapes them", () => {
  const odd = { ...LAYOUT, deviceId: "a.b+c" };
  assertEquals(deviceFilters(odd), ["homie/a.b+c/#", "homeassistant/sensor/a_b_c/#"]);
  for (const layout of [LAYOUT, odd]) {
    const filters = deviceFilters(layout);
    for (
      const topic of [
        homieTopic(layout, "$homie"),
        homieTopic(layout, "import/total/$unit"),
        discoveryTopic(layout, "import", "total"),
        discoveryTopic(layout, "status", "last-reading"),
      ]
    ) {
      assertOk(filters.some((f) => matches(f, topic)), `${topic} escapes ${filters}`);
    }
  }
});
