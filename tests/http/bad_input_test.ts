import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";
import {
  CLIENT_HEADERS,
  ENDPOINT,
  legacyRequest,
  modernNotification,
  modernRequest,
  openSession,
  rawHttp,
  readMessages,
} from "../helpers/http.ts";

function server(limits: Record<string, number> = {}): FastMCP {
  const mcp = new FastMCP({ name: "bad-input", logLevel: "error", runInThread: false, limits });
  mcp.tool(
    "add",
    { description: "add", input: z.object({ a: z.number(), b: z.number() }) },
    ({ a, b }) => a + b,
  );
  mcp.prompt(
    "greet",
    { description: "greet", args: z.object({ name: z.string().min(2) }) },
    ({ name }) => `hi ${name}`,
  );
  return mcp;
}

async function expectError(
  res: Response,
  status: number,
  code: number,
  pattern?: RegExp,
): Promise<Record<string, unknown>> {
  assert.equal(res.status, status);
  const [body] = await readMessages(res);
  const error = body.error as { code: number; message: string; data?: unknown };
  assert.equal(error.code, code, JSON.stringify(body));
  if (pattern) assert.match(error.message, pattern);
  return body;
}

async function assertClean(mcp: FastMCP, sessions = 0): Promise<void> {
  const { sessions: held, openStreams, subscriptions, requestsInFlight, pool, tasks } = mcp.stats();
  assert.deepEqual({ held, openStreams, subscriptions, requestsInFlight }, {
    held: sessions,
    openStreams: 0,
    subscriptions: 0,
    requestsInFlight: 0,
  });
  assert.equal(pool.busy + pool.queued + tasks.running, 0);
  await mcp.close();
}

Deno.test("unparseable JSON is -32700 with HTTP 400", async () => {
  const mcp = server();
  const res = await mcp.fetch(
    new Request(ENDPOINT, { method: "POST", headers: CLIENT_HEADERS, body: "{not json" }),
  );
  await expectError(res, 400, -32700, /not valid JSON/);
  await assertClean(mcp);
});

Deno.test("a body that is not a JSON-RPC message is -32600", async () => {
  const mcp = server();
  await expectError(await mcp.fetch(legacyRequest({ hello: "world" })), 400, -32600, /JSON-RPC 2.0/);
  await expectError(
    await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: 1, method: 42 })),
    400,
    -32600,
    /method/,
  );
  await expectError(
    await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: 1.5, method: "ping" })),
    400,
    -32600,
    /id/,
  );
  await expectError(
    await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: 1, method: "ping", params: [1] })),
    400,
    -32600,
    /params/,
  );
  await assertClean(mcp);
});

Deno.test("a body over limits.maxBodyBytes is 413, declared or streamed", async () => {
  const mcp = server({ maxBodyBytes: 1024 });
  const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(4096) } });
  const declared = await mcp.fetch(
    new Request(ENDPOINT, { method: "POST", headers: CLIENT_HEADERS, body: big }),
  );
  await expectError(declared, 413, -32600, /maxBodyBytes/);
  const chunks = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode(big.slice(i * 600, (i + 1) * 600)));
      c.close();
    },
  });
  const streamed = await mcp.fetch(
    new Request(ENDPOINT, { method: "POST", headers: CLIENT_HEADERS, body: chunks }),
  );
  await expectError(streamed, 413, -32600, /1024 bytes/);
  await assertClean(mcp);
});

Deno.test("wrong Content-Type is 415 and a missing Accept type is 406", async () => {
  const mcp = server();
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
  const text = await mcp.fetch(
    new Request(ENDPOINT, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, "content-type": "text/plain" },
      body,
    }),
  );
  await expectError(text, 415, -32600, /Content-Type/);
  const jsonOnly = await mcp.fetch(
    new Request(ENDPOINT, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, accept: "application/json" },
      body,
    }),
  );
  await expectError(jsonOnly, 406, -32600, /text\/event-stream/);
  await assertClean(mcp);
});

Deno.test("a request without a session is 400 and an unknown session is 404", async () => {
  const mcp = server();
  const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
  await expectError(await mcp.fetch(legacyRequest(ping)), 400, -32600, /Mcp-Session-Id/);
  await expectError(
    await mcp.fetch(legacyRequest(ping, { "mcp-session-id": "nope" })),
    404,
    -32600,
    /Session not found/,
  );
  await assertClean(mcp);
});

Deno.test("a deleted session answers 404 and is gone", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  assert.equal(mcp.stats().sessions, 1);
  const del = await mcp.fetch(new Request(ENDPOINT, { method: "DELETE", headers: { "mcp-session-id": id } }));
  assert.equal(del.status, 200);
  await expectError(
    await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: 2, method: "ping" }, { "mcp-session-id": id })),
    404,
    -32600,
  );
  await assertClean(mcp);
});

