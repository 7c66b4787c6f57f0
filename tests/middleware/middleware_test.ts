/**
 * Middleware sees every message on both transports and both eras, in order: `initialize`,
 * notifications, lists, calls (inline, in the worker pool, and a task's own run), reads and
 * prompts; and it can answer by itself, rewrite arguments and rewrite results.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { FastMCP, McpError, type Middleware } from "../../mod.ts";
import {
  legacyRequest,
  modernMeta,
  modernNotification,
  modernRequest,
  openSession,
  readMessages,
} from "../helpers/http.ts";
import { StdioPeer } from "../helpers/stdio.ts";
import { overHttp, overStdio } from "./fixture.ts";
import { z } from "zod";

type Json = Record<string, unknown>;
const TASKS = { "io.modelcontextprotocol/tasks": {} };

/** One way of talking to a server. */
interface Driver {
  readonly era: "legacy" | "modern";
  request(method: string, params?: Json): Promise<Json>;
  notify(method: string, params?: Json): Promise<void>;
}

let nextId = 1;

function httpLegacy(fetch: (r: Request) => Response | Promise<Response>, sessionId: string): Driver {
  const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
  return {
    era: "legacy",
    async request(method, params = {}) {
      const res = await fetch(legacyRequest({ jsonrpc: "2.0", id: nextId++, method, params }, headers));
      return (await readMessages(res)).at(-1)!;
    },
    async notify(method, params = {}) {
      const res = await fetch(legacyRequest({ jsonrpc: "2.0", method, params }, headers));
      assert.equal(res.status, 202);
    },
  };
}

function httpModern(fetch: (r: Request) => Response | Promise<Response>): Driver {
  const meta = { "io.modelcontextprotocol/clientCapabilities": { extensions: TASKS } };
  return {
    era: "modern",
    async request(method, params = {}) {
      const res = await fetch(modernRequest(method, { ...params, _meta: meta }, nextId++));
      return (await readMessages(res)).at(-1)!;
    },
    async notify(method, params = {}) {
      const res = await fetch(modernNotification(method, params));
      assert.equal(res.status, 202);
    },
  };
}

function stdio(peer: StdioPeer, era: "legacy" | "modern"): Driver {
  const meta = era === "modern"
    ? { _meta: modernMeta({ "io.modelcontextprotocol/clientCapabilities": { extensions: TASKS } }) }
    : {};
  return {
    era,
    request: (method, params = {}) => peer.request(nextId++, method, { ...params, ...meta }),
    notify: (method, params = {}) => peer.send({ method, params: { ...params, ...meta } }),
  };
}

/** The hooks two recording middleware (A outside B) run for one message, in order. */
function hooks(method: string, specific?: string, type: "request" | "notification" = "request"): string[] {
  const general = type === "request" ? "onRequest" : "onNotification";
  return ["A", "B"].flatMap((m) => [
    `${m}.onMessage ${method}`,
    `${m}.${general} ${method}`,
    ...(specific ? [`${m}.${specific} ${method}`] : []),
  ]);
}

