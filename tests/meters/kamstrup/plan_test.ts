import { assertEquals } from "../../assert.ts";
import { dropUnanswered, planRequests, unanswered } from "../../../src/meters/kamstrup/plan.ts";

const DEFAULTS = [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004];

Deno.test("planRequests packs ids into as few requests of at most 8 as possible", () => {
  assertEquals(planRequests(DEFAULTS), [[60, 63, 68, 74, 80, 86, 87, 89], [99, 1004]]);
  assertEquals(planRequests([60]), [[60]]);
  assertEquals(planRequests([]), []);
  const sixteen = Array.from({ length: 16 }, (_, i) => i + 1);
  assertEquals(planRequests(sixteen).map((r) => r.length), [8, 8]);
  assertEquals(planRequests([...sixteen, 17]).map((r) => r.length), [8, 8, 1]);
});

Deno.test("planRequests keeps the order, drops repeats and never exceeds 8 per request", () => {
  assertEquals(planRequests([87, 60, 87, 60, 99]), [[87, 60, 99]]);
  assertEquals(planRequests(DEFAULTS, 3), [[60, 63, 68], [74, 80, 86], [87, 89, 99], [1004]]);
  assertEquals(planRequests(DEFAULTS, 20).map((r) => r.length), [8, 2]);
  assertEquals(planRequests([1, 2], 0), [[1], [2]]);
});

Deno.test("unanswered lists requested ids absent from a reply, in request order", () => {
  assertEquals(unanswered([60, 63, 68], [{ id: 68 }, { id: 60 }]), [63]);
  assertEquals(unanswered([60, 63], []), [60, 63]);
  assertEquals(unanswered([60], [{ id: 60 }]), []);
});

Deno.test("dropUnanswered drops missing registers but never all of them", () => {
  assertEquals(dropUnanswered(DEFAULTS, [63, 1004]), {
    keep: [60, 68, 74, 80, 86, 87, 89, 99],
    dropped: [63, 1004],
    none: false,
  });
  assertEquals(dropUnanswered([60, 63], [5]), { keep: [60, 63], dropped: [], none: false });
  assertEquals(dropUnanswered([60, 63], [63, 60]), { keep: [60, 63], dropped: [], none: true });
  assertEquals(dropUnanswered([], []), { keep: [], dropped: [], none: false });
});
