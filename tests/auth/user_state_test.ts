/**
 * `ctx.userState`: keyed by the authenticated principal, so it follows the user across sessions
 * and the stateless wire, one user never sees another's, and anonymous callers are told why.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP, StaticTokenVerifier } from "../../mod.ts";
import { modernRequest, readMessages } from "../helpers/http.ts";

function server(auth = true): FastMCP {
  const mcp = new FastMCP({
    name: "user-state",
    logLevel: "error",
    auth: auth
      ? new StaticTokenVerifier({
        tokens: { "alice-token": { subject: "alice" }, "bob-token": { subject: "bob" } },
      })
      : undefined,
  });
  mcp.tool("visit", {}, async (_args, ctx) => {
    const n = ((await ctx.userState.get<number>("visits")) ?? 0) + 1;
    await ctx.userState.set("visits", n);
    return `${ctx.accessToken?.subject}: ${n}`;
  });
  return mcp;
}

async function visit(mcp: FastMCP, token?: string): Promise<{ text: string; isError?: boolean }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const [body] = await readMessages(
    await mcp.fetch(modernRequest("tools/call", { name: "visit", arguments: {} }, 1, headers)),
  );
  const result = body.result as { content: { text: string }[]; isError?: boolean };
  return { text: result.content[0].text, isError: result.isError };
}

Deno.test("user state follows the principal across stateless requests, and one user never sees another's", async () => {
  const mcp = server();
  try {
    assert.equal((await visit(mcp, "alice-token")).text, "alice: 1");
    assert.equal((await visit(mcp, "alice-token")).text, "alice: 2");
    assert.equal((await visit(mcp, "bob-token")).text, "bob: 1");
    assert.equal((await visit(mcp, "alice-token")).text, "alice: 3");
    const keys = [];
    for await (const { key } of mcp.store.list(["user"])) keys.push(key.length);
    assert.equal(keys.length, 2, "one entry per user");
  } finally {
    await mcp.close();
  }
});

Deno.test("an anonymous caller gets a ToolError naming why, not someone's state", async () => {
  const mcp = server(false);
  try {
    const anonymous = await visit(mcp);
    assert.equal(anonymous.isError, true);
    assert.match(anonymous.text, /ctx\.userState needs an authenticated caller/);
  } finally {
    await mcp.close();
  }
});
