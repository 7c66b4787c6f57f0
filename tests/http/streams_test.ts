import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { readSse } from "../../protocol/sse.ts";
import {
  CLIENT_HEADERS,
  ENDPOINT,
  legacyRequest,
  modernRequest,
  openSession,
  readMessages,
} from "../helpers/http.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function server(): FastMCP {
  const mcp = new FastMCP({ name: "streams", logLevel: "error", runInThread: false });
  mcp.tool("quick", { description: "answers at once" }, () => "done");
  mcp.tool("steps", { description: "reports progress and logs" }, async (_a, ctx) => {
    await ctx.info("starting");
    for (const p of [1, 2, 3]) await ctx.reportProgress(p, 3);
    return "finished";
  });
  mcp.tool("poll", { description: "closes its stream mid-call" }, async (_a, ctx) => {
    await ctx.reportProgress(1, 2);
    ctx.closeSseStream(50);
    await sleep(100);
    return "after reconnect";
  });
  mcp.tool("wait", { description: "waits until cancelled" }, async (_a, ctx) => {
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    return "cancelled";
  });
  return mcp;
}

Deno.test("a handler that streams nothing is answered with plain JSON even when SSE is accepted", async () => {
  const mcp = server();
  const res = await mcp.fetch(modernRequest("tools/call", { name: "quick", arguments: {} }));
  assert.equal(res.headers.get("content-type"), "application/json");
  const [body] = await readMessages(res);
  assert.deepEqual(body.result, {
    content: [{ type: "text", text: "done" }],
    resultType: "complete",
    _meta: { "io.modelcontextprotocol/serverInfo": { name: "streams", version: "0.0.0" } },
  });
  await mcp.close();
});

Deno.test("2026: progress upgrades the answer to SSE, notifications first; logs only with a log level", async () => {
  const mcp = server();
  const quiet = await mcp.fetch(
    modernRequest("tools/call", { name: "steps", arguments: {}, _meta: { progressToken: "t1" } }),
  );
  assert.equal(quiet.headers.get("content-type"), "text/event-stream");
  const messages = await readMessages(quiet);
  assert.deepEqual(messages.map((m) => m.method ?? "result"), [
    "notifications/progress",
    "notifications/progress",
    "notifications/progress",
    "result",
  ]);
  assert.deepEqual(messages.slice(0, 3).map((m) => (m.params as { progress: number }).progress), [1, 2, 3]);
  const loud = await mcp.fetch(modernRequest("tools/call", {
    name: "steps",
    arguments: {},
    _meta: { "io.modelcontextprotocol/logLevel": "info" },
  }));
  const logged = await readMessages(loud);
  assert.deepEqual(logged[0], {
    jsonrpc: "2.0",
    method: "notifications/message",
    params: { level: "info", data: "starting" },
  });
  assert.equal(logged.length, 2);
  await mcp.close();
});

Deno.test("2025: a POST stream is primed, and after the server closes it the result arrives on GET with Last-Event-ID", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  const headers = { "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" };
  const res = await mcp.fetch(
    legacyRequest({
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "poll", arguments: {}, _meta: { progressToken: 1 } },
    }, headers),
  );
  const events = [];
  for await (const event of readSse(res.body!)) events.push(event);
  assert.equal(events[0].data, "", "the first event primes the stream");
  assert.ok(events[0].id);
  assert.ok(events.some((e) => e.retry === 50), "a retry hint precedes the close");
  assert.ok(!events.some((e) => e.data.includes('"id":5')), "the result is not on the closed connection");
  const lastId = events.findLast((e) => e.id)!.id!;
  await sleep(120);
  const resumed = await mcp.fetch(
    new Request(ENDPOINT, { headers: { accept: "text/event-stream", "last-event-id": lastId, ...headers } }),
  );
  const replay = (await readMessages(resumed)).filter((m) => m.id === 5);
  assert.deepEqual((replay[0].result as { content: unknown }).content, [{
    type: "text",
    text: "after reconnect",
  }]);
  await mcp.close();
});

Deno.test("2025: notifications/cancelled aborts the handler and suppresses its response", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  const headers = { "mcp-session-id": id };
  const pending = mcp.fetch(
    legacyRequest(
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "wait", arguments: {} } },
      headers,
    ),
  );
  await sleep(20);
  const cancel = await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } }, headers),
  );
  assert.equal(cancel.status, 202);
  const res = await pending;
  assert.equal(res.status, 202, "no JSON-RPC response for a cancelled request");
  await res.body?.cancel();
  await mcp.close();
});

