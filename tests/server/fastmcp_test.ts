import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP, McpError, ToolError } from "../../mod.ts";
import { ENDPOINT, legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";
import { eventually } from "../helpers/wait.ts";

async function call(
  mcp: FastMCP,
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
) {
  const [body] = await readMessages(await mcp.fetch(modernRequest(method, { ...params, _meta: meta })));
  return body as {
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: unknown };
  };
}

function quiet(options: Partial<ConstructorParameters<typeof FastMCP>[0]> = {}): FastMCP {
  // Protocol behaviour is tested here; tests/workers covers the pool.
  return new FastMCP({ name: "unit", logLevel: "emergency", runInThread: false, ...options });
}

Deno.test("lists paginate with listPageSize and an opaque cursor", async () => {
  const mcp = quiet({ listPageSize: 2 });
  for (const n of ["a", "b", "c"]) mcp.tool(n, { description: n }, () => n);
  const first = await call(mcp, "tools/list");
  assert.deepEqual((first.result!.tools as { name: string }[]).map((t) => t.name), ["a", "b"]);
  const second = await call(mcp, "tools/list", { cursor: first.result!.nextCursor });
  assert.deepEqual((second.result!.tools as { name: string }[]).map((t) => t.name), ["c"]);
  assert.equal(second.result!.nextCursor, undefined);
  assert.equal(second.result!.ttlMs, 0);
  assert.equal(second.result!.cacheScope, "private");
});

Deno.test("disabled, removed and tag-filtered tools are neither listed nor callable", async () => {
  const mcp = quiet({ excludeTags: ["internal"] });
  const hidden = mcp.tool("hidden", { description: "x" }, () => "x");
  mcp.tool("secret", { description: "x", tags: ["internal"] }, () => "x");
  const gone = mcp.tool("gone", { description: "x" }, () => "x");
  mcp.tool("shown", { description: "x" }, () => "x");
  hidden.disable();
  gone.remove();
  const list = await call(mcp, "tools/list");
  assert.deepEqual((list.result!.tools as { name: string }[]).map((t) => t.name), ["shown"]);
  for (const name of ["hidden", "secret", "gone"]) {
    assert.equal((await call(mcp, "tools/call", { name })).error?.code, -32602);
  }
  hidden.enable();
  assert.equal((await call(mcp, "tools/call", { name: "hidden" })).result?.isError, undefined);
});

Deno.test("onDuplicate decides between error, replace, ignore and the default warn", () => {
  const strict = quiet({ onDuplicate: "error" });
  strict.tool("t", () => 1);
  assert.throws(() => strict.tool("t", () => 2), /tool 't' is already defined/);
  const keep = quiet({ onDuplicate: "ignore" });
  const first = keep.tool("t", () => 1);
  assert.equal(keep.tool("t", () => 2), first);
  const replace = quiet({ onDuplicate: "replace" });
  replace.tool("t", () => 1);
  const second = replace.tool("t", () => 2);
  assert.equal(replace.tools.get("t"), second);
  const warnings: string[] = [];
  const warn = new FastMCP({
    name: "dup-warn",
    logger: (level, message) => level === "warning" && warnings.push(message),
  });
  warn.tool("t", { runInThread: false }, () => 1);
  const later = warn.tool("t", { runInThread: false }, () => 2);
  assert.equal(warn.tools.get("t"), later);
  assert.deepEqual(warnings, ["tool 't' is defined twice; the later definition replaces it"]);
});

Deno.test("invalid names and non-object input schemas are refused at definition time", () => {
  const mcp = quiet();
  assert.throws(() => mcp.tool("has space", () => 1), /must be 1-128 characters/);
  assert.throws(() => mcp.tool("t", { input: z.string() }, () => 1), /must describe an object/);
  assert.throws(() => mcp.resource("no-scheme", () => "x"), /has no scheme/);
  const mirrored = (props: Record<string, unknown>) => ({ type: "object", properties: props });
  assert.throws(
    () => mcp.tool("h1", { input: mirrored({ a: { type: "string", "x-mcp-header": "bad name" } }) }, () => 1),
    /x-mcp-header on a must be an HTTP token/,
  );
  assert.throws(
    () => mcp.tool("h2", { input: mirrored({ a: { type: "object", "x-mcp-header": "A" } }) }, () => 1),
    /needs a string, integer or boolean/,
  );
  assert.throws(
    () =>
      mcp.tool("h3", {
        input: mirrored({
          a: { type: "string", "x-mcp-header": "Region" },
          b: { type: "string", "x-mcp-header": "region" },
        }),
      }, () => 1),
    /repeats 'region'/,
  );
});

