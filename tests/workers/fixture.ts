/**
 * A server whose tools exercise the worker pool. Imported by the tests, and by pool workers,
 * which find its tools by server and tool name. `deno run -A fixture.ts` serves it over HTTP
 * on a free port and prints the URL on stderr.
 *
 * @module
 */

import { FastMCP, ToolError } from "../../mod.ts";
import { z } from "zod";

export const mcp = new FastMCP({ name: "worker-fixture", logLevel: "error" });

/** Module state: async tools change it; a worker has its own copy. */
let counter = 0;

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy: this is the point */ }
}

const spinInput = z.object({ ms: z.number().int().min(0).max(10_000) });

mcp.tool("spin", { description: "CPU-bound, in the pool", input: spinInput }, ({ ms }) => {
  spin(ms);
  return `spun; counter here is ${counter}`;
});

mcp.tool("spin_task", {
  description: "CPU-bound, in the pool, as a task",
  input: spinInput,
  task: true,
}, ({ ms }, ctx) => {
  spin(ms);
  return `spun ${ms} ms as task ${ctx.taskId === undefined ? "?" : "#"}`;
});

mcp.tool(
  "spin_inline",
  { description: "CPU-bound, opted out", input: spinInput, runInThread: false },
  ({ ms }) => {
    spin(ms);
    return `spun; counter here is ${counter}`;
  },
);

mcp.tool("bump", { description: "async: changes module state" }, async () => {
  await Promise.resolve();
  return String(++counter);
});

function inWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: new () => unknown };
  return typeof g.WorkerGlobalScope === "function" && globalThis instanceof g.WorkerGlobalScope;
}

mcp.tool(
  "facts",
  { description: "what a worker context knows" },
  (_args, ctx) =>
    JSON.stringify({
      era: ctx.era,
      protocolVersion: ctx.protocolVersion,
      requestId: ctx.requestId,
      inWorker: inWorker(),
    }),
);

mcp.tool("fail_tool", { description: "throws a ToolError" }, () => {
  throw new ToolError("the city is unknown", { logLevel: "debug" });
});

mcp.tool("fail_plain", { description: "throws an Error" }, () => {
  throw new Error("boom");
});

mcp.tool("uncloneable", { description: "returns a function" }, () => () => 42);

mcp.tool("crash", { description: "its worker dies while it runs" }, () =>
  new Promise(() => {
    setTimeout(() => {
      throw new Error("worker exploded");
    }, 10);
  }));

mcp.tool("report", { description: "logs and reports progress from a worker" }, (_args, ctx) => {
  void ctx.info("working in a worker");
  void ctx.reportProgress(1, 2);
  spin(20);
  void ctx.reportProgress(2, 2);
  return "reported";
});

mcp.tool(
  "needs_sampling",
  { description: "asks for sampling from a worker" },
  (_args, ctx) => ctx.sample("hello"),
);

mcp.tool("slow", { description: "times out", input: spinInput, timeoutMs: 100 }, ({ ms }) => {
  spin(ms);
  return "too late";
});

if (import.meta.main) {
  mcp.serve({ port: 0, onListen: (addr) => console.error(`listening on ${(addr as Deno.NetAddr).port}`) });
}
