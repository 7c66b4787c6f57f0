/**
 * The client leg of the conformance suite: runs `examples/conformance/client.ts` against the
 * suite's mock servers for each requirement set, with its expected-failures file, and fails when
 * any scored scenario fails.
 *
 *   deno run -A tests/conformance/run_client.ts                # both requirement sets
 *   deno run -A tests/conformance/run_client.ts 2026-07-28     # one
 *
 * @module
 */

import { listedNames, suite, verdicts } from "./suite.ts";

const HERE = new URL("./", import.meta.url);
const REVISIONS = Deno.args.length ? Deno.args : ["2025-11-25", "2026-07-28"];
const COMMAND = "deno run -A examples/conformance/client.ts";

/** The scored client scenarios of a requirement set. */
async function requiredScenarios(revision: string): Promise<Set<string>> {
  const { text } = await suite(["list", "--requirements", revision]);
  const client = text.slice(text.indexOf("Client scenarios"));
  const end = client.indexOf("never scored");
  const scored = end === -1 ? client : client.slice(0, end);
  return new Set(listedNames(scored));
}

let failed = false;
for (const revision of REVISIONS) {
  const required = await requiredScenarios(revision);
  const baseline = new URL(`expected-failures.client.${revision}.yml`, HERE).pathname;
  const { code, text } = await suite([
    "client",
    "--command",
    COMMAND,
    "--requirements",
    revision,
    "--expected-failures",
    baseline,
  ]);
  const { passed, failed: missed, others } = verdicts(text, required);
  console.log(`client conformance ${revision}: ${passed.length}/${required.size} required scenarios passed`);
  for (const name of missed) console.log(`  ✗ ${name}`);
  if (others.length) console.log(`  not scored: ${others.join(", ")}`);
  if (code !== 0 || missed.length) {
    console.error(text);
    failed = true;
  }
}
if (failed) Deno.exit(1);
