/**
 * Mounting, end to end: `examples/mount.ts` (two children under namespaces, one with a lifespan
 * and a middleware of its own) served over HTTP on a real socket and over stdio as a subprocess,
 * driven by the official v2 client on both wire eras.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, type ClientOptions, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { freePort, startDeno } from "../helpers/process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLE = "examples/mount.ts";
const PIN_2026: ClientOptions = { versionNegotiation: { mode: { pin: "2026-07-28" } } };
const MODES: [string, ClientOptions][] = [["2025-11-25", {}], ["2026-07-28", PIN_2026]];

const TOOLS = ["weather_forecast", "weather_fib", "weather_report", "notes_add_note"];

/** What every transport and era must show of the composed server. */
async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), TOOLS);
  const forecast = await client.callTool({ name: "weather_forecast", arguments: { city: "Oslo" } });
  const data = forecast.structuredContent as { city: string; connectionOpened: string; calls: number };
  assert.equal(data.city, "Oslo");
  // The child's lifespan was entered with the parent's start, and its value reached the child's handler.
  assert.match(data.connectionOpened, /^\d{4}-\d\d-\d\dT/);
  const again = await client.callTool({ name: "weather_forecast", arguments: { city: "Oslo" } });
  // The child's own middleware counted the first call before the second ran.
  assert.equal((again.structuredContent as { calls: number }).calls, data.calls + 1);
  const fib = await client.callTool({ name: "weather_fib", arguments: { n: 10 } });
  assert.deepEqual(fib.content, [{ type: "text", text: "55" }]);
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["weather://weather/{city}/current"]);
  const read = await client.readResource({ uri: "weather://weather/Paris/current" });
  assert.deepEqual(read.contents.map((c) => [c.uri, (c as { text: string }).text]), [
    ["weather://weather/Paris/current", '{"city":"Paris","tempC":19}'],
  ]);
  await client.callTool({ name: "notes_add_note", arguments: { text: "buy milk" } });
  const { resources } = await client.listResources();
  assert.deepEqual(resources.map((r) => r.uri), ["notes://notes/all"]);
  const notes = await client.readResource({ uri: "notes://notes/all" });
  assert.match((notes.contents[0] as { text: string }).text, /buy milk/);
  const { prompts } = await client.listPrompts();
  assert.deepEqual(prompts.map((p) => p.name), ["weather_plan_trip"]);
  const prompt = await client.getPrompt({ name: "weather_plan_trip", arguments: { city: "Rome" } });
  assert.deepEqual(prompt.messages[0].content, { type: "text", text: "Plan a day in Rome." });
  const unknown = await client.callTool({ name: "weather_nothing", arguments: {} }).then(
    () => "answered",
    (e: Error) => e.message,
  );
  assert.match(unknown, /Unknown tool: 'weather_nothing'/);
}

for (const [version, options] of MODES) {
  Deno.test(`mount over HTTP (${version}): namespaced tools, templates, resources and prompts run in their children`, async () => {
    const port = freePort();
    const server = await startDeno(["run", "-A", EXAMPLE, "--port", String(port)], /serving MCP on/, {
      cwd: ROOT,
    });
    const client = new Client({ name: "mount-e2e", version: "0.0.1" }, options);
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), version);
      await exercise(client);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.deepEqual([health.status, await health.json()], [200, { ok: true }]);
      const childRoute = await fetch(`http://127.0.0.1:${port}/notes/health`);
      assert.deepEqual([childRoute.status, await childRoute.json()], [200, { notes: 1 }]);
    } finally {
      await client.close();
      await server.stop();
    }
  });

  Deno.test(`mount over stdio (${version}): the same server, spawned by the official client`, async () => {
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", EXAMPLE],
      cwd: ROOT,
      stderr: "ignore",
    });
    const client = new Client({ name: "mount-stdio", version: "0.0.1" }, options);
    await client.connect(transport);
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), version);
      await exercise(client);
    } finally {
      const started = performance.now();
      await client.close();
      // The SDK's stdio transport leaves its SIGTERM/SIGKILL timers (2 s) running after close.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2050 - (performance.now() - started))));
    }
  });
}
