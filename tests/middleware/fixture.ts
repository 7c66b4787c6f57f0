/**
 * A server with two recording middleware, for the middleware tests: one tool of each kind
 * (inline, in the worker pool, as a task), a resource and a prompt. Defined at module level so
 * that pool workers, which import this module, find the synchronous tool.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import { FastMCP, type Middleware, type MiddlewareContext, type Next } from "../../mod.ts";
import { z } from "zod";

/** A server of the fixture and what its middleware saw, as `name.hook method` (a task run adds ` task`). */
export interface Recorded {
  readonly mcp: FastMCP;
  readonly seen: string[];
}

function recorder(name: string, seen: string[]): Middleware {
  const record = (hook: string) =>
  async (
    context: MiddlewareContext,
    next: Next,
  ) => {
    const task = context.facts?.taskId ? " task" : "";
    seen.push(`${name}.${hook} ${context.method}${task}`);
    return await next(context) as Record<string, unknown> | undefined;
  };
  return {
    onMessage: record("onMessage"),
    onRequest: record("onRequest"),
    onNotification: record("onNotification"),
    onInitialize: record("onInitialize"),
    onCallTool: record("onCallTool"),
    onReadResource: record("onReadResource"),
    onGetPrompt: record("onGetPrompt"),
    onListTools: record("onListTools"),
  };
}

function build(name: string): Recorded {
  const seen: string[] = [];
  const mcp = new FastMCP({
    name,
    logLevel: "error",
    middleware: [recorder("A", seen), recorder("B", seen)],
  });
  mcp.tool("echo", { input: z.object({ text: z.string() }) }, async ({ text }) => text);
  mcp.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => String(a + b));
  mcp.tool(
    "report",
    { input: z.object({ city: z.string() }), task: true },
    async ({ city }) => `report for ${city}`,
  );
  mcp.resource("config://app", () => "theme=dark");
  mcp.prompt("greet", { args: z.object({ name: z.string() }) }, ({ name }) => `Hello, ${name}!`);
  return { mcp, seen };
}

/** Served over HTTP (`mcp.fetch`) by the tests. */
export const overHttp: Recorded = build("middleware-http");
/** Served over stdio by the tests (stdin EOF closes it, so it is its own server). */
export const overStdio: Recorded = build("middleware-stdio");
