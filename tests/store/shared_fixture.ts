/**
 * One instance of a server that shares its sessions through a store (`STORE` env: a KV file or a Redis URL). Two of these
 * in two processes stand for two instances behind a load balancer.
 *
 * @module
 */

import { z } from "zod";
import { FastMCP } from "../../mod.ts";

const instance = Deno.env.get("INSTANCE") ?? "?";
export const mcp = new FastMCP({
  name: "shared",
  logLevel: "error",
  store: Deno.env.get("STORE")!,
  runInThread: false,
});

mcp.tool("whoami", async (_a, ctx) => {
  await ctx.setState("seen", [...((await ctx.getState<string[]>("seen")) ?? []), instance]);
  return `${instance} ${JSON.stringify(await ctx.getState("seen"))}`;
});
mcp.tool("notify", () => {
  mcp.notifyResourceUpdated("shared://doc");
  return "notified";
});
mcp.tool("ask", async (_a, ctx) => {
  const answer = await ctx.elicit("Your name?", z.object({ name: z.string() }));
  return answer.action === "accept" ? `${instance} heard ${answer.data.name}` : "declined";
});
mcp.resource("shared://doc", () => "a document");

if (import.meta.main) {
  mcp.serve({ port: 0, onListen: (addr) => console.error(`listening on ${(addr as Deno.NetAddr).port}`) });
}
