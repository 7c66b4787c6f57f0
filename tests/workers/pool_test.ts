import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { mcp } from "./fixture.ts";
import { legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";

type Result = { content: { type: string; text: string }[]; isError?: boolean };

async function call(name: string, args: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
  const messages = await readMessages(
    await mcp.fetch(modernRequest("tools/call", { name, arguments: args, _meta: meta })),
  );
  return { messages, result: messages.at(-1)!.result as Result };
}

// The pool is shared by the tests of this file; the last test closes the server.

Deno.test("a synchronous tool runs in a worker and sees the request's facts", async () => {
  const { result } = await call("facts");
  const facts = JSON.parse(result.content[0].text);
  assert.deepEqual(facts, { era: "modern", protocolVersion: "2026-07-28", requestId: 1, inWorker: true });
});

Deno.test("a ToolError thrown in a worker keeps its message; other errors keep theirs", async () => {
  const toolError = (await call("fail_tool")).result;
  assert.equal(toolError.isError, true);
  assert.deepEqual(toolError.content, [{ type: "text", text: "the city is unknown" }]);
  const plain = (await call("fail_plain")).result;
  assert.equal(plain.isError, true);
  assert.equal(plain.content[0].text, "Error calling tool 'fail_plain': boom");
});

Deno.test("a result that cannot leave the worker is an error naming the tool and the type", async () => {
  const { result } = await call("uncloneable");
  assert.equal(result.isError, true);
  assert.match(
    result.content[0].text,
    /tool 'uncloneable' returned a value that cannot leave its worker: function/,
  );
});

Deno.test("logs and progress from a worker reach the client before the result", async () => {
  const { messages } = await call("report", {}, {
    progressToken: "p",
    "io.modelcontextprotocol/logLevel": "info",
  });
  assert.deepEqual(messages.map((m) => m.method ?? "result"), [
    "notifications/message",
    "notifications/progress",
    "notifications/progress",
    "result",
  ]);
  assert.equal((messages[0].params as { data: string }).data, "working in a worker");
  assert.deepEqual(messages.slice(1, 3).map((m) => (m.params as { progress: number }).progress), [1, 2]);
});

Deno.test("sampling from a worker fails with advice to use an async tool or runInThread: false", async () => {
  const { result } = await call("needs_sampling", {}, {
    "io.modelcontextprotocol/clientCapabilities": { sampling: {} },
  });
  assert.equal(result.isError, true);
  assert.match(
    result.content[0].text,
    /cannot run in a worker.*make its handler async, or define it with runInThread: false/,
  );
});

Deno.test("timeoutMs terminates the worker, answers a timeout error, and the pool recovers", async () => {
  const started = performance.now();
  const { result } = await call("slow", { ms: 3000 });
  assert.ok(performance.now() - started < 1500, "the call did not wait for the spin");
  assert.deepEqual(result.content, [{ type: "text", text: "Tool 'slow' timed out after 100 ms" }]);
  assert.equal(JSON.parse((await call("facts")).result.content[0].text).inWorker, true);
});

Deno.test("a worker that crashes fails its call and is replaced", async () => {
  const { result } = await call("crash");
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /the worker running tool 'crash' crashed: .*worker exploded/);
  assert.equal(JSON.parse((await call("facts")).result.content[0].text).inWorker, true);
});

Deno.test("client cancellation terminates the worker and the call answers nothing", async () => {
  const sid = await openSession(mcp.fetch);
  const headers = { "mcp-session-id": sid };
  const pending = mcp.fetch(
    legacyRequest({
      jsonrpc: "2.0",
      id: 9,
      method: "tools/call",
      params: { name: "spin", arguments: { ms: 3000 } },
    }, headers),
  );
  await new Promise((r) => setTimeout(r, 100));
  const started = performance.now();
  await (await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 9 } }, headers),
  )).body?.cancel();
  const res = await pending;
  assert.ok(performance.now() - started < 500, "cancellation did not wait for the spin");
  assert.equal(res.status, 202);
  await res.body?.cancel();
  assert.equal(JSON.parse((await call("facts")).result.content[0].text).inWorker, true);
  await (await mcp.fetch(new Request("http://127.0.0.1:8000/mcp", { method: "DELETE", headers }))).body
    ?.cancel();
});

Deno.test("shutdown terminates the pool and fails the call in flight at once", async () => {
  const pending = call("spin", { ms: 5000 });
  await new Promise((r) => setTimeout(r, 100));
  const started = performance.now();
  await mcp.close();
  const { result } = await pending;
  assert.ok(performance.now() - started < 1000);
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /shutting down/);
});

Deno.test("a tool defined in eval runs inline, with one warning naming it", async () => {
  const warnings: string[] = [];
  const server = new FastMCP({
    name: "eval-server",
    logger: (level, message) => level === "warning" && warnings.push(message),
  });
  (globalThis as { __evalServer?: FastMCP }).__evalServer = server;
  (0, eval)("globalThis.__evalServer.tool('from_eval', () => 'ran inline')");
  delete (globalThis as { __evalServer?: FastMCP }).__evalServer;
  assert.deepEqual(warnings, [
    "tool 'from_eval' runs inline instead of in the worker pool: its defining module cannot be imported (REPL or eval)",
  ]);
  const [body] = await readMessages(
    await server.fetch(modernRequest("tools/call", { name: "from_eval", arguments: {} })),
  );
  assert.deepEqual((body.result as Result).content, [{ type: "text", text: "ran inline" }]);
  await server.close();
});

Deno.test("without Worker, synchronous tools run inline, with one warning naming each", async () => {
  const saved = globalThis.Worker;
  const warnings: string[] = [];
  try {
    (globalThis as { Worker?: unknown }).Worker = undefined;
    const server = new FastMCP({
      name: "no-workers",
      logger: (level, message) => level === "warning" && warnings.push(message),
    });
    server.tool("plain", () => "inline anyway");
    const [body] = await readMessages(
      await server.fetch(modernRequest("tools/call", { name: "plain", arguments: {} })),
    );
    assert.deepEqual((body.result as Result).content, [{ type: "text", text: "inline anyway" }]);
    await server.close();
  } finally {
    globalThis.Worker = saved;
  }
  assert.deepEqual(warnings, [
    "tool 'plain' runs inline instead of in the worker pool: Worker is unavailable here",
  ]);
});

Deno.test("a tool its module defines only inside a function falls back to inline with one warning", async () => {
  const warnings: string[] = [];
  const server = new FastMCP({
    name: "factory-server",
    logger: (level, message) => level === "warning" && warnings.push(message),
  });
  server.tool("made_later", () => "inline after all");
  for (let i = 0; i < 2; i++) {
    const [body] = await readMessages(
      await server.fetch(modernRequest("tools/call", { name: "made_later", arguments: {} }, i)),
    );
    assert.deepEqual((body.result as Result).content, [{ type: "text", text: "inline after all" }]);
  }
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /tool 'made_later' runs inline instead of in the worker pool: .* does not define tool 'made_later'/,
  );
  await server.close();
});