Deno.test("an unsupported MCP-Protocol-Version is 400 naming the supported versions", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  const res = await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", id: 2, method: "ping" }, {
      "mcp-session-id": id,
      "mcp-protocol-version": "1999-01-01",
    }),
  );
  const body = await expectError(res, 400, -32600, /1999-01-01/);
  assert.match((body.error as { message: string }).message, /2025-11-25.*2026-07-28/);
  await assertClean(mcp, 1);
});

Deno.test("unknown methods are -32601: in-band on 2025, 404 on 2026", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  const legacy = await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", id: 2, method: "nope/nothing" }, { "mcp-session-id": id }),
  );
  await expectError(legacy, 200, -32601, /nope\/nothing/);
  for (const method of ["nope/nothing", "initialize", "ping", "logging/setLevel", "resources/subscribe"]) {
    await expectError(await mcp.fetch(modernRequest(method, {}, 7)), 404, -32601);
  }
  await assertClean(mcp, 1);
});

Deno.test("invalid params are -32602 with the schema's message", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  const headers = { "mcp-session-id": id };
  const prompt = await mcp.fetch(
    legacyRequest({
      jsonrpc: "2.0",
      id: 2,
      method: "prompts/get",
      params: { name: "greet", arguments: { name: "x" } },
    }, headers),
  );
  await expectError(prompt, 200, -32602, /greet.*name: Too small/);
  const level = await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", id: 3, method: "logging/setLevel", params: { level: "loud" } }, headers),
  );
  await expectError(level, 200, -32602, /loud/);
  const unknown = await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "missing" } }, headers),
  );
  await expectError(unknown, 200, -32602, /Unknown tool: 'missing'/);
  const cursor = await mcp.fetch(modernRequest("tools/list", { cursor: "zzz" }));
  await expectError(cursor, 200, -32602, /Invalid cursor/);
  await assertClean(mcp, 1);
});

Deno.test("tool arguments that fail the schema give an isError result naming the problem", async () => {
  const mcp = server();
  const res = await mcp.fetch(modernRequest("tools/call", { name: "add", arguments: { a: "one", b: 2 } }));
  assert.equal(res.status, 200);
  const [body] = await readMessages(res);
  const result = body.result as { isError: boolean; content: { text: string }[] };
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /Invalid arguments for tool 'add': a: Invalid input: expected number/);
  await assertClean(mcp);
});

Deno.test("a 2025-03-26 batch over limits.maxBatchSize is rejected whole", async () => {
  const mcp = server({ maxBatchSize: 2 });
  const id = await openSession(mcp.fetch, "2025-03-26");
  const batch = [1, 2, 3].map((n) => ({ jsonrpc: "2.0", id: n, method: "ping" }));
  await expectError(
    await mcp.fetch(legacyRequest(batch, { "mcp-session-id": id })),
    400,
    -32600,
    /maxBatchSize/,
  );
  const ok = await mcp.fetch(legacyRequest(batch.slice(0, 2), { "mcp-session-id": id }));
  assert.deepEqual((await ok.json()).map((r: { id: number }) => r.id).sort(), [1, 2]);
  await assertClean(mcp, 1);
});

Deno.test("limits.maxSessions refuses initialize with 503 and keeps existing sessions", async () => {
  const mcp = server({ maxSessions: 1 });
  await openSession(mcp.fetch);
  const res = await mcp.fetch(legacyRequest({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  }));
  await expectError(res, 503, -32603, /maxSessions/);
  assert.equal(res.headers.get("mcp-session-id"), null);
  await assertClean(mcp, 1);
});