Deno.test("unexpected errors are masked with maskErrorDetails; ToolError never is", async () => {
  const mcp = quiet({ maskErrorDetails: true });
  mcp.tool("boom", { description: "x" }, () => {
    throw new Error("db password is hunter2");
  });
  mcp.tool("nope", { description: "x" }, () => {
    throw new ToolError("city not found");
  });
  mcp.tool("proto", { description: "x" }, () => {
    throw new McpError(-32602, "bad thing", { data: { why: 1 } });
  });
  const boom = await call(mcp, "tools/call", { name: "boom" });
  assert.deepEqual(boom.result!.content, [{ type: "text", text: "Error calling tool 'boom'" }]);
  assert.equal(boom.result!.isError, true);
  assert.deepEqual((await call(mcp, "tools/call", { name: "nope" })).result!.content, [{
    type: "text",
    text: "city not found",
  }]);
  assert.deepEqual((await call(mcp, "tools/call", { name: "proto" })).error, {
    code: -32602,
    message: "bad thing",
    data: { why: 1 },
  });
});

Deno.test("output schemas are advertised, enforced, and wrap non-object results", async () => {
  const mcp = quiet();
  mcp.tool("point", { description: "x", output: z.object({ x: z.number() }) }, () => ({ x: 1 }));
  mcp.tool("bad", { description: "x", output: z.object({ x: z.number() }) }, () => ({ x: "one" }));
  mcp.tool("count", { description: "x", output: z.number() }, () => 3);
  const list = await call(mcp, "tools/list");
  const count = (list.result!.tools as { name: string; outputSchema: unknown }[]).find((t) =>
    t.name === "count"
  )!;
  assert.deepEqual(count.outputSchema, {
    type: "object",
    properties: { result: { type: "number" } },
    required: ["result"],
    "x-fastmcp-wrap-result": true,
  });
  assert.deepEqual((await call(mcp, "tools/call", { name: "point" })).result!.structuredContent, { x: 1 });
  assert.deepEqual((await call(mcp, "tools/call", { name: "count" })).result!.structuredContent, {
    result: 3,
  });
  const bad = await call(mcp, "tools/call", { name: "bad" });
  assert.equal(bad.error!.code, -32603);
  assert.match(bad.error!.message, /does not match its output schema/);
});

Deno.test("a tool timeout answers an error result naming the limit and aborts ctx.signal", async () => {
  const mcp = quiet();
  let abortedWith: unknown;
  mcp.tool("slow", { description: "x", timeoutMs: 20 }, (_a, ctx) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve("late"), 5_000);
      ctx.signal.addEventListener("abort", () => {
        abortedWith = ctx.signal.reason;
        clearTimeout(timer);
        resolve("stopped");
      });
    }));
  const res = await call(mcp, "tools/call", { name: "slow" });
  assert.deepEqual(res.result!.content, [{ type: "text", text: "Tool 'slow' timed out after 20 ms" }]);
  assert.match(String(abortedWith), /timed out after 20 ms/);
});

Deno.test("completions for prompt arguments and template variables", async () => {
  const mcp = quiet();
  mcp.prompt("p", {
    description: "x",
    args: z.object({ lang: z.string() }),
    complete: { lang: (v) => ["deno", "dart", "go"].filter((s) => s.startsWith(v)) },
  }, () => "x");
  mcp.resource(
    "repo://{owner}/{name}",
    { complete: { name: (v, c) => [`${c.arguments.owner}-${v}x`] } },
    () => "x",
  );
  const p = await call(mcp, "completion/complete", {
    ref: { type: "ref/prompt", name: "p" },
    argument: { name: "lang", value: "d" },
  });
  assert.deepEqual(p.result!.completion, { values: ["deno", "dart"], total: 2, hasMore: false });
  const t = await call(mcp, "completion/complete", {
    ref: { type: "ref/resource", uri: "repo://{owner}/{name}" },
    argument: { name: "name", value: "a" },
    context: { arguments: { owner: "me" } },
  });
  assert.deepEqual((t.result!.completion as { values: string[] }).values, ["me-ax"]);
});

Deno.test("templates keep their metadata on materialised contents; missing resources are -32602 with data.uri", async () => {
  const mcp = quiet();
  mcp.resource(
    "users://{id}",
    { mimeType: "application/json", meta: { owner: "team" } },
    ({ id }) => ({ id }),
  );
  const read = await call(mcp, "resources/read", { uri: "users://7" });
  assert.deepEqual(read.result!.contents, [{
    uri: "users://7",
    mimeType: "application/json",
    text: '{"id":"7"}',
    _meta: { owner: "team" },
  }]);
  const missing = await call(mcp, "resources/read", { uri: "nothing://here" });
  assert.deepEqual(missing.error, {
    code: -32602,
    message: "Resource not found",
    data: { uri: "nothing://here" },
  });
});

