/**
 * Interop: the official v1 TypeScript SDK client (`@modelcontextprotocol/sdk`) against a denomcp
 * server over Streamable HTTP on a real socket.
 *
 * @module
 */

import assert from "node:assert/strict";
// The package's "./*" export maps types to "*.js.d.ts", which does not exist; point at the real ones.
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import {
  pingSession,
  type RunningServer,
  startServer,
  STATIC_RESOURCE_TEXT,
  TEST_SERVER_INFO,
  TEST_TOOL_NAMES,
} from "../helpers/server.ts";

interface Connected {
  server: RunningServer;
  client: Client;
  transport: StreamableHTTPClientTransport;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a test server and connects a v1 client declaring elicitation and sampling. */
async function connect(): Promise<Connected> {
  const server = startServer();
  const client = new Client(
    { name: "v1-e2e", version: "0.0.1" },
    { capabilities: { elicitation: {}, sampling: {} } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(server.url));
  try {
    await client.connect(transport);
  } catch (error) {
    await server.close();
    throw error;
  }
  const dispose = async () => {
    await client.close();
    await server.close();
  };
  return { server, client, transport, [Symbol.asyncDispose]: dispose };
}

/** Polls `check` every 10 ms for up to 1 s; fails if it never holds. */
async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), `condition never held: ${check}`);
}

Deno.test("v1 client negotiates protocol 2025-11-25 and reads server info", async () => {
  await using c = await connect();
  assert.equal(c.transport.protocolVersion, "2025-11-25");
  assert.deepEqual(c.client.getServerVersion(), { ...TEST_SERVER_INFO });
  assert.equal(c.client.getInstructions(), "Test server for interop suites.");
  const caps = c.client.getServerCapabilities();
  assert.deepEqual(caps?.tools, { listChanged: true });
  assert.deepEqual(caps?.logging, {});
  assert.deepEqual(caps?.completions, {});
  assert.match(c.transport.sessionId ?? "", /^[0-9a-f-]{36}$/);
});

Deno.test("v1 client lists tools with names and zod-derived input schemas", async () => {
  await using c = await connect();
  const { tools } = await c.client.listTools();
  assert.deepEqual(tools.map((t) => t.name), [...TEST_TOOL_NAMES]);
  const add = tools.find((t) => t.name === "add")!;
  assert.equal(add.description, "Add two numbers");
  assert.equal(add.inputSchema.type, "object");
  assert.deepEqual(add.inputSchema.required, ["a", "b"]);
  assert.deepEqual(add.inputSchema.properties, {
    a: { type: "number", description: "First addend" },
    b: { type: "number", description: "Second addend" },
  });
  const weather = tools.find((t) => t.name === "weather")!;
  assert.deepEqual(weather.outputSchema?.required, ["city", "tempC", "conditions"]);
  assert.deepEqual(weather.annotations, { readOnlyHint: true });
});

Deno.test("v1 client calls add and receives the sum as text", async () => {
  await using c = await connect();
  const result = await c.client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
  assert.deepEqual(result.content, [{ type: "text", text: "42" }]);
  assert.notEqual(result.isError, true);
});

Deno.test("v1 client receives structured content validated against the output schema", async () => {
  await using c = await connect();
  await c.client.listTools(); // the v1 client validates structured content against cached schemas
  const result = await c.client.callTool({ name: "weather", arguments: { city: "Oslo" } });
  const expected = { city: "Oslo", tempC: 21, conditions: "sunny" };
  assert.deepEqual(result.structuredContent, expected);
  const content = result.content as { type: string; text: string }[];
  assert.equal(content.length, 1);
  assert.equal(content[0].type, "text");
  assert.deepEqual(JSON.parse(content[0].text), expected);
});

