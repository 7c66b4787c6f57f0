import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

Deno.test("a plain schema whose $ref points at its own root (a tree) compiles and validates", async () => {
  const mcp = new FastMCP({ name: "tree", logger: () => {}, runInThread: false });
  const tree = {
    type: "object",
    properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#" } } },
    required: ["name"],
  };
  mcp.tool("count", { input: tree }, async (args) => {
    await Promise.resolve();
    const count = (node: { children?: unknown[] }): number =>
      1 + (node.children ?? []).reduce((n: number, c) => n + count(c as { children?: unknown[] }), 0);
    return count(args as { children?: unknown[] });
  });
  try {
    const call = async (args: unknown) =>
      (await readAnswer(await mcp.fetch(modernRequest("tools/call", { name: "count", arguments: args }))))
        .result;
    assert.deepEqual(
      (await call({ name: "a", children: [{ name: "b", children: [{ name: "c" }] }] })).content,
      [
        { type: "text", text: "3" },
      ],
    );
    // A child without a name fails the root's `required`, two levels down.
    const bad = await call({ name: "a", children: [{ children: [] }] });
    assert.equal(bad.isError, true);
  } finally {
    await mcp.close();
  }
});
