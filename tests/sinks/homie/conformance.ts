/** Homie 4 checklist checks over a broker capture, shared by every meter's end-to-end test. */
import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import type { Captured } from "../../e2e/capture.ts";
import {
  DATETIME_PAYLOAD,
  FLOAT_PAYLOAD,
  HOMIE_ID,
  INTEGER_PAYLOAD,
} from "../../../src/sinks/homie/payload.ts";

const DEVICE_ATTRIBUTES = ["$homie", "$name", "$extensions", "$implementation", "$nodes"];

/**
 * Checks the publishes of one device from its first `init` to the first
 * `ready` after it: the order of `$state` and the attributes, retain and
 * QoS, ids, attribute completeness (an enum's `$format` included) and
 * value formats (an enum value among its `$format`).
 *
 * Retain: a capture over MQTT 3.1.1 sees no retain flag on live messages,
 * so for captured messages pass `retained`, the device's retained topics as
 * a newcomer sees them later (`retainedSnapshot` of capture.ts, on a broker only smr
 * published to): every topic of the startup must be among them. Without it
 * every message must carry the flag (messages built in a test).
 */
export function checkStartup(
  messages: Captured[],
  base: string,
  retained?: ReadonlyMap<string, string>,
): Map<string, string> {
  const device = messages.filter((m) => m.topic.startsWith(base + "/"));
  const first = device.findIndex((m) => m.topic === `${base}/$state` && m.payload === "init");
  assertOk(first >= 0, "no $state init");
  const readyAt = device.findIndex((m, i) =>
    i > first && m.topic === `${base}/$state` && m.payload === "ready"
  );
  assertOk(readyAt > first, "no $state ready after init");
  const cycle = device.slice(first, readyAt + 1);
  for (const m of cycle) {
    const kept = retained ? retained.has(m.topic) : m.retain;
    assertEquals([m.topic, kept, m.qos], [m.topic, true, 1], `${m.topic} not r=1 q=1`);
    for (const level of m.topic.slice(base.length + 1).split("/")) {
      if (!level.startsWith("$")) assertMatch(level, HOMIE_ID, `bad id in ${m.topic}`);
    }
  }
  const tree = new Map<string, string>();
  for (const m of cycle) tree.set(m.topic.slice(base.length + 1), m.payload);
  // The order rules hold for the last description before ready: a device that
  // connects before its first reading describes its status node first and the
  // whole tree again when the reading arrives, all while in init.
  const lastNodes = cycle.findLastIndex((m) => m.topic === `${base}/$nodes`);
  const order = new Map<string, number>();
  cycle.forEach((m, i) => {
    const path = m.topic.slice(base.length + 1);
    if (i >= lastNodes && !order.has(path)) order.set(path, i);
  });
  assertEquals(tree.get("$homie"), "4.0.0");
  assertOk((tree.get("$name") ?? "").length > 0, "$name empty");
  assertEquals(tree.get("$extensions"), "org.homie.legacy-stats:0.1.1:[4.x]");
  assertMatch(tree.get("$stats/interval") ?? "", /^[1-9][0-9]*$/);
  assertMatch(tree.get("$stats/uptime") ?? "", /^[0-9]+$/);
  for (const attribute of DEVICE_ATTRIBUTES) assertOk(tree.has(attribute), `${attribute} missing`);
  const nodes = tree.get("$nodes")!.split(",");
  assertEquals(new Set(nodes).size, nodes.length, "duplicate nodes");
  let lastNodeAttribute = 0;
  let firstPropertyAttribute = Infinity;
  let lastPropertyAttribute = 0;
  let firstValue = Infinity;
  for (const node of nodes) {
    assertMatch(node, HOMIE_ID);
    for (const a of ["$name", "$type", "$properties"]) {
      assertOk(order.has(`${node}/${a}`), `${node}/${a} missing after the last $nodes`);
      assertOk((tree.get(`${node}/${a}`) ?? "") !== "", `${node}/${a} empty`);
      lastNodeAttribute = Math.max(lastNodeAttribute, order.get(`${node}/${a}`)!);
      assertOk(order.get("$nodes")! < order.get(`${node}/${a}`)!, "$nodes after node attributes");
    }
    const properties = tree.get(`${node}/$properties`)!.split(",");
    assertEquals(new Set(properties).size, properties.length, `duplicate properties in ${node}`);
    for (const property of properties) {
      const path = `${node}/${property}`;
      assertOk((tree.get(`${path}/$name`) ?? "") !== "", `${path}/$name missing`);
      assertEquals(tree.get(`${path}/$settable`), "false");
      assertEquals(tree.get(`${path}/$retained`), "true");
      const datatype = tree.get(`${path}/$datatype`);
      assertOk(
        ["float", "integer", "string", "enum", "datetime"].includes(datatype ?? ""),
        `${path}/$datatype ${datatype}`,
      );
      for (const a of ["$name", "$datatype", "$settable", "$retained", "$unit", "$format"]) {
        const at = order.get(`${path}/${a}`);
        if (at === undefined) continue;
        firstPropertyAttribute = Math.min(firstPropertyAttribute, at);
        lastPropertyAttribute = Math.max(lastPropertyAttribute, at);
      }
      const value = tree.get(path);
      assertOk(value !== undefined, `${path} has no value at ready`);
      assertOk(order.has(path), `${path} has no value after the last $nodes`);
      firstValue = Math.min(firstValue, order.get(path)!);
      checkValue(path, datatype!, value);
      if (datatype === "enum") {
        assertOk(tree.has(`${path}/$format`), `${path}/$format missing`);
        const format = tree.get(`${path}/$format`) ?? "";
        assertOk(
          format.split(",").includes(value),
          `${path} = ${value} is not in $format ${format}`,
        );
      }
    }
  }
  assertOk(lastNodeAttribute < firstPropertyAttribute, "node attributes after property attributes");
  assertOk(lastPropertyAttribute < firstValue, "values before property attributes");
  assertEquals(cycle[0].payload, "init", "init is not the first publish");
  return tree;
}

/** Checks a value payload against its datatype. */
export function checkValue(path: string, datatype: string, value: string): void {
  const pattern = { float: FLOAT_PAYLOAD, integer: INTEGER_PAYLOAD, datetime: DATETIME_PAYLOAD }[
    datatype as "float"
  ];
  if (pattern) assertMatch(value, pattern, `${path} = ${value} is not a ${datatype}`);
  else assertOk(value.length > 0, `${path} is empty`);
}