Deno.test("v1 client gets a tool error for invalid arguments", async () => {
  await using c = await connect();
  const result = await c.client.callTool({ name: "add", arguments: { a: "two", b: 1 } });
  assert.equal(result.isError, true);
  assert.deepEqual(result.content, [{
    type: "text",
    text: "Invalid arguments for tool 'add': a: Invalid input: expected number, received string",
  }]);
});

Deno.test("v1 client receives three progress notifications", async () => {
  await using c = await connect();
  const seen: { progress: number; total?: number; message?: string }[] = [];
  const result = await c.client.callTool({ name: "slow_count", arguments: {} }, undefined, {
    onprogress: (p) => seen.push({ progress: p.progress, total: p.total, message: p.message }),
  });
  assert.deepEqual(result.content, [{ type: "text", text: "counted to 3" }]);
  assert.deepEqual(seen, [
    { progress: 1, total: 3, message: "step 1 of 3" },
    { progress: 2, total: 3, message: "step 2 of 3" },
    { progress: 3, total: 3, message: "step 3 of 3" },
  ]);
});

Deno.test("v1 client receives log messages at or above the level it set", async () => {
  await using c = await connect();
  const logs: { level: string; data: unknown }[] = [];
  c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push({ level: n.params.level, data: n.params.data });
  });
  await c.client.setLoggingLevel("info");
  await c.client.callTool({ name: "slow_count", arguments: {} });
  assert.deepEqual(logs, [
    { level: "info", data: "step 1" },
    { level: "info", data: "step 2" },
    { level: "info", data: "step 3" },
  ]);
  logs.length = 0;
  await c.client.setLoggingLevel("warning");
  await c.client.callTool({ name: "slow_count", arguments: {} });
  assert.deepEqual(logs, []);
});

Deno.test("v1 client answers an elicitation and the tool uses the answer", async () => {
  await using c = await connect();
  const asked: unknown[] = [];
  c.client.setRequestHandler(ElicitRequestSchema, (req) => {
    asked.push(req.params);
    return { action: "accept", content: { name: "Ada" } };
  });
  const result = await c.client.callTool({ name: "ask_name", arguments: {} });
  assert.deepEqual(result.content, [{ type: "text", text: "Hello, Ada!" }]);
  assert.equal(asked.length, 1);
  const params = asked[0] as { message: string; requestedSchema: { properties: unknown } };
  assert.equal(params.message, "What is your name?");
  assert.deepEqual(params.requestedSchema.properties, { name: { type: "string" } });
});

Deno.test("v1 client declining an elicitation reaches the tool as decline", async () => {
  await using c = await connect();
  c.client.setRequestHandler(ElicitRequestSchema, () => ({ action: "decline" }));
  const result = await c.client.callTool({ name: "ask_name", arguments: {} });
  assert.deepEqual(result.content, [{ type: "text", text: "No name (decline)" }]);
});

Deno.test("v1 client answers two concurrent elicitations and each tool gets its own answer", async () => {
  await using c = await connect();
  const names: Record<string, [string, number]> = { "First?": ["Ann", 60], "Second?": ["Bob", 0] };
  c.client.setRequestHandler(ElicitRequestSchema, async (req) => {
    const [name, delay] = names[req.params.message];
    await new Promise((resolve) => setTimeout(resolve, delay)); // answer out of order
    return { action: "accept", content: { name } };
  });
  const results = await Promise.all([
    c.client.callTool({ name: "ask_name", arguments: { question: "First?" } }),
    c.client.callTool({ name: "ask_name", arguments: { question: "Second?" } }),
  ]);
  assert.deepEqual(results.map((r) => r.content), [
    [{ type: "text", text: "Hello, Ann!" }],
    [{ type: "text", text: "Hello, Bob!" }],
  ]);
});

