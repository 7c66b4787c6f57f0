/**
 * Interop: the official v2 TypeScript client (`@modelcontextprotocol/client`) against a denomcp
 * server over Streamable HTTP on a real socket, once per wire era: legacy (2025-11-25, sessions)
 * and pinned 2026-07-28 (stateless; elicitation and sampling travel as input-required results).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  Client,
  type ClientOptions,
  LOG_LEVEL_META_KEY,
  type LoggingLevel,
  ResourceNotFoundError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import {
  pingSession,
  type RunningServer,
  startServer,
  STATIC_RESOURCE_TEXT,
  TEST_SERVER_INFO,
  TEST_TOOL_NAMES,
} from "../helpers/server.ts";

interface Mode {
  /** Label used in test names. */
  label: string;
  options: ClientOptions;
  version: string;
  era: "legacy" | "modern";
}

const PIN_2026: ClientOptions = { versionNegotiation: { mode: { pin: "2026-07-28" } } };
const MODES: Mode[] = [
  { label: "legacy", options: {}, version: "2025-11-25", era: "legacy" },
  { label: "2026-07-28", options: PIN_2026, version: "2026-07-28", era: "modern" },
];

/** Elicitation answers by question: the name, and how long the user takes to give it. */
const ANSWERS: Record<string, [string, number]> = { "First?": ["Ann", 60], "Second?": ["Bob", 0] };

interface Connected {
  server: RunningServer;
  client: Client;
  transport: StreamableHTTPClientTransport;
  elicitations: unknown[];
  samplings: unknown[];
  logs: { level: string; data: unknown }[];
  /** Every JSON-RPC message the client POSTed, in order. */
  sent: { method?: string; params?: Record<string, unknown> }[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a test server and connects a v2 client that answers elicitation and sampling. */
async function connect(options: ClientOptions): Promise<Connected> {
  const server = startServer();
  const client = new Client(
    { name: "v2-e2e", version: "0.0.1" },
    { ...options, capabilities: { elicitation: { form: {} }, sampling: {} } },
  );
  const elicitations: unknown[] = [];
  const samplings: unknown[] = [];
  const logs: { level: string; data: unknown }[] = [];
  client.setRequestHandler("elicitation/create", async (request) => {
    elicitations.push(request.params);
    const [name, delay] = ANSWERS[request.params.message] ?? ["Ada", 0];
    await new Promise((resolve) => setTimeout(resolve, delay));
    return { action: "accept", content: { name } };
  });
  client.setRequestHandler("sampling/createMessage", (request) => {
    const content = request.params.messages[0].content as { type: string; text: string };
    samplings.push(`${request.params.maxTokens}:${content.text}`);
    return { model: "test-model", role: "assistant", content: { type: "text", text: "short" } };
  });
  client.setNotificationHandler("notifications/message", (n) => {
    logs.push({ level: n.params.level, data: n.params.data });
  });
  const sent: Connected["sent"] = [];
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    fetch: (url, init) => {
      if (init?.method === "POST" && typeof init.body === "string") sent.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  });
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
  return { server, client, transport, elicitations, samplings, logs, sent, [Symbol.asyncDispose]: dispose };
}

for (const mode of MODES) {
  Deno.test(`v2 client (${mode.label}) negotiates ${mode.version}`, async () => {
    await using c = await connect(mode.options);
    assert.equal(c.client.getNegotiatedProtocolVersion(), mode.version);
    assert.equal(c.client.getProtocolEra(), mode.era);
    assert.deepEqual(c.client.getServerVersion(), { ...TEST_SERVER_INFO });
    assert.equal(c.client.getInstructions(), "Test server for interop suites.");
    assert.deepEqual(c.client.getServerCapabilities()?.tools, { listChanged: true });
    const methods = c.sent.map((m) => m.method);
    if (mode.era === "legacy") {
      assert.match(c.transport.sessionId ?? "", /^[0-9a-f-]{36}$/);
      assert.deepEqual(methods, ["initialize", "notifications/initialized"]);
    } else {
      assert.equal(c.transport.sessionId, undefined);
      assert.deepEqual(methods, ["server/discover"]);
    }
  });

  Deno.test(`v2 client (${mode.label}) lists tools and calls add`, async () => {
    await using c = await connect(mode.options);
    const { tools } = await c.client.listTools();
    assert.deepEqual(tools.map((t) => t.name), [...TEST_TOOL_NAMES]);
    const add = tools.find((t) => t.name === "add")!;
    assert.deepEqual(add.inputSchema.required, ["a", "b"]);
    assert.deepEqual(add.inputSchema.properties, {
      a: { type: "number", description: "First addend" },
      b: { type: "number", description: "Second addend" },
    });
    const result = await c.client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
    assert.deepEqual(result.content, [{ type: "text", text: "42" }]);
    assert.notEqual(result.isError, true);
  });

  Deno.test(`v2 client (${mode.label}) receives structured content`, async () => {
    await using c = await connect(mode.options);
    await c.client.listTools();
    const result = await c.client.callTool({ name: "weather", arguments: { city: "Oslo" } });
    const expected = { city: "Oslo", tempC: 21, conditions: "sunny" };
    assert.deepEqual(result.structuredContent, expected);
    const content = result.content as { type: string; text: string }[];
    assert.equal(content.length, 1);
    assert.deepEqual(JSON.parse(content[0].text), expected);
  });

  Deno.test(`v2 client (${mode.label}) receives three progress notifications`, async () => {
    await using c = await connect(mode.options);
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const result = await c.client.callTool({ name: "slow_count", arguments: {} }, {
      onprogress: (p) => seen.push({ progress: p.progress, total: p.total, message: p.message }),
    });
    assert.deepEqual(result.content, [{ type: "text", text: "counted to 3" }]);
    assert.deepEqual(seen, [
      { progress: 1, total: 3, message: "step 1 of 3" },
      { progress: 2, total: 3, message: "step 2 of 3" },
      { progress: 3, total: 3, message: "step 3 of 3" },
    ]);
  });

  Deno.test(`v2 client (${mode.label}) receives log messages at the level it asked for`, async () => {
    await using c = await connect(mode.options);
    const callAt = async (level: LoggingLevel) => {
      if (mode.era === "legacy") {
        await c.client.setLoggingLevel(level);
        return await c.client.callTool({ name: "slow_count", arguments: {} });
      }
      // 2026-07-28 has no logging/setLevel: the level travels in each request's _meta.
      return await c.client.callTool({
        name: "slow_count",
        arguments: {},
        _meta: { [LOG_LEVEL_META_KEY]: level },
      });
    };
    await callAt("info");
    assert.deepEqual(c.logs, [
      { level: "info", data: "step 1" },
      { level: "info", data: "step 2" },
      { level: "info", data: "step 3" },
    ]);
    c.logs.length = 0;
    await callAt("error");
    assert.deepEqual(c.logs, []);
  });

  Deno.test(`v2 client (${mode.label}) answers an elicitation and the tool uses the answer`, async () => {
    await using c = await connect(mode.options);
    const result = await c.client.callTool({ name: "ask_name", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: "Hello, Ada!" }]);
    assert.equal(c.elicitations.length, 1);
    const params = c.elicitations[0] as { message: string; requestedSchema: { properties: unknown } };
    assert.equal(params.message, "What is your name?");
    assert.deepEqual(params.requestedSchema.properties, { name: { type: "string" } });
    const calls = c.sent.filter((m) => m.method === "tools/call").map((m) => m.params!);
    if (mode.era === "legacy") {
      assert.equal(calls.length, 1);
    } else {
      // First round: input-required; second round: the same call carrying the answer.
      assert.equal(calls.length, 2);
      assert.equal(calls[0].inputResponses, undefined);
      assert.deepEqual(Object.values(calls[1].inputResponses as object), [
        { action: "accept", content: { name: "Ada" } },
      ]);
    }
  });