Deno.test("subscriptions/listen acknowledges first, tags every notification and honours its filter", async () => {
  const mcp = server();
  const res = await mcp.fetch(
    modernRequest("subscriptions/listen", {
      notifications: { toolsListChanged: true, promptsListChanged: false },
    }, "sub-1"),
  );
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = readSse(res.body!);
  const ack = JSON.parse((await reader.next()).value!.data);
  assert.deepEqual(ack, {
    jsonrpc: "2.0",
    method: "notifications/subscriptions/acknowledged",
    params: {
      notifications: { toolsListChanged: true },
      _meta: { "io.modelcontextprotocol/subscriptionId": "sub-1" },
    },
  });
  mcp.prompt("ignored", { description: "x" }, () => "x");
  mcp.tool("added", { description: "x" }, () => "x");
  const changed = JSON.parse((await reader.next()).value!.data);
  assert.equal(changed.method, "notifications/tools/list_changed");
  assert.equal(changed.params._meta["io.modelcontextprotocol/subscriptionId"], "sub-1");
  assert.equal(mcp.stats().subscriptions, 1);
  await mcp.close();
  const final = JSON.parse((await reader.next()).value!.data);
  assert.deepEqual(final, {
    jsonrpc: "2.0",
    id: "sub-1",
    result: { resultType: "complete", _meta: { "io.modelcontextprotocol/subscriptionId": "sub-1" } },
  });
  assert.equal((await reader.next()).done, true);
});

Deno.test("2025: the GET stream carries list_changed, and one GET per session is allowed", async () => {
  const mcp = server();
  const id = await openSession(mcp.fetch);
  const get = () =>
    mcp.fetch(new Request(ENDPOINT, { headers: { accept: "text/event-stream", "mcp-session-id": id } }));
  const stream = await get();
  const second = await get();
  assert.equal(second.status, 409);
  await second.body?.cancel();
  const reader = readSse(stream.body!);
  assert.equal((await reader.next()).value!.data, "", "primed");
  mcp.tool("fresh", { description: "x" }, () => "x").disable();
  const note = JSON.parse((await reader.next()).value!.data);
  assert.deepEqual(note, { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
  await mcp.close();
});

Deno.test("shutdown with open SSE streams finishes within a second and runs the lifespan teardown after them", async () => {
  const order: string[] = [];
  const mcp = new FastMCP({
    name: "shutdown",
    logLevel: "error",
    async *lifespan() {
      order.push("setup");
      yield { db: "ready" };
      order.push("teardown");
    },
  });
  mcp.tool("db", { description: "reads the lifespan value" }, (_a, ctx) => JSON.stringify(ctx.lifespan));
  const { url } = mcp.serve({ port: 0, onListen: () => {} });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: "POST", headers: { ...CLIENT_HEADERS, ...headers }, body: JSON.stringify(body) });
  const init = await post({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });
  const sid = init.headers.get("mcp-session-id")!;
  await init.body?.cancel();
  await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sid })).body
    ?.cancel();
  const call = await post({
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "db", arguments: {} },
  }, { "mcp-session-id": sid });
  assert.deepEqual((await call.json()).result.content[0].text, '{"db":"ready"}');
  const getStream = await fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": sid } });
  const listen = await fetch(url, {
    method: "POST",
    headers: {
      ...CLIENT_HEADERS,
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "subscriptions/listen",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 3,
      method: "subscriptions/listen",
      params: {
        notifications: { toolsListChanged: true },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  });
  assert.equal(mcp.stats().openStreams, 2);
  const started = performance.now();
  await mcp.close();
  const took = performance.now() - started;
  assert.ok(took < 1000, `close took ${took} ms`);
  assert.deepEqual(order, ["setup", "teardown"]);
  const { sessions, openStreams, subscriptions, requestsInFlight } = mcp.stats();
  assert.deepEqual({ sessions, openStreams, subscriptions, requestsInFlight }, {
    sessions: 0,
    openStreams: 0,
    subscriptions: 0,
    requestsInFlight: 0,
  });
  await getStream.body?.cancel();
  assert.match(await listen.text(), /"id":3,"result"/);
});
