/**
 * Custom routes beside the MCP endpoint: served with their methods (others 405 with Allow),
 * collected from mounted servers (the parent first), guarded like the endpoint, and never in the
 * way of MCP requests.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { modernRequest, rawHttp, readMessages } from "../helpers/http.ts";

const quiet = { logger: () => {} };
const at = (path: string, init?: RequestInit) => new Request(`http://127.0.0.1:8000${path}`, init);

function server(): FastMCP {
  const child = new FastMCP({ name: "routes-child", ...quiet });
  child.customRoute("/child/ping", { methods: ["GET"] }, () => new Response("child pong"));
  child.customRoute("/health", { methods: ["GET"] }, () => new Response("the child's health"));
  const mcp = new FastMCP({ name: "routes", ...quiet });
  mcp.tool("add", async () => "42");
  mcp.customRoute("/health", { methods: ["GET"] }, () => Response.json({ ok: true }));
  mcp.customRoute("/hooks/:name", { methods: ["POST"] }, async (req) => {
    const name = new URLPattern({ pathname: "/hooks/:name" }).exec(req.url)!.pathname.groups.name;
    return Response.json({ name, body: await req.text() });
  });
  mcp.customRoute("/broken", {}, () => {
    throw new Error("boom");
  });
  mcp.mount(child, { namespace: "child" });
  return mcp;
}

Deno.test("GET /health answers beside an unchanged MCP endpoint", async () => {
  const mcp = server();
  const health = await mcp.fetch(at("/health"));
  assert.deepEqual(
    [health.status, await health.json()],
    [200, { ok: true }],
    "the parent's route wins a collision",
  );
  const answer = (await readMessages(await mcp.fetch(modernRequest("tools/call", { name: "add" })))).at(-1)!;
  assert.deepEqual((answer.result as { content: unknown }).content, [{ type: "text", text: "42" }]);
  await mcp.close();
});

Deno.test("a route's other methods are 405 with Allow; unknown paths 404; a mounted child's route is served", async () => {
  const mcp = server();
  const post = await mcp.fetch(at("/health", { method: "POST" }));
  assert.deepEqual([post.status, post.headers.get("allow")], [405, "GET"]);
  await post.body?.cancel();
  const missing = await mcp.fetch(at("/nowhere"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const child = await mcp.fetch(at("/child/ping"));
  assert.deepEqual([child.status, await child.text()], [200, "child pong"]);
  const hook = await mcp.fetch(at("/hooks/github", { method: "POST", body: "x" }));
  assert.deepEqual(await hook.json(), { name: "github", body: "x" });
  await mcp.close();
});

Deno.test("a route that throws is a 500 and the server goes on", async () => {
  const errors: string[] = [];
  const mcp = new FastMCP({
    name: "routes-broken",
    logger: (level, message) => level === "error" && errors.push(message),
  });
  mcp.customRoute("/broken", {}, () => {
    throw new Error("boom");
  });
  mcp.customRoute("/async-broken", {}, () => Promise.reject(new Error("later boom")));
  const res = await mcp.fetch(at("/broken"));
  assert.equal(res.status, 500);
  await res.body?.cancel();
  const later = await mcp.fetch(at("/async-broken"));
  assert.equal(later.status, 500);
  await later.body?.cancel();
  assert.deepEqual(errors, ["route GET /broken failed: boom", "route GET /async-broken failed: later boom"]);
  await mcp.close();
});

Deno.test("routes are checked like the endpoint: a foreign Host is refused on a loopback bind", async () => {
  const mcp = server();
  const handle = mcp.serve({ port: 0, onListen: () => {} });
  const port = (handle.addr as Deno.NetAddr).port;
  const ok = await rawHttp(port, "GET", "/health", { host: `127.0.0.1:${port}` });
  assert.equal(ok.status, 200);
  const foreign = await rawHttp(port, "GET", "/health", { host: "evil.example" });
  assert.equal(foreign.status, 403);
  await mcp.close();
  await handle.finished;
});

Deno.test("a route cannot take the MCP endpoint's path, and needs a leading slash", () => {
  const mcp = new FastMCP({ name: "routes-bad", ...quiet });
  assert.throws(() => mcp.customRoute("/mcp", {}, () => new Response()), /is the MCP endpoint/);
  assert.throws(() => mcp.customRoute("health", {}, () => new Response()), /must start with '\/'/);
});
