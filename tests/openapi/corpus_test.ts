/**
 * The real-world crash test on a sample (every 20th spec of the APIs.guru directory, and GitHub's),
 * and the time to list GitHub's ~1,000 operations, then from cache.
 *
 * @module
 */

import assert from "node:assert/strict";
import { OpenAPIProvider } from "../../mod.ts";
import { directorySpecs, GITHUB_SPEC, runCorpus } from "./crash_corpus.ts";

Deno.test("a sample of real-world specs loads without a crash and every tool's input schema is valid JSON Schema 2020-12", async () => {
  const all = await directorySpecs();
  assert.ok(all.length > 2_000, `the directory holds ${all.length} specs`);
  const sample = [...all.filter((_, i) => i % 20 === 0), GITHUB_SPEC];
  const report = await runCorpus(sample);
  assert.deepEqual(report.crashes, []);
  assert.deepEqual(report.invalidSchemas, []);
  assert.ok(report.tools > 2_000, `${report.tools} tools`);
  assert.ok(report.totalMs < 60_000, `${report.totalMs} ms`);
});

Deno.test("GitHub's spec is listed within 15 s, and from cache after", async () => {
  const provider = new OpenAPIProvider(GITHUB_SPEC);
  const started = performance.now();
  const first = await provider.listTools();
  const builtMs = performance.now() - started;
  assert.ok(first.length > 1_000, `${first.length} tools`);
  assert.ok(builtMs < 15_000, `${builtMs} ms`);
  const again = performance.now();
  assert.equal(await provider.listTools(), first);
  assert.ok(performance.now() - again < 50);
});
