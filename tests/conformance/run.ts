/**
 * `deno task conformance`: starts the fixture server, runs the official MCP conformance suite
 * against it for each requirement set with its expected-failures file, and fails when any
 * scored scenario fails.
 *
 *   deno task conformance                  # both requirement sets
 *   deno task conformance 2026-07-28       # one
 *
 * @module
 */

import { listedNames, suite, verdicts } from "./suite.ts";

const ROOT = new URL("../../", import.meta.url);
const HERE = new URL("./", import.meta.url);
const REVISIONS = Deno.args.length ? Deno.args : ["2025-11-25", "2026-07-28"];

async function startFixture(): Promise<{ url: string; child: Deno.ChildProcess }> {
  // A port chosen here, so that the fixture's protected-resource metadata can name its origin.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "examples/conformance/server.ts"],
    cwd: ROOT,
    env: { PORT: String(port), PUBLIC_URL: `http://localhost:${port}` },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    const m = /serving MCP on (http:\/\/\S+)/.exec(seen);
    if (m) {
      // Keep draining stderr so the server never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })().catch(() => {});
      return { url: m[1].replace("127.0.0.1", "localhost"), child };
    }
  }
  child.kill("SIGKILL");
  throw new Error(`the fixture server did not start:\n${seen}`);
}

interface Outcome {
  revision: string;
  passed: string[];
  failed: string[];
  others: string[];
  code: number;
}

/** The scored server scenarios of a requirement set. */
async function requiredScenarios(revision: string): Promise<Set<string>> {
  const { text } = await suite(["list", "--requirements", revision]);
  const server = text.slice(text.indexOf("Server scenarios"), text.indexOf("Client scenarios"));
  return new Set(listedNames(server));
}

async function runSuite(url: string, revision: string): Promise<Outcome> {
  const required = await requiredScenarios(revision);
  const baseline = new URL(`expected-failures.${revision}.yml`, HERE).pathname;
  const { code, text } = await suite([
    "server",
    "--url",
    url,
    "--requirements",
    revision,
    "--expected-failures",
    baseline,
  ]);
  const { passed, failed, others } = verdicts(text, required);
  if (code !== 0) console.error(text);
  return { revision, passed, failed, others, code };
}

/**
 * Extension scenarios the requirement sets leave out (tagged `[extension]` in the suite's list),
 * run one by one: each must pass every check, warnings included.
 */
const EXTENSION_SCENARIOS: Record<string, string[]> = {
  "io.modelcontextprotocol/skills": [
    "sep-2640-skills-directory",
    "sep-2640-skills-enumeration",
    "sep-2640-skills-manifest",
  ],
};

async function runScenario(url: string, scenario: string): Promise<{ ok: boolean; summary: string }> {
  const { code, text } = await suite(["server", "--url", url, "--scenario", scenario]);
  const m = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(text);
  const ok = code === 0 && m !== null && m[1] === m[2] && m[3] === "0" && m[4] === "0";
  if (!ok) console.error(text);
  return { ok, summary: m ? `${m[1]}/${m[2]} checks` : "no summary" };
}

const { url, child } = await startFixture();
let failed = false;
try {
  for (const revision of REVISIONS) {
    const o = await runSuite(url, revision);
    const total = o.passed.length + o.failed.length;
    console.log(`conformance ${o.revision}: ${o.passed.length}/${total} required server scenarios passed`);
    for (const name of o.failed) console.log(`  ✗ ${name}`);
    if (o.others.length) console.log(`  not scored: ${o.others.join(", ")}`);
    if (o.code !== 0 || o.failed.length) failed = true;
  }
  for (const [extension, scenarios] of Object.entries(EXTENSION_SCENARIOS)) {
    const results = [];
    for (const scenario of scenarios) results.push({ scenario, ...await runScenario(url, scenario) });
    const passed = results.filter((r) => r.ok).length;
    console.log(`conformance extension ${extension}: ${passed}/${results.length} scenarios passed`);
    console.log(`  ${results.map((r) => `${r.ok ? "✓" : "✗"} ${r.scenario} (${r.summary})`).join(", ")}`);
    if (passed !== results.length) failed = true;
  }
} finally {
  child.kill("SIGTERM");
  await child.status;
}
if (failed) Deno.exit(1);