Deno.test("v1 client answers a sampling request and the tool uses the text", async () => {
  await using c = await connect();
  const prompts: string[] = [];
  c.client.setRequestHandler(CreateMessageRequestSchema, (req) => {
    const content = req.params.messages[0].content as { type: string; text: string };
    prompts.push(`${req.params.maxTokens}:${content.text}`);
    return { model: "test-model", role: "assistant", content: { type: "text", text: "short" } };
  });
  const result = await c.client.callTool({ name: "summarize", arguments: { text: "a long story" } });
  assert.deepEqual(result.content, [{ type: "text", text: "Model said: short" }]);
  assert.deepEqual(prompts, ["50:Summarize: a long story"]);
});

Deno.test("v1 client lists and reads resources and templates", async () => {
  await using c = await connect();
  const { resources } = await c.client.listResources();
  assert.deepEqual(resources, [{
    uri: "config://app",
    name: "app-config",
    description: "Application configuration",
    mimeType: "text/plain",
  }]);
  const read = await c.client.readResource({ uri: "config://app" });
  assert.deepEqual(read.contents, [{
    uri: "config://app",
    mimeType: "text/plain",
    text: STATIC_RESOURCE_TEXT,
  }]);
  const { resourceTemplates } = await c.client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => [t.uriTemplate, t.name]), [[
    "greeting://{name}",
    "greeting",
  ]]);
  const greeting = await c.client.readResource({ uri: "greeting://Grace" });
  assert.deepEqual(greeting.contents, [{
    uri: "greeting://Grace",
    mimeType: "text/plain",
    text: "Hello, Grace!",
  }]);
});

Deno.test("v1 client gets an error for an unknown resource", async () => {
  await using c = await connect();
  await assert.rejects(c.client.readResource({ uri: "nothing://here" }), (e: Error & { code?: number }) => {
    assert.equal(e.code, -32002);
    return true;
  });
});

Deno.test("v1 client lists prompts and renders one with arguments", async () => {
  await using c = await connect();
  const { prompts } = await c.client.listPrompts();
  assert.deepEqual(prompts, [{
    name: "review",
    description: "Review some code",
    arguments: [
      { name: "code", description: "The code to review", required: true },
      { name: "language", description: "Programming language", required: false },
    ],
  }]);
  const got = await c.client.getPrompt({
    name: "review",
    arguments: { code: "let x = 1;", language: "rust" },
  });
  assert.deepEqual(got.messages, [
    { role: "user", content: { type: "text", text: "Please review this rust:\nlet x = 1;" } },
  ]);
});

Deno.test("v1 client completes prompt and template arguments", async () => {
  await using c = await connect();
  const prompt = await c.client.complete({
    ref: { type: "ref/prompt", name: "review" },
    argument: { name: "language", value: "t" },
  });
  assert.deepEqual(prompt.completion.values, ["typescript", "tsx"]);
  const template = await c.client.complete({
    ref: { type: "ref/resource", uri: "greeting://{name}" },
    argument: { name: "name", value: "Al" },
  });
  assert.deepEqual(template.completion.values, ["Alice", "Alan"]);
});

Deno.test("v1 client closing without DELETE releases its SSE stream; the session stays", async () => {
  await using c = await connect();
  await waitFor(() => c.server.mcp.stats().openStreams === 1);
  await c.client.close();
  await waitFor(() => c.server.mcp.stats().openStreams === 0);
  const { sessions, openStreams, subscriptions, requestsInFlight } = c.server.mcp.stats();
  assert.deepEqual({ sessions, openStreams, subscriptions, requestsInFlight }, {
    sessions: 1,
    openStreams: 0,
    subscriptions: 0,
    requestsInFlight: 0,
  });
});

Deno.test("v1 client terminating its session leaves the old session id unknown (404)", async () => {
  await using c = await connect();
  const sessionId = c.transport.sessionId!;
  assert.equal(c.server.mcp.stats().sessions, 1);
  assert.equal(await pingSession(c.server.url, sessionId), 200);
  await c.transport.terminateSession();
  assert.equal(c.transport.sessionId, undefined);
  assert.equal(c.server.mcp.stats().sessions, 0);
  assert.equal(await pingSession(c.server.url, sessionId), 404);
});
