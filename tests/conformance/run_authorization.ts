/**
 * `deno task conformance:authorization`: the official suite's authorization-server checks
 * (`conformance authorization`) against the OAuth proxy of `tests/conformance/authorization_server.ts`
 * (in front of oidc-provider). The suite checks the metadata document, then prints an
 * authorization URL for a person to open and waits for its callback listener to be reached;
 * here the user is played by `driveBrowser` (Allow on the proxy's consent page, the provider's
 * login and consent), and the suite redeems the code itself. Run for a registered client (with
 * and without the RFC 8707 `resource`, which MCP clients send and the suite sends only when told)
 * and for a client ID metadata document. Every check must pass, warnings and skips included,
 * unless `expected-failures.authorization.yml` lists it; a listed check that passes is stale and
 * fails the run too.
 *
 *   deno task conformance:authorization
 *
 * @module
 */

import { parse } from "yaml";
import { driveBrowser } from "../helpers/idp.ts";
import { freePort, startDeno } from "../helpers/process.ts";
import { listedNames, SUITE, suite } from "./suite.ts";

const ROOT = new URL("../../", import.meta.url);
const HERE = new URL("./", import.meta.url);
/** Longest one run of the suite may take (its own wait for the callback is five minutes). */
const RUN_TIMEOUT_MS = 90_000;

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "SKIPPED" | "INFO";
  errorMessage?: string;
}

/** One way of running the suite: which client it uses, and whether it sends `resource`. */
interface Run {
  readonly label: string;
  readonly clientId: string;
  readonly resource: boolean;
}

/** The suite's authorization-server scenarios. */
async function scenarios(): Promise<string[]> {
  const { text } = await suite(["list", "--authorization"]);
  return listedNames(text);
}

/** Check ids expected to fail, from the expected-failures file. */
async function expectedFailures(): Promise<Set<string>> {
  const text = await Deno.readTextFile(new URL("expected-failures.authorization.yml", HERE));
  const list = (parse(text) as { authorization?: string[] } | null)?.authorization ?? [];
  return new Set(list);
}

/**
 * Runs `conformance authorization` once, playing the user when it prints the authorization URL;
 * resolves with the checks of each scenario (from the suite's `checks.json` files) and its output.
 */
async function runSuite(
  base: string,
  run: Run,
  names: string[],
): Promise<{ checks: Map<string, Check[]>; text: string; code: number }> {
  const port = freePort();
  const callback = `http://127.0.0.1:${port}/callback`;
  const outputDir = await Deno.makeTempDir({ prefix: "as-conformance-" });
  const args = ["authorization", "--url", base, "--client-id", run.clientId, "--port", String(port)];
  if (run.resource) args.push("--resource", `${base}/mcp`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SUITE, ...args, "--output-dir", outputDir],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  let text = "";
  let user: Promise<void> | undefined;
  const authorizeLine = new RegExp(`^(${base.replaceAll(".", "\\.")}/authorize\\?\\S+)$`, "m");
  const read = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      const m = user ? null : authorizeLine.exec(text);
      if (!m) continue;
      // The suite's listener starts right after it prints the URL; the first hop is the proxy's page.
      user = driveBrowser(new URL(m[1]), callback, "conformance")
        .then(async (landed) => {
          const res = await fetch(landed);
          await res.body?.cancel();
        })
        .catch((error) => {
          text += `\nplaying the user failed: ${error instanceof Error ? error.message : error}\n`;
          child.kill("SIGKILL");
        });
    }
  };
  try {
    await Promise.all([read(child.stdout), read(child.stderr)]);
    const { code } = await child.status;
    await user;
    const checks = new Map<string, Check[]>();
    for await (const entry of Deno.readDir(outputDir)) {
      // `authorization-server-<scenario>-<timestamp>/checks.json`
      const name = names.find((n) => entry.name.startsWith(`authorization-server-${n}-`));
      if (!name) continue;
      // The folder is made before the scenario runs; a run cut short leaves it without checks.
      const file = await Deno.readTextFile(`${outputDir}/${entry.name}/checks.json`).catch(() => undefined);
      if (file) checks.set(name, JSON.parse(file) as Check[]);
    }
    return { checks, text, code };
  } finally {
    clearTimeout(timer);
    await Deno.remove(outputDir, { recursive: true });
  }
}