Deno.test("2026 envelope errors: -32602, then -32020, then -32022, all HTTP 400", async () => {
  const mcp = server();
  const post = (params: Record<string, unknown>, headers: Record<string, string>) =>
    mcp.fetch(
      new Request(ENDPOINT, {
        method: "POST",
        headers: { ...CLIENT_HEADERS, "mcp-method": "server/discover", ...headers },
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "server/discover", params }),
      }),
    );
  const v = "io.modelcontextprotocol/protocolVersion";
  const c = "io.modelcontextprotocol/clientCapabilities";
  await expectError(await post({}, { "mcp-protocol-version": "2026-07-28" }), 400, -32602, /_meta/);
  await expectError(
    await post({ _meta: { [c]: {} } }, { "mcp-protocol-version": "2026-07-28" }),
    400,
    -32602,
    /protocolVersion/,
  );
  await expectError(
    await post({ _meta: { [v]: "2026-07-28" } }, { "mcp-protocol-version": "2026-07-28" }),
    400,
    -32602,
    /clientCapabilities/,
  );
  await expectError(
    await post({ _meta: { [v]: "2026-07-28", [c]: {} } }, {}),
    400,
    -32020,
    /MCP-Protocol-Version/,
  );
  const unsupported = await expectError(
    await post({ _meta: { [v]: "2099-01-01", [c]: {} } }, { "mcp-protocol-version": "2099-01-01" }),
    400,
    -32022,
  );
  assert.deepEqual((unsupported.error as { data: unknown }).data, {
    supported: ["2026-07-28"],
    requested: "2099-01-01",
  });
  const body = await expectError(
    await mcp.fetch(modernRequest("tools/list", {}, 5, { "mcp-method": "prompts/list" })),
    400,
    -32020,
    /Mcp-Method/,
  );
  assert.equal(body.id, 5);
  await expectError(
    await mcp.fetch(modernRequest("tools/call", { name: "add" }, 6, { "mcp-name": "other" })),
    400,
    -32020,
    /Mcp-Name/,
  );
  await assertClean(mcp);
});

Deno.test("DNS-rebinding protection rejects a foreign Host or Origin on a loopback bind", async () => {
  const mcp = server();
  const { addr } = mcp.serve({ port: 0, onListen: () => {} });
  const port = (addr as Deno.NetAddr).port;
  const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
  const foreignHost = await rawHttp(
    port,
    "POST",
    "/mcp",
    { ...CLIENT_HEADERS, host: "evil.example.com" },
    ping,
  );
  assert.equal(foreignHost.status, 403);
  assert.match(foreignHost.body, /host 'evil.example.com' is not allowed/);
  const foreignOrigin = await rawHttp(port, "POST", "/mcp", {
    ...CLIENT_HEADERS,
    host: `localhost:${port}`,
    origin: "http://evil.example.com",
  }, ping);
  assert.equal(foreignOrigin.status, 403);
  assert.match(foreignOrigin.body, /origin 'http:\/\/evil.example.com' is not allowed/);
  const local = await rawHttp(port, "POST", "/mcp", {
    ...CLIENT_HEADERS,
    host: `localhost:${port}`,
    origin: `http://localhost:${port}`,
  }, ping);
  assert.equal(local.status, 400); // passes the guard, then fails for lack of a session
  await assertClean(mcp);
});

Deno.test("GET without text/event-stream is 406, PUT is 405 with Allow", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  const get = await mcp.fetch(
    new Request(ENDPOINT, { headers: { accept: "application/json", "mcp-session-id": id } }),
  );
  await expectError(get, 406, -32600);
  const put = await mcp.fetch(new Request(ENDPOINT, { method: "PUT", body: "{}" }));
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET, POST, DELETE");
  await put.body?.cancel();
  await assertClean(mcp, 1);
});

Deno.test("idle sessions expire after limits.sessionIdleTimeoutMs and their streams close", async () => {
  const mcp = server({ sessionIdleTimeoutMs: 50 });
  const id = await openSession(mcp.fetch);
  const stream = await mcp.fetch(
    new Request(ENDPOINT, { headers: { accept: "text/event-stream", "mcp-session-id": id } }),
  );
  assert.equal(mcp.stats().openStreams, 1);
  // The sweeper runs at most once a second.
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(mcp.stats().sessions, 0);
  assert.equal(mcp.stats().openStreams, 0);
  await stream.body?.cancel();
  const after = await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": id }),
  );
  await expectError(after, 404, -32600);
  await assertClean(mcp);
});

Deno.test("limits.maxStreamsPerSession refuses another stream with 429", async () => {
  const mcp = server({ maxStreamsPerSession: 1 });
  const id = await openSession(mcp.fetch);
  const headers = { accept: "text/event-stream", "mcp-session-id": id };
  const first = await mcp.fetch(new Request(ENDPOINT, { headers }));
  const resume = await mcp.fetch(new Request(ENDPOINT, { headers: { ...headers, "last-event-id": "g_0" } }));
  await expectError(resume, 429, -32600, /maxStreamsPerSession/);
  await first.body?.cancel();
  await assertClean(mcp, 1);
});

Deno.test("a 2026 notification is held to the envelope too: without _meta it is 400, with it 202", async () => {
  const mcp = server();
  await expectError(
    await mcp.fetch(modernNotification("notifications/cancelled", { requestId: 1 }, false)),
    400,
    -32602,
    /_meta with the request envelope is required/,
  );
  const ok = await mcp.fetch(modernNotification("notifications/cancelled", { requestId: 1 }));
  assert.equal(ok.status, 202);
  await ok.body?.cancel();
  await mcp.close();
});