  Deno.test(`v2 client (${mode.label}) answers concurrent elicitations, each to its own call`, async () => {
    await using c = await connect(mode.options);
    const results = await Promise.all([
      c.client.callTool({ name: "ask_name", arguments: { question: "First?" } }),
      c.client.callTool({ name: "ask_name", arguments: { question: "Second?" } }),
    ]);
    assert.deepEqual(results.map((r) => r.content), [
      [{ type: "text", text: "Hello, Ann!" }],
      [{ type: "text", text: "Hello, Bob!" }],
    ]);
  });

  Deno.test(`v2 client (${mode.label}) answers a sampling request and the tool uses the text`, async () => {
    await using c = await connect(mode.options);
    const result = await c.client.callTool({ name: "summarize", arguments: { text: "a long story" } });
    assert.deepEqual(result.content, [{ type: "text", text: "Model said: short" }]);
    assert.deepEqual(c.samplings, ["50:Summarize: a long story"]);
  });

  Deno.test(`v2 client (${mode.label}) lists and reads resources and templates`, async () => {
    await using c = await connect(mode.options);
    const { resources } = await c.client.listResources();
    assert.deepEqual(resources.map((r) => [r.uri, r.name, r.mimeType]), [
      ["config://app", "app-config", "text/plain"],
    ]);
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
    await assert.rejects(c.client.readResource({ uri: "nothing://here" }), ResourceNotFoundError);
    const greeting = await c.client.readResource({ uri: "greeting://Grace" });
    assert.deepEqual(greeting.contents, [{
      uri: "greeting://Grace",
      mimeType: "text/plain",
      text: "Hello, Grace!",
    }]);
  });

  Deno.test(`v2 client (${mode.label}) lists prompts, renders one and completes arguments`, async () => {
    await using c = await connect(mode.options);
    const { prompts } = await c.client.listPrompts();
    assert.deepEqual(prompts.map((p) => [p.name, p.arguments?.map((a) => [a.name, a.required])]), [
      ["review", [["code", true], ["language", false]]],
    ]);
    const got = await c.client.getPrompt({
      name: "review",
      arguments: { code: "let x = 1;", language: "rust" },
    });
    assert.deepEqual(got.messages, [
      { role: "user", content: { type: "text", text: "Please review this rust:\nlet x = 1;" } },
    ]);
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
}

Deno.test("v2 client (auto) picks 2026-07-28 and calls a tool", async () => {
  await using c = await connect({ versionNegotiation: { mode: "auto" } });
  assert.equal(c.client.getNegotiatedProtocolVersion(), "2026-07-28");
  assert.equal(c.client.getProtocolEra(), "modern");
  assert.equal(c.transport.sessionId, undefined);
  const result = await c.client.callTool({ name: "ask_name", arguments: {} });
  assert.deepEqual(result.content, [{ type: "text", text: "Hello, Ada!" }]);
  assert.equal(c.elicitations.length, 1);
});

Deno.test("v2 client (legacy) terminating its session leaves the old session id unknown (404)", async () => {
  await using c = await connect({});
  const sessionId = c.transport.sessionId!;
  assert.equal(c.server.mcp.stats().sessions, 1);
  assert.equal(await pingSession(c.server.url, sessionId), 200);
  await c.transport.terminateSession();
  assert.equal(c.transport.sessionId, undefined);
  assert.equal(c.server.mcp.stats().sessions, 0);
  assert.equal(await pingSession(c.server.url, sessionId), 404);
});
