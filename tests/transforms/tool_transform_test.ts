/**
 * `Tool.from`: a tool made from a tool. Arguments renamed, redescribed, defaulted, hidden (fixed
 * or computed), made required or retyped, with `$defs` hoisted; calls forwarded through the
 * parent's validation, or through a function that calls `forward()`; the parent's schema never
 * changed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP, Tool } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

function server() {
  const mcp = new FastMCP({ name: "transforms", logger: () => {}, runInThread: false });
  const search = mcp.tool("search", {
    description: "Search the archive",
    input: z.object({
      q: z.string().describe("query"),
      limit: z.number().int(),
      api_key: z.string(),
      mode: z.enum(["fast", "deep"]).optional(),
    }),
    tags: ["archive"],
  }, async ({ q, limit, api_key, mode }) => {
    await Promise.resolve();
    return `${q}|${limit}|${api_key}|${mode ?? "-"}`;
  });
  return { mcp, search };
}

async function call(mcp: FastMCP, name: string, args: Record<string, unknown>) {
  return (await readAnswer(await mcp.fetch(modernRequest("tools/call", { name, arguments: args })))).result;
}

async function listed(mcp: FastMCP, name: string) {
  const list = (await readAnswer(await mcp.fetch(modernRequest("tools/list")))).result.tools;
  return list.find((t: { name: string }) => t.name === name);
}

Deno.test("renamed, described, defaulted and hidden arguments; the parent's schema unchanged", async () => {
  const { mcp, search } = server();
  const before = structuredClone(search.listing);
  let keys = 0;
  mcp.addTool(Tool.from(search, {
    name: "find",
    description: "Find documents",
    args: {
      q: { name: "query", description: "What to look for" },
      limit: { default: 10 },
      api_key: { hide: true, defaultFactory: () => `key-${++keys}` },
    },
  }));
  try {
    const find = await listed(mcp, "find");
    assert.equal(find.description, "Find documents");
    assert.deepEqual(Object.keys(find.inputSchema.properties).sort(), ["limit", "mode", "query"]);
    assert.equal(find.inputSchema.properties.query.description, "What to look for");
    assert.equal(find.inputSchema.properties.limit.default, 10);
    assert.deepEqual(find.inputSchema.required, ["query"]);
    assert.equal(JSON.stringify(find).includes("api_key"), false, "a hidden argument is not shown");
    assert.deepEqual((await call(mcp, "find", { query: "cats" })).content, [{
      type: "text",
      text: "cats|10|key-1|-",
    }]);
    assert.deepEqual((await call(mcp, "find", { query: "dogs", limit: 3, mode: "deep" })).content, [
      { type: "text", text: "dogs|3|key-2|deep" },
    ]);
    // The new schema is checked first: a missing query is the new tool's error.
    const missing = await call(mcp, "find", {});
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /query/);
    // The parent is as it was.
    assert.deepEqual(search.listing, before);
    assert.deepEqual((await listed(mcp, "search")).inputSchema, before.inputSchema);
  } finally {
    await mcp.close();
  }
});

Deno.test("a custom function with forward(), required and retyped arguments, and hoisted $defs", async () => {
  const { mcp, search } = server();
  mcp.addTool(Tool.from(search, {
    name: "fancy_search",
    args: {
      api_key: { hide: true, default: "fixed" },
      mode: {
        required: true,
        type: { $ref: "#/$defs/Mode", $defs: { Mode: { type: "string", enum: ["fast", "deep"] } } },
      },
    },
    fn: async (args, _ctx, forward) =>
      `wrapped(${await forward({ ...args, limit: Number(args.limit) * 2 })})`,
  }));
  try {
    const tool = await listed(mcp, "fancy_search");
    assert.deepEqual(tool.inputSchema.$defs, { Mode: { type: "string", enum: ["fast", "deep"] } });
    assert.equal(tool.inputSchema.properties.mode.$ref, "#/$defs/Mode");
    assert.deepEqual([...tool.inputSchema.required].sort(), ["limit", "mode", "q"]);
    assert.deepEqual((await call(mcp, "fancy_search", { q: "x", limit: 2, mode: "fast" })).content, [
      { type: "text", text: "wrapped(x|4|fixed|fast)" },
    ]);
    assert.equal((await call(mcp, "fancy_search", { q: "x", limit: 2, mode: "slow" })).isError, true);
  } finally {
    await mcp.close();
  }
});

Deno.test("transforms that cannot hold are refused at definition, naming the problem", () => {
  const { search } = server();
  assert.throws(
    () => Tool.from(search, { args: { nope: { name: "x" } } }),
    /the parent has no argument 'nope'/,
  );
  assert.throws(
    () => Tool.from(search, { args: { api_key: { hide: true } } }),
    /hiding the required 'api_key'/,
  );
  assert.throws(
    () => Tool.from(search, { args: { limit: { defaultFactory: () => 1 } } }),
    /defaultFactory, which needs hide: true/,
  );
  assert.throws(
    () => Tool.from(search, { args: { q: { name: "limit" } } }),
    /two arguments would be named 'limit'/,
  );
  assert.throws(() =>
    Tool.from(search, {
      args: {
        q: { type: { $ref: "#/$defs/T", $defs: { T: { type: "string" } } } },
        mode: { type: { $ref: "#/$defs/T", $defs: { T: { type: "number" } } } },
      },
    }), /'\$defs\/T' of 'mode' differs/);
});