/** A registered client of the proxy (RFC 7591), for the suite's callback listener on any loopback port. */
async function registerClient(base: string): Promise<string> {
  const res = await fetch(`${base}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "MCP conformance suite",
      redirect_uris: ["http://127.0.0.1/callback"],
    }),
  });
  if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${await res.text()}`);
  return (await res.json()).client_id;
}

/** A client ID metadata document served on 127.0.0.1 (http on loopback, which the proxy fetches in development). */
function serveMetadataDocument(): { clientId: string; server: Deno.HttpServer<Deno.NetAddr> } {
  const holder: { clientId?: string } = {};
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/client.json"
        ? Response.json({
          client_id: holder.clientId,
          client_name: "MCP conformance suite (metadata document)",
          redirect_uris: ["http://127.0.0.1/callback"],
          token_endpoint_auth_method: "none",
        })
        : new Response("not found", { status: 404 }),
  );
  holder.clientId = `http://127.0.0.1:${server.addr.port}/client.json`;
  return { clientId: holder.clientId, server };
}

const names = await scenarios();
if (!names.length) throw new Error("the suite lists no authorization server scenarios");
const expected = await expectedFailures();
const fixture = await startDeno(
  ["run", "-A", "tests/conformance/authorization_server.ts"],
  /authorization server at (http:\/\/\S+)/,
  { cwd: ROOT, env: { PORT: String(freePort()) } },
);
const base = fixture.match[1];
const document = serveMetadataDocument();
let failed = false;
try {
  const registered = await registerClient(base);
  const runs: Run[] = [
    { label: "registered client, with resource", clientId: registered, resource: true },
    { label: "registered client, without resource", clientId: registered, resource: false },
    { label: "client ID metadata document, with resource", clientId: document.clientId, resource: true },
  ];
  const seen = new Set<string>();
  for (const run of runs) {
    const { checks, text, code } = await runSuite(base, run, names);
    const lines: string[] = [];
    let passed = 0;
    let total = 0;
    let bad = false;
    for (const name of names) {
      const list = checks.get(name);
      if (!list?.length) {
        lines.push(`  ✗ ${name}: no checks reported`);
        bad = true;
        continue;
      }
      for (const check of list.filter((c) => c.status !== "INFO")) {
        total++;
        seen.add(check.id);
        const ok = check.status === "SUCCESS";
        if (ok) passed++;
        if (ok && expected.has(check.id)) {
          lines.push(`  ✗ ${name} / ${check.id}: passes but is listed as an expected failure (stale)`);
          bad = true;
        } else if (!ok && expected.has(check.id)) {
          lines.push(`  - ${name} / ${check.id}: ${check.status} (expected) ${check.errorMessage ?? ""}`);
        } else {
          lines.push(
            `  ${ok ? "✓" : "✗"} ${name} / ${check.id}${
              ok ? "" : `: ${check.status} ${check.errorMessage ?? ""}`
            }`,
          );
          if (!ok) bad = true;
        }
      }
    }
    if (code !== 0 && passed === total) {
      lines.push(`  ✗ the suite exited with code ${code}`);
      bad = true;
    }
    console.log(`authorization server conformance (${run.label}): ${passed}/${total} checks passed`);
    for (const line of lines) console.log(line);
    if (bad) {
      console.error(text);
      failed = true;
    }
  }
  for (const id of expected) {
    if (!seen.has(id)) {
      console.log(`  ✗ ${id}: listed as an expected failure, but the suite has no such check`);
      failed = true;
    }
  }
} finally {
  await document.server.shutdown();
  await fixture.stop();
}
if (failed) Deno.exit(1);