/** Drives one era through every kind of message; returns what the middleware must have seen. */
async function scenario(d: Driver): Promise<string[]> {
  const expected: string[] = [];
  const ok = (answer: Json) => {
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    return answer.result as Json;
  };
  const tools = ok(await d.request("tools/list")).tools as { name: string }[];
  assert.deepEqual(tools.map((t) => t.name), ["echo", "add", "report"]);
  expected.push(...hooks("tools/list", "onListTools"));
  assert.deepEqual(ok(await d.request("tools/call", { name: "echo", arguments: { text: "hi" } })).content, [
    { type: "text", text: "hi" },
  ]);
  expected.push(...hooks("tools/call", "onCallTool"));
  assert.deepEqual(ok(await d.request("tools/call", { name: "add", arguments: { a: 2, b: 3 } })).content, [
    { type: "text", text: "5" },
  ]);
  expected.push(...hooks("tools/call", "onCallTool"));
  const args = { name: "report", arguments: { city: "Oslo" } };
  const created = ok(await d.request("tools/call", d.era === "legacy" ? { ...args, task: {} } : args));
  expected.push(...hooks("tools/call", "onCallTool"));
  const taskId = ((created.task ?? created) as { taskId: string }).taskId;
  assert.match(taskId, /\S/);
  if (d.era === "legacy") {
    const result = ok(await d.request("tasks/result", { taskId }));
    assert.deepEqual(result.content, [{ type: "text", text: "report for Oslo" }]);
  } else {
    for (let i = 0; i < 200; i++) {
      const task = ok(await d.request("tasks/get", { taskId }));
      if (task.status === "completed") break;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  assert.deepEqual(
    (ok(await d.request("resources/read", { uri: "config://app" })).contents as Json[])[0].text,
    "theme=dark",
  );
  expected.push(...hooks("resources/read", "onReadResource"));
  const prompt = ok(await d.request("prompts/get", { name: "greet", arguments: { name: "Ann" } }));
  assert.deepEqual((prompt.messages as Json[])[0].content, { type: "text", text: "Hello, Ann!" });
  expected.push(...hooks("prompts/get", "onGetPrompt"));
  await d.notify("notifications/roots/list_changed");
  expected.push(...hooks("notifications/roots/list_changed", undefined, "notification"));
  return expected;
}

/** `seen` without the task polls (their count depends on timing) and the task's own run, which is checked apart. */
function steady(seen: string[]): string[] {
  return seen.filter((s) => !s.includes(" tasks/") && !s.endsWith(" task"));
}

async function settle(seen: string[], count: number): Promise<void> {
  for (let i = 0; i < 200 && seen.length < count; i++) await new Promise((r) => setTimeout(r, 5));
}

Deno.test("middleware sees every message over HTTP on both eras, initialize and the task run included", async () => {
  const { mcp, seen } = overHttp;
  seen.length = 0;
  const sessionId = await openSession(mcp.fetch);
  const expected = [
    ...hooks("initialize", "onInitialize"),
    ...hooks("notifications/initialized", undefined, "notification"),
    ...await scenario(httpLegacy(mcp.fetch, sessionId)),
  ];
  await settle(seen, expected.length);
  assert.deepEqual(steady(seen), expected);
  assert.deepEqual(seen.filter((s) => s.endsWith(" task")), hooks("tools/call task", "onCallTool"));

  // 2026-07-28 on the same server: no initialize, the same hooks for the rest.
  seen.length = 0;
  const modern = await scenario(httpModern(mcp.fetch));
  await settle(seen, modern.length);
  assert.deepEqual(steady(seen), modern);
  assert.deepEqual(seen.filter((s) => s.endsWith(" task")), hooks("tools/call task", "onCallTool"));
  await mcp.close();
});

Deno.test("middleware sees every message over stdio on both eras", async () => {
  const { mcp, seen } = overStdio;
  seen.length = 0;
  const peer = await StdioPeer.open(mcp);
  try {
    const init = await peer.handshake();
    assert.equal((init.result as Json).protocolVersion, "2025-11-25");
    const legacy = [
      ...hooks("initialize", "onInitialize"),
      ...hooks("notifications/initialized", undefined, "notification"),
      ...await scenario(stdio(peer, "legacy")),
    ];
    await settle(seen, legacy.length + 6);
    assert.deepEqual(steady(seen), legacy);
    assert.deepEqual(seen.filter((s) => s.endsWith(" task")), hooks("tools/call task", "onCallTool"));
    seen.length = 0;
    const modern = await scenario(stdio(peer, "modern"));
    await settle(seen, modern.length);
    assert.deepEqual(steady(seen), modern);
    assert.deepEqual(seen.filter((s) => s.endsWith(" task")), hooks("tools/call task", "onCallTool"));
  } finally {
    await peer.close();
  }
});

/** A small server of async tools with the given middleware, called through `fetch` on 2026-07-28. */
function withMiddleware(...middleware: Middleware[]) {
  const mcp = new FastMCP({ name: "mw-unit", logger: () => {}, middleware });
  mcp.tool("greet", { input: z.object({ name: z.string() }) }, async ({ name }) => `Hello, ${name}!`);
  const call = async (name: string, args: Json) =>
    (await readMessages(await mcp.fetch(modernRequest("tools/call", { name, arguments: args })))).at(-1)!;
  return { mcp, call };
}

Deno.test("a middleware can answer by itself, without the tool running", async () => {
  let ran = false;
  const { mcp, call } = withMiddleware({
    onCallTool: () => ({ content: [{ type: "text", text: "cached" }] }),
  }, {
    onCallTool: (c, next) => {
      ran = true;
      return next(c);
    },
  });
  const answer = await call("greet", { name: "Ann" });
  assert.deepEqual((answer.result as Json).content, [{ type: "text", text: "cached" }]);
  assert.equal(ran, false);
  await mcp.close();
});

Deno.test("a middleware can refuse with an McpError, which reaches the client as a JSON-RPC error", async () => {
  const { mcp, call } = withMiddleware({
    onCallTool: () => {
      throw new McpError(-32000, "rate limited");
    },
  });
  const answer = await call("greet", { name: "Ann" });
  assert.deepEqual(answer.error, { code: -32000, message: "rate limited" });
  await mcp.close();
});

Deno.test("a middleware can rewrite the arguments and the result", async () => {
  const { mcp, call } = withMiddleware({
    async onCallTool(context, next) {
      const args = context.params.arguments as Json;
      const result = await next({
        ...context,
        params: { ...context.params, arguments: { name: `${args.name}!` } },
      });
      const content = (result!.content as { text: string }[]).map((c) => ({
        ...c,
        text: c.text.toUpperCase(),
      }));
      return { ...result, content };
    },
  });
  const answer = await call("greet", { name: "Ann" });
  assert.deepEqual((answer.result as Json).content, [{ type: "text", text: "HELLO, ANN!!" }]);
  await mcp.close();
});

Deno.test("addMiddleware adds inside the ones given before, and a mounted child's middleware runs inside the parent's", async () => {
  const order: string[] = [];
  const mark = (name: string): Middleware => ({
    onCallTool: async (c, next) => {
      order.push(`${name}>${c.params.name}`);
      return await next(c);
    },
  });
  const child = new FastMCP({ name: "mw-child", logger: () => {}, middleware: [mark("child")] });
  child.tool("ping", async () => "pong");
  const parent = new FastMCP({ name: "mw-parent", logger: () => {}, middleware: [mark("outer")] });
  parent.addMiddleware(mark("inner"));
  parent.mount(child, { namespace: "c" });
  const answer = (await readMessages(await parent.fetch(modernRequest("tools/call", { name: "c_ping" })))).at(
    -1,
  )!;
  assert.deepEqual((answer.result as Json).content, [{ type: "text", text: "pong" }]);
  assert.deepEqual(order, ["outer>c_ping", "inner>c_ping", "child>ping"]);
  await parent.close();
});
