/**
 * The slim client is measured, not promised: its module graph (`deno info --json client.ts`)
 * must not reach server code, server-side auth, OpenTelemetry, `Deno.serve` or the official
 * server package, and importing it must not start timers or need permissions.
 *
 * @module
 */

import assert from "node:assert/strict";
import { moduleGraph } from "./graph.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("the client's module graph holds no server, server-side auth or otel code", async () => {
  const graph = await moduleGraph("client.ts");
  const forbidden = ["server/", "otel/", "auth/"].map((dir) => new URL(dir, ROOT).href);
  const leaks = graph.localModules.filter((m) => forbidden.some((dir) => m.startsWith(dir)));
  assert.deepEqual(leaks, [], `client.ts reaches server-side modules:\n${leaks.join("\n")}`);
  assert.ok(graph.localModules.some((m) => m.endsWith("/client/client.ts")), "the graph was read");
});

/** The one listener a client has: the OAuth browser flow's one-shot loopback callback (RFC 8252 §7.3). */
const LISTENERS = [new URL("client/oauth_browser.ts", ROOT).href];

Deno.test("the client's module graph holds no Deno.serve code but the OAuth callback", async () => {
  const graph = await moduleGraph("client.ts");
  // An empty graph would pass the loop below: make sure there is something to search.
  assert.ok(graph.localModules.length > 0, "the graph holds no local modules");
  assert.ok(graph.localModules.some((m) => m.endsWith("/client/client.ts")), "the graph was read");
  const serving: string[] = [];
  for (const specifier of graph.localModules) {
    const text = await Deno.readTextFile(new URL(specifier));
    if (/Deno\.serve\s*\(/.test(text)) serving.push(specifier);
  }
  assert.deepEqual(serving, LISTENERS);
});

Deno.test("the client's npm dependencies exclude the official server package and HTTP frameworks", async () => {
  const graph = await moduleGraph("client.ts");
  const names = graph.npmPackages.map((p) => p.replace(/@[^@/]+$/, ""));
  for (const banned of ["@modelcontextprotocol/server", "@modelcontextprotocol/sdk", "express", "hono"]) {
    assert.ok(!names.includes(banned), `client.ts pulls in ${banned}`);
  }
  assert.ok(names.includes("@modelcontextprotocol/client"));
});

Deno.test("the client loads a fraction of the package's own modules", async () => {
  const client = await moduleGraph("client.ts");
  const server = await moduleGraph("mod.ts");
  const own = new Set([...client.localModules, ...server.localModules]);
  assert.ok(client.localModules.length * 2 < own.size, `${client.localModules.length} of ${own.size}`);
});

Deno.test("importing client.ts needs no permissions and leaves nothing running", async () => {
  // A subprocess with no permissions at all and prompts off: any file read, env read, net use or
  // timer that kept the process alive would fail or hang it.
  const script = `
    import { Client } from ${JSON.stringify(new URL("client.ts", ROOT).href)};
    new Client("https://example.com/mcp");
    new Client("deno run server.ts");
    new Client("./missing.json");
    console.log("ok");
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-check", "-"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "ok");
});

Deno.test("importing client.ts in-process starts no timers (op sanitizer)", async () => {
  const mod = await import("../../client.ts");
  assert.equal(typeof mod.Client, "function");
});
