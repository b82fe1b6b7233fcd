import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { baudOf, parseIdentification } from "../../../src/meters/d0/identification.ts";

Deno.test("mode C characters 0..6 name 300 to 19200 baud", () => {
  assertEquals(
    [..."0123456"].map((c) => baudOf(c)),
    [300, 600, 1200, 2400, 4800, 9600, 19200].map((baud) => ({ mode: "C", baud })),
  );
});

Deno.test("mode B letters A..F name 600 to 19200 baud; other characters are mode A", () => {
  assertEquals(
    [..."ABCDEF"].map((c) => baudOf(c)),
    [600, 1200, 2400, 4800, 9600, 19200].map((baud) => ({ mode: "B", baud })),
  );
  assertEquals(baudOf(" "), { mode: "A", baud: 300 });
  assertEquals(baudOf("a"), { mode: "A", baud: 300 });
  assertEquals([..."789GHI"].map((c) => baudOf(c)), Array(6).fill(undefined));
});

Deno.test("an identification line splits into manufacturer, baud character, marker and text", () => {
  assertEquals(unwrap(parseIdentification("/Els6\\2EK280\r\n")), {
    line: "/Els6\\2EK280",
    manufacturer: "Els",
    fastReaction: true,
    baudChar: "6",
    mode: "C",
    baud: 19200,
    enhanced: 2,
    ident: "EK280",
  });
  const kam = unwrap(parseIdentification("/KAM MC"));
  assertEquals([kam.mode, kam.baud, kam.ident, kam.fastReaction], ["A", 300, "MC", false]);
  assertEquals(unwrap(parseIdentification("/ISk5")).ident, "");
  // A backslash not followed by a digit is part of the text.
  assertEquals(unwrap(parseIdentification("/ABC5\\x")).ident, "\\x");
});

Deno.test("what is no identification line is a framing rejection; a reserved rate a decode one", () => {
  for (const line of ["/?!", "/AB", "/AB1C5xyz", "X/ABC5", "", "/ABC"]) {
    const result = parseIdentification(line);
    assertOk(!result.ok && result.error.reason === "framing", line);
  }
  const reserved = parseIdentification("/ABC7x");
  assertOk(!reserved.ok && reserved.error.reason === "decode");
});
