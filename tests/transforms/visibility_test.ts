/**
 * Visibility (server rules and the session's own), namespaces and component versions, seen as
 * a client sees them: through listings and calls on the wire.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { FastMCP, Namespace } from "../../mod.ts";
import { eventStream, legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";

type Json = Record<string, unknown>;

async function modern(mcp: FastMCP, method: string, params: Json = {}): Promise<Json> {
  return (await readMessages(await mcp.fetch(modernRequest(method, params)))).at(-1)!;
}

async function toolNames(mcp: FastMCP): Promise<string[]> {
  return ((await modern(mcp, "tools/list")).result as { tools: { name: string }[] }).tools.map((t) => t.name);
}

async function callText(mcp: FastMCP, name: string, args: Json = {}, meta?: Json): Promise<string> {
  const answer = await modern(mcp, "tools/call", { name, arguments: args, ...(meta ? { _meta: meta } : {}) });
  if (answer.error) return `error: ${(answer.error as { message: string }).message}`;
  return ((answer.result as Json).content as { text: string }[])[0].text;
}

function server(): FastMCP {
  const mcp = new FastMCP({ name: "vis", logger: () => {} });
  mcp.tool("search", { tags: ["public"] }, async () => "found");
  mcp.tool("drop_table", { tags: ["admin"] }, async () => "dropped");
  mcp.tool("status", async () => "ok");
  return mcp;
}

Deno.test("disable hides by tag, name or key; a later enable shows again (the last matching rule wins)", async () => {
  const mcp = server();
  mcp.disable({ tags: ["admin"] });
  assert.deepEqual(await toolNames(mcp), ["search", "status"]);
  assert.match(await callText(mcp, "drop_table"), /Unknown tool: 'drop_table'/);
  mcp.enable({ names: ["drop_table"] });
  assert.deepEqual(await toolNames(mcp), ["search", "drop_table", "status"]);
  mcp.disable({ keys: ["tool:status@"] });
  assert.deepEqual(await toolNames(mcp), ["search", "drop_table"]);
  await mcp.close();
});

Deno.test("enable with only is an allowlist, and a filter limited to components leaves the others alone", async () => {
  const mcp = server();
  mcp.prompt("hello", async () => "hi");
  mcp.enable({ tags: ["public"], only: true });
  assert.deepEqual(await toolNames(mcp), ["search"]);
  const prompts = (await modern(mcp, "prompts/list")).result as { prompts: unknown[] };
  assert.deepEqual(prompts.prompts, [], "only hides every kind that does not match");
  mcp.enable({ components: ["prompt"], names: ["hello"] });
  assert.equal(((await modern(mcp, "prompts/list")).result as { prompts: unknown[] }).prompts.length, 1);
  assert.deepEqual(await toolNames(mcp), ["search"]);
  await mcp.close();
});

Deno.test("includeTags and excludeTags are the first rules", async () => {
  const mcp = new FastMCP({
    name: "tags",
    logger: () => {},
    includeTags: ["public", "admin"],
    excludeTags: ["admin"],
  });
  mcp.tool("search", { tags: ["public"] }, async () => "found");
  mcp.tool("drop_table", { tags: ["admin"] }, async () => "dropped");
  mcp.tool("untagged", async () => "x");
  assert.deepEqual(await toolNames(mcp), ["search"]);
  mcp.enable({ names: ["untagged"] });
  assert.deepEqual(await toolNames(mcp), ["search", "untagged"]);
  await mcp.close();
});

Deno.test("a rule change sends list_changed to connected 2025 sessions", async () => {
  const mcp = server();
  const sessionId = await openSession(mcp.fetch);
  const stream = await eventStream(mcp.fetch, sessionId);
  mcp.disable({ tags: ["admin"] });
  await stream.waitFor("notifications/tools/list_changed");
  await stream.close();
  await mcp.close();
});

Deno.test("a namespace transform renames tools, prompts and URIs, and lookups take the namespaced names only", async () => {
  const mcp = new FastMCP({ name: "ns", logger: () => {} });
  mcp.tool("search", async () => "found");
  mcp.prompt("hello", async () => "hi");
  mcp.resource("docs://intro", () => "welcome");
  mcp.resource("docs://{page}/raw", ({ page }) => `raw ${page}`);
  mcp.addTransform(new Namespace("kb"));
  assert.deepEqual(await toolNames(mcp), ["kb_search"]);
  assert.equal(await callText(mcp, "kb_search"), "found");
  assert.match(await callText(mcp, "search"), /Unknown tool: 'search'/);
  const prompts = (await modern(mcp, "prompts/list")).result as { prompts: { name: string }[] };
  assert.deepEqual(prompts.prompts.map((p) => p.name), ["kb_hello"]);
  const resources = (await modern(mcp, "resources/list")).result as { resources: { uri: string }[] };
  assert.deepEqual(resources.resources.map((r) => r.uri), ["docs://kb/intro"]);
  const templates = (await modern(mcp, "resources/templates/list")).result as {
    resourceTemplates: { uriTemplate: string }[];
  };
  assert.deepEqual(templates.resourceTemplates.map((t) => t.uriTemplate), ["docs://kb/{page}/raw"]);
  const read = await modern(mcp, "resources/read", { uri: "docs://kb/intro" });
  assert.equal(((read.result as Json).contents as Json[])[0].text, "welcome");
  const raw = await modern(mcp, "resources/read", { uri: "docs://kb/guide/raw" });
  assert.equal(((raw.result as Json).contents as Json[])[0].text, "raw guide");
  const plain = await modern(mcp, "resources/read", { uri: "docs://intro" });
  assert.equal((plain.error as { code: number }).code, -32602);
  await mcp.close();
});

Deno.test("versions: listings show the highest, a client may ask for another, and disabling the highest falls back", async () => {
  const mcp = new FastMCP({ name: "versions", logger: () => {} });
  mcp.tool("convert", { version: "1.0" }, async () => "v1");
  mcp.tool("convert", { version: "2.0" }, async () => "v2");
  mcp.tool("convert", { version: "10" }, async () => "v10");
  const listed = (await modern(mcp, "tools/list")).result as { tools: { name: string; _meta?: Json }[] };
  assert.equal(listed.tools.length, 1);
  assert.deepEqual(listed.tools[0]._meta, { fastmcp: { version: "10", versions: ["10", "2.0", "1.0"] } });
  assert.equal(await callText(mcp, "convert"), "v10");
  assert.equal(await callText(mcp, "convert", {}, { fastmcp: { version: "2" } }), "v2", "2 = 2.0");
  assert.equal(await callText(mcp, "convert", {}, { fastmcp: { version: { gte: "1", lt: "2" } } }), "v1");
  assert.match(await callText(mcp, "convert", {}, { fastmcp: { version: "3" } }), /Unknown tool/);
  mcp.disable({ names: ["convert"], version: { eq: "10" } });
  assert.equal(await callText(mcp, "convert"), "v2", "falls back to the next version");
  const after = (await modern(mcp, "tools/list")).result as { tools: { _meta?: Json }[] };
  assert.deepEqual(after.tools[0]._meta, { fastmcp: { version: "2.0", versions: ["2.0", "1.0"] } });
  assert.match(
    await callText(mcp, "convert", {}, { fastmcp: { version: "10" } }),
    /Unknown tool/,
    "an exact version that is hidden does not fall back",
  );
  await mcp.close();
});

Deno.test("one name cannot mix versioned and unversioned definitions", () => {
  const mcp = new FastMCP({ name: "mix", logger: () => {} });
  mcp.tool("convert", { version: "1" }, async () => "v1");
  assert.throws(
    () => mcp.tool("convert", async () => "plain"),
    /give every definition of one name a version, or none/,
  );
  assert.throws(() => mcp.tool("bad", { version: "1@2" }, async () => "x"), /without '@'/);
});

/** A 2025 session over `fetch`, with its GET stream read into `notices`. */
async function session(mcp: FastMCP) {
  const sessionId = await openSession(mcp.fetch);
  const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
  const stream = await eventStream(mcp.fetch, sessionId);
  const notices = () => stream.text().match(/notifications\/\w+\/list_changed/g) ?? [];
  let id = 100;
  const request = async (method: string, params: Json = {}) =>
    (await readMessages(
      await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: id++, method, params }, headers)),
    ))
      .at(-1)!;
  const names = async () =>
    ((await request("tools/list")).result as { tools: { name: string }[] }).tools.map((t) => t.name);
  return {
    request,
    names,
    notices,
    close: () => stream.close(),
  };
}

