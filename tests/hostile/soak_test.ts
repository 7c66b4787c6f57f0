/**
 * A sample of the soak (`deno task soak` runs it for 60 s): a few seconds of mixed hostile load,
 * after which the server's heap, RSS and `stats()` return within their margins.
 *
 * @module
 */

import assert from "node:assert/strict";
import { soak } from "./soak.ts";

const MiB = 1024 * 1024;

Deno.test("soak sample: after mixed hostile load, heap, RSS and stats() return to where they were", async () => {
  const report = await soak({
    durationMs: 4000,
    ratePerSecond: 30,
    heapMarginBytes: 8 * MiB,
    rssMarginBytes: 128 * MiB,
  });
  assert.deepEqual(report.problems, []);
  // Every kind of abuse ran, and none got a 500.
  assert.equal(Object.keys(report.operations).length, 10);
  assert.equal(report.statuses[500], undefined);
  assert.ok(report.statuses[408] > 0 && report.statuses[400] > 0, JSON.stringify(report.statuses));
});