Deno.test("ctx.elicit on 2026 becomes input-required rounds and the handler resumes with the answer", async () => {
  const mcp = quiet();
  let runs = 0;
  mcp.tool("ask", { description: "x" }, async (_a, ctx) => {
    runs++;
    const first = await ctx.elicit("Name?", z.object({ name: z.string() }));
    const second = await ctx.elicit("Age?", z.object({ age: z.number() }));
    return first.action === "accept" && second.action === "accept"
      ? `${first.data.name} is ${second.data.age}`
      : "declined";
  });
  const caps = { "io.modelcontextprotocol/clientCapabilities": { elicitation: {} } };
  const r1 = (await call(mcp, "tools/call", { name: "ask" }, caps)).result!;
  assert.equal(r1.resultType, "input_required");
  const [k1] = Object.keys(r1.inputRequests as object);
  const r2 = (await call(mcp, "tools/call", {
    name: "ask",
    inputResponses: { [k1]: { action: "accept", content: { name: "Ada" } } },
    requestState: r1.requestState,
  }, caps)).result!;
  assert.equal(r2.resultType, "input_required");
  const [k2] = Object.keys(r2.inputRequests as object);
  assert.notEqual(k1, k2);
  const r3 = (await call(mcp, "tools/call", {
    name: "ask",
    inputResponses: { [k2]: { action: "accept", content: { age: 36 } } },
    requestState: r2.requestState,
  }, caps)).result!;
  assert.deepEqual(r3.content, [{ type: "text", text: "Ada is 36" }]);
  assert.equal(runs, 3);
  const none = await call(mcp, "tools/call", { name: "ask" });
  assert.deepEqual(none.error?.data, { requiredCapabilities: { elicitation: {} } });
});

Deno.test("state kept with ctx.setState lives as long as the request on the stateless wire", async () => {
  const mcp = quiet();
  mcp.tool("count", { description: "x" }, async (_a, ctx) => {
    await ctx.setState("n", ((await ctx.getState<number>("n")) ?? 0) + 1);
    return String(await ctx.getState("n"));
  });
  assert.deepEqual((await call(mcp, "tools/call", { name: "count" })).result!.content, [{
    type: "text",
    text: "1",
  }]);
  assert.deepEqual((await call(mcp, "tools/call", { name: "count" })).result!.content, [{
    type: "text",
    text: "1",
  }]);
});

Deno.test("on a 2025 session a timed-out tool still answers (a timeout is not a cancellation)", async () => {
  const mcp = quiet();
  mcp.tool(
    "slow",
    { description: "x", timeoutMs: 20 },
    (_a, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve("stopped"))),
  );
  const sid = await openSession(mcp.fetch);
  const res = await mcp.fetch(legacyRequest(
    { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "slow", arguments: {} } },
    { "mcp-session-id": sid },
  ));
  assert.equal(res.status, 200);
  const [body] = await readMessages(res);
  assert.deepEqual((body.result as { content: unknown }).content, [{
    type: "text",
    text: "Tool 'slow' timed out after 20 ms",
  }]);
  await mcp.close();
});

Deno.test("session state lives in the store for the session, expires with its TTL, and goes with the session", async () => {
  const mcp = quiet();
  mcp.tool("count", { description: "x" }, async (_a, ctx) => {
    const n = ((await ctx.getState<number>("n")) ?? 0) + 1;
    await ctx.setState("n", n);
    await ctx.setState("brief", "gone soon", { ttlMs: 20 });
    return String(n);
  });
  mcp.tool("brief", { description: "x" }, async (_a, ctx) => String(await ctx.getState("brief")));
  const sid = await openSession(mcp.fetch);
  const callTool = async (name: string, id: number) => {
    const res = await mcp.fetch(
      legacyRequest({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } }, {
        "mcp-session-id": sid,
      }),
    );
    return ((await readMessages(res))[0].result as { content: { text: string }[] }).content[0].text;
  };
  assert.equal(await callTool("count", 1), "1");
  assert.equal(await callTool("count", 2), "2");
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(await callTool("brief", 3), "undefined");
  const ended = await mcp.fetch(
    new Request(ENDPOINT, {
      method: "DELETE",
      headers: { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
    }),
  );
  assert.equal(ended.status, 200);
  // The session's state is deleted with it: a new session starts from nothing, and nothing is left in the store.
  const next = await openSession(mcp.fetch);
  const res = await mcp.fetch(
    legacyRequest({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "count", arguments: {} } }, {
      "mcp-session-id": next,
    }),
  );
  assert.equal(((await readMessages(res))[0].result as { content: { text: string }[] }).content[0].text, "1");
  await eventually(async () => {
    const left: string[] = [];
    for await (const { key } of mcp.store.list(["state", sid])) left.push(key.join("/"));
    return left.length === 0;
  }, { message: "the ended session's state is still in the store" });
  await mcp.close();
});
