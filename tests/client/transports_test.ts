/**
 * The client against real servers on every transport: the project's own server in-memory, over
 * HTTP on a socket and over stdio, and a server written with the official v1 SDK.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, type LogMessage, type Progress } from "../../client.ts";
import {
  createTestServer,
  GREETING_NAMES,
  pingSession,
  startServer,
  STATIC_RESOURCE_TEXT,
  TEST_SERVER_INFO,
  TEST_TOOL_NAMES,
} from "../helpers/server.ts";

const ROOT = new URL("../../", import.meta.url);
const SDK_V1_SERVER = new URL("fixtures/sdk_v1_stdio_server.ts", import.meta.url).pathname;

/** Runs the same conversation on a connected client and checks every answer. */
async function converse(client: Client): Promise<void> {
  assert.deepEqual(client.serverInfo, TEST_SERVER_INFO);
  assert.deepEqual((await client.listTools()).map((t) => t.name), [...TEST_TOOL_NAMES]);
  assert.deepEqual(await client.callTool("add", { a: 2, b: 3 }), [{ type: "text", text: "5" }]);
  assert.deepEqual(await client.callTool("weather", { city: "Oslo" }), {
    city: "Oslo",
    tempC: 21,
    conditions: "sunny",
  });
  assert.deepEqual((await client.listResources()).map((r) => r.uri), ["config://app"]);
  assert.deepEqual((await client.listResourceTemplates()).map((t) => t.uriTemplate), ["greeting://{name}"]);
  const [contents] = await client.readResource("config://app");
  assert.equal("text" in contents ? contents.text : undefined, STATIC_RESOURCE_TEXT);
  const [greeting] = await client.readResource("greeting://Ada");
  assert.equal("text" in greeting ? greeting.text : undefined, "Hello, Ada!");
  assert.deepEqual((await client.listPrompts()).map((p) => p.name), ["review"]);
  const prompt = await client.getPrompt("review", { code: "let x = 1", language: "ts" });
  assert.deepEqual(prompt.messages[0].content, { type: "text", text: "Please review this ts:\nlet x = 1" });
  const names = await client.complete({ type: "ref/resource", uri: "greeting://{name}" }, {
    name: "name",
    value: "Al",
  });
  assert.deepEqual(names.values, GREETING_NAMES.filter((n) => n.startsWith("Al")));
  const languages = await client.complete({ type: "ref/prompt", name: "review" }, {
    name: "language",
    value: "ty",
  });
  assert.deepEqual(languages.values, ["typescript"]);
  await client.ping();
}

Deno.test("in-memory: a FastMCP instance, no sockets, 2026-07-28 by default", async () => {
  const mcp = createTestServer();
  try {
    await using client = new Client(mcp);
    await client.connect();
    assert.equal(client.protocolVersion, "2026-07-28");
    await converse(client);
  } finally {
    await mcp.close();
  }
});

Deno.test("in-memory: negotiation 'legacy' uses the 2025-11-25 handshake", async () => {
  const mcp = createTestServer();
  try {
    await using client = new Client(mcp, { negotiation: "legacy" });
    await client.connect();
    assert.equal(client.protocolVersion, "2025-11-25");
    await converse(client);
  } finally {
    await mcp.close();
  }
});

Deno.test("in-memory: a pinned revision is used exactly", async () => {
  const mcp = createTestServer();
  try {
    await using client = new Client(mcp, { negotiation: { pin: "2026-07-28" } });
    await client.connect();
    assert.equal(client.protocolVersion, "2026-07-28");
    assert.equal(client.servers[0].capabilities?.tools !== undefined, true);
  } finally {
    await mcp.close();
  }
});

Deno.test("HTTP: the project's server on 127.0.0.1, both eras", async () => {
  await using server = startServer();
  for (const negotiation of ["auto", "legacy"] as const) {
    await using client = new Client(server.url, { negotiation });
    await client.connect();
    assert.equal(client.protocolVersion, negotiation === "auto" ? "2026-07-28" : "2025-11-25");
    await converse(client);
  }
});

Deno.test("HTTP: closing a 2025 client ends its session on the server", async () => {
  await using server = startServer();
  const client = new Client(new URL(server.url), { negotiation: "legacy" });
  await client.connect();
  const sessionId = client.sessionId;
  assert.ok(sessionId);
  assert.equal(await pingSession(server.url, sessionId), 200);
  await client.close();
  assert.equal(await pingSession(server.url, sessionId), 404);
  assert.equal(client.connected, false);
});

