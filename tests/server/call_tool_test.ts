/**
 * `ctx.callTool`: a handler calls another tool as a client could, through the middleware, the
 * tool's auth checks for the same caller, and its validation.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP, type Middleware, ProtocolError, requireScopes, StaticTokenVerifier } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

Deno.test("ctx.callTool goes through middleware, validation and the caller's auth", async () => {
  const seen: string[] = [];
  const spy: Middleware = {
    onCallTool(context, next) {
      seen.push(String(context.params.name));
      return next(context);
    },
  };
  const mcp = new FastMCP({
    name: "nested",
    logLevel: "error",
    middleware: [spy],
    runInThread: false,
    auth: new StaticTokenVerifier({ tokens: { r: { subject: "r", scopes: ["read"] } } }),
  });
  mcp.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => {
    await Promise.resolve();
    return a + b;
  });
  mcp.tool("secret", { auth: requireScopes("admin") }, async () => {
    await Promise.resolve();
    return "classified";
  });
  mcp.tool(
    "relay",
    { input: z.object({ name: z.string(), args: z.record(z.string(), z.unknown()) }) },
    async (
      { name, args },
      ctx,
    ) => {
      try {
        const result = await ctx.callTool(name, args);
        return `${result.isError ? "tool error" : "ok"}: ${(result.content[0] as { text: string }).text}`;
      } catch (error) {
        assert.ok(error instanceof ProtocolError);
        return `refused: ${error.message}`;
      }
    },
  );
  const relay = async (name: string, args: Record<string, unknown>) => {
    const req = modernRequest("tools/call", { name: "relay", arguments: { name, args } }, 1, {
      authorization: "Bearer r",
    });
    const answer = await readAnswer(await mcp.fetch(req));
    return answer.result.content[0].text as string;
  };
  try {
    assert.equal(await relay("add", { a: 2, b: 3 }), "ok: 5");
    assert.deepEqual(seen, ["relay", "add"]);
    // Bad arguments are a tool error, as a client's call would get.
    assert.match(await relay("add", { a: "two" }), /^tool error: Invalid arguments for tool 'add'/);
    // The caller lacks "admin": the nested call is refused as the client's own would be.
    assert.equal(await relay("secret", {}), "refused: Tool 'secret' needs the scopes admin");
    assert.equal(await relay("nope", {}), "refused: Unknown tool: 'nope'");
  } finally {
    await mcp.close();
  }
});

Deno.test("ctx.readResource passes the middleware like a client's read", async () => {
  const reads: string[] = [];
  const spy: Middleware = {
    onReadResource(context, next) {
      reads.push(String(context.params.uri));
      return next(context);
    },
  };
  const mcp = new FastMCP({ name: "reads", logger: () => {}, middleware: [spy], runInThread: false });
  mcp.resource("config://app", async () => await Promise.resolve("theme=dark"));
  mcp.tool("show", async (_args, ctx) => {
    const [contents] = await ctx.readResource("config://app");
    return (contents as { text: string }).text;
  });
  try {
    const answer = await readAnswer(
      await mcp.fetch(modernRequest("tools/call", { name: "show", arguments: {} })),
    );
    assert.deepEqual(answer.result.content, [{ type: "text", text: "theme=dark" }]);
    assert.deepEqual(reads, ["config://app"]);
  } finally {
    await mcp.close();
  }
});
