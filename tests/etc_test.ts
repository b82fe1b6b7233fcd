import { assertEquals, assertOk } from "./assert.ts";
import { EX_CONFIG } from "../src/config/error.ts";
import { EX_DEVICE_TAKEN } from "../src/sinks/takeover.ts";

const UNIT = Deno.readTextFileSync(new URL("../etc/smr@.service", import.meta.url));

/** The unit's `Key=value` lines of one section, in order. */
function section(name: string): [string, string][] {
  const body = UNIT.split(/^\[/m).find((part) => part.startsWith(`${name}]`)) ?? "";
  return body.split("\n").slice(1)
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
}

Deno.test("etc: smr@NAME runs smr --env NAME in /etc/smr, not restarted on a configuration error or a taken device", () => {
  const service = new Map(section("Service"));
  assertEquals(service.get("ExecStart"), "/usr/local/bin/smr --env %i");
  assertEquals(service.get("WorkingDirectory"), "/etc/smr");
  assertEquals(service.get("Restart"), "on-failure");
  assertEquals(service.get("RestartPreventExitStatus"), `${EX_CONFIG} ${EX_DEVICE_TAKEN}`);
  assertEquals(service.get("SupplementaryGroups"), "dialout");
  assertEquals(new Map(section("Install")).get("WantedBy"), "multi-user.target");
  assertOk(!UNIT.includes("MemoryDenyWriteExecute=yes"), "V8's JIT needs writable code pages");
});

Deno.test("etc: smr@NAME is a notify service with a watchdog, restarted when the pings stop", () => {
  const service = new Map(section("Service"));
  assertEquals(service.get("Type"), "notify");
  assertEquals(service.get("NotifyAccess"), "main");
  assertEquals(service.get("WatchdogSec"), "60");
  // A start that never gets ready (no meter, no broker) fails and is retried.
  assertOk(Number(service.get("TimeoutStartSec")) >= 60, "TimeoutStartSec of at least 60 s");
  // on-failure covers the watchdog and a start timeout.
  assertEquals(service.get("Restart"), "on-failure");
  // The notification socket is AF_UNIX.
  assertOk(service.get("RestrictAddressFamilies")?.split(" ").includes("AF_UNIX"));
  const types = section("Service").filter(([key]) => key === "Type");
  assertEquals(types.length, 1, "one Type= line");
});