Deno.test("HTTP: headers and a bearer token reach the server", async () => {
  const seen: (string | null)[][] = [];
  const mcp = createTestServer();
  const handler = {
    fetch: (req: Request) => {
      seen.push([req.headers.get("authorization"), req.headers.get("x-team")]);
      return mcp.fetch(req);
    },
  };
  await using http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler.fetch);
  try {
    await using client = new Client(`http://127.0.0.1:${http.addr.port}/mcp`, {
      auth: "s3cret",
      headers: { "x-team": "blue" },
    });
    await client.callTool("add", { a: 1, b: 1 });
    assert.ok(seen.length >= 2);
    for (const [auth, team] of seen) {
      assert.equal(auth, "Bearer s3cret");
      assert.equal(team, "blue");
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("stdio: a .ts path runs under deno, with logs and progress", async () => {
  const logs: LogMessage[] = [];
  await using client = new Client("examples/quickstart.ts", {
    cwd: ROOT.pathname,
    stderr: "null",
    logLevel: "info",
    onLog: (m) => logs.push(m),
  });
  await client.connect();
  assert.equal(client.serverInfo?.name, "weather");
  assert.deepEqual((await client.listTools()).map((t) => t.name), ["forecast", "add"]);
  const forecast = await client.callTool<{ city: string }>("forecast", { city: "Lima" });
  assert.equal(forecast.city, "Lima");
  assert.deepEqual(logs.map((l) => l.data), ["looking up Lima"]);
  assert.deepEqual(await client.callTool("add", { a: 20, b: 22 }), [{ type: "text", text: "42" }]);
});

Deno.test("stdio: a command line, with env and cwd", async () => {
  const script = "console.log(JSON.stringify({ jsonrpc: '2.0', id: 0, result: {} }));";
  // A server that is not MCP at all must not hang connect: it fails within the timeout.
  await using bogus = new Client(["deno", "eval", script], { connectTimeoutMs: 2_000, stderr: "null" });
  await assert.rejects(bogus.connect());

  const cwd = await Deno.makeTempDir();
  try {
    await using client = new Client(`deno run -A "${SDK_V1_SERVER}"`, { env: { EXAMPLE: "from env" }, cwd });
    assert.deepEqual(await client.callTool("where"), [{
      type: "text",
      text: `${await Deno.realPath(cwd)} from env`,
    }]);
  } finally {
    await Deno.remove(cwd);
  }
});

Deno.test("stdio: a server written with the official v1 SDK (auto falls back to 2025)", async () => {
  await using client = new Client(["deno", "run", "-A", SDK_V1_SERVER]);
  await client.connect();
  assert.deepEqual(client.serverInfo, { name: "sdk-v1-fixture", version: "9.9.9" });
  assert.equal(client.protocolVersion, "2025-11-25");
  assert.deepEqual((await client.listTools()).map((t) => t.name), ["echo", "where"]);
  assert.deepEqual(await client.callTool("echo", { text: "hi" }), [{ type: "text", text: "echo: hi" }]);
  const [contents] = await client.readResource("greeting://world");
  assert.equal("text" in contents ? contents.text : "", "Hello, world!");
  const prompt = await client.getPrompt("hello", { who: "Ada" });
  assert.deepEqual(prompt.messages[0].content, { type: "text", text: "Say hello to Ada" });
});

Deno.test("handlers: elicitation and sampling answer server requests on both eras", async () => {
  const mcp = createTestServer();
  try {
    for (const negotiation of ["auto", "legacy"] as const) {
      await using client = new Client(mcp, {
        negotiation,
        elicitation: (request) => {
          assert.equal(request.message, "Who are you?");
          return { action: "accept", content: { name: "Grace" } };
        },
        sampling: (params) => {
          assert.equal(params.maxTokens, 50);
          return { role: "assistant", content: { type: "text", text: "short" }, model: "test-model" };
        },
      });
      assert.deepEqual(await client.callTool("ask_name", { question: "Who are you?" }), [
        { type: "text", text: "Hello, Grace!" },
      ]);
      assert.deepEqual(await client.callTool("summarize", { text: "long text" }), [
        { type: "text", text: "Model said: short" },
      ]);
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("handlers: roots are offered to the server", async () => {
  const { FastMCP } = await import("../../mod.ts");
  const mcp = new FastMCP({ name: "roots", version: "1.0.0", logger: () => {}, runInThread: false });
  mcp.tool("roots", {}, async (_args, ctx) => (await ctx.listRoots()).map((r) => r.uri).join(","));
  try {
    await using client = new Client(mcp, {
      negotiation: "legacy",
      roots: () => [{ uri: "file:///work", name: "work" }],
    });
    assert.deepEqual(await client.callTool("roots"), [{ type: "text", text: "file:///work" }]);
  } finally {
    await mcp.close();
  }
});

Deno.test("progress: each notification reaches onProgress", async () => {
  const mcp = createTestServer();
  try {
    await using client = new Client(mcp);
    const seen: Progress[] = [];
    await client.callTool("slow_count", {}, { onProgress: (p) => seen.push(p) });
    assert.deepEqual(seen.map((p) => [p.progress, p.total]), [[1, 3], [2, 3], [3, 3]]);
  } finally {
    await mcp.close();
  }
});

Deno.test("pagination: every page is fetched", async () => {
  // A hand-written 2025 server whose tools/list returns three pages.
  const pages: Record<string, { tools: { name: string; inputSchema: object }[]; nextCursor?: string }> = {
    "": { tools: [{ name: "a", inputSchema: { type: "object" } }], nextCursor: "p2" },
    p2: { tools: [{ name: "b", inputSchema: { type: "object" } }], nextCursor: "p3" },
    p3: { tools: [{ name: "c", inputSchema: { type: "object" } }] },
  };
  const cursors: string[] = [];
  const server = {
    async fetch(req: Request): Promise<Response> {
      const msg = await req.json();
      if (msg.id === undefined) return new Response(null, { status: 202 });
      const reply = (result: unknown) => Response.json({ jsonrpc: "2.0", id: msg.id, result });
      if (msg.method === "initialize") {
        return reply({
          protocolVersion: "2025-11-25",
          capabilities: { tools: {} },
          serverInfo: { name: "pager", version: "1" },
        });
      }
      if (msg.method === "tools/list") {
        const cursor = msg.params?.cursor ?? "";
        cursors.push(cursor);
        return reply(pages[cursor]);
      }
      return Response.json({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "nope" } });
    },
  };
  await using client = new Client(server);
  assert.deepEqual((await client.listTools()).map((t) => t.name), ["a", "b", "c"]);
  assert.deepEqual(cursors, ["", "p2", "p3"]);
  assert.equal(client.protocolVersion, "2025-11-25");
});