Deno.test("per-session visibility: one session's view changes, with list_changed to that session only", async () => {
  const mcp = new FastMCP({ name: "per-session", logger: () => {} });
  mcp.tool("drop_table", { tags: ["admin"], enabled: false }, async () => "dropped");
  mcp.tool("unlock", async (_args, ctx) => {
    await ctx.enableComponents({ tags: ["admin"] });
    return "unlocked";
  });
  mcp.tool("focus", async (_args, ctx) => {
    await ctx.disableComponents({ names: ["unlock"] });
    return "focused";
  });
  mcp.tool("reset", async (_args, ctx) => {
    await ctx.resetVisibility();
    return "reset";
  });
  const a = await session(mcp);
  const b = await session(mcp);
  assert.deepEqual(await a.names(), ["unlock", "focus", "reset"]);
  await a.request("tools/call", { name: "unlock", arguments: {} });
  assert.deepEqual(await a.names(), ["drop_table", "unlock", "focus", "reset"]);
  assert.deepEqual(await b.names(), ["unlock", "focus", "reset"], "the other session sees no change");
  const dropped = await a.request("tools/call", { name: "drop_table", arguments: {} });
  assert.deepEqual((dropped.result as Json).content, [{ type: "text", text: "dropped" }]);
  const refused = await b.request("tools/call", { name: "drop_table", arguments: {} });
  assert.match((refused.error as { message: string }).message, /Unknown tool/);
  await a.request("tools/call", { name: "focus", arguments: {} });
  assert.deepEqual(await a.names(), ["drop_table", "focus", "reset"]);
  await new Promise((r) => setTimeout(r, 20));
  // A rule that names no component type may change every list, so each kind's list_changed goes out (as FastMCP does).
  const kinds = ["tools", "resources", "prompts"].map((k) => `notifications/${k}/list_changed`);
  assert.deepEqual(a.notices(), [...kinds, ...kinds]);
  assert.deepEqual(b.notices(), [], "list_changed went to the session that changed its view only");
  await a.request("tools/call", { name: "reset", arguments: {} });
  assert.deepEqual(await a.names(), ["unlock", "focus", "reset"]);
  const stateless = await modern(mcp, "tools/call", { name: "unlock", arguments: {} });
  assert.match(((stateless.result as Json).content as { text: string }[])[0].text, /needs a session/);
  await a.close();
  await b.close();
  await mcp.close();
});

Deno.test("a provider's own transforms and namespace apply to it alone", async () => {
  const other = new FastMCP({ name: "other", logger: () => {} });
  other.tool("lookup", async () => "looked up");
  other.tool("secret", async () => "hidden");
  const mcp = new FastMCP({ name: "host", logger: () => {} });
  mcp.tool("local", async () => "mine");
  mcp.addProvider({
    listTools: () => [...other.tools.values()],
    getTool: (name) => other.tools.get(name),
    listResources: () => [],
    getResource: () => undefined,
    listResourceTemplates: () => [],
    getResourceTemplate: () => undefined,
    listPrompts: () => [],
    getPrompt: () => undefined,
  }, {
    namespace: "ext",
    transforms: [{
      listTools: (tools) => tools.filter((t) => t.name !== "secret"),
      getTool: (name, version, next) => name === "secret" ? undefined : next(name, version),
    }],
  });
  assert.deepEqual(await toolNames(mcp), ["local", "ext_lookup"]);
  assert.equal(await callText(mcp, "ext_lookup"), "looked up");
  assert.match(await callText(mcp, "ext_secret"), /Unknown tool/);
  await mcp.close();
  await other.close();
});

Deno.test("providerErrorStrategy: warn skips a failing provider, raise fails the listing", async () => {
  const failing = {
    listTools: () => {
      throw new Error("backend down");
    },
    getTool: () => Promise.reject(new Error("backend down")),
    listResources: () => [],
    getResource: () => undefined,
    listResourceTemplates: () => [],
    getResourceTemplate: () => undefined,
    listPrompts: () => [],
    getPrompt: () => undefined,
  };
  const warnings: string[] = [];
  const warn = new FastMCP({ name: "warn", logger: (_level, message) => warnings.push(message) });
  warn.tool("local", async () => "mine");
  warn.addProvider(failing);
  assert.deepEqual(await toolNames(warn), ["local"]);
  assert.equal(await callText(warn, "local"), "mine");
  assert.ok(
    warnings.some((w) => /a provider failed in listTools: backend down/.test(w)),
    warnings.join("\n"),
  );
  const raise = new FastMCP({ name: "raise", logger: () => {}, providerErrorStrategy: "raise" });
  raise.tool("local", async () => "mine");
  raise.addProvider(failing);
  const answer = await modern(raise, "tools/list");
  assert.equal((answer.error as { code: number }).code, -32603);
  await warn.close();
  await raise.close();
});
