/**
 * One instance of a server whose tasks live in a shared store (`STORE`: a KV file or a Redis URL): two of these in two processes
 * stand for two instances, or one instance before and after a restart. Leases are short (1 s) so
 * a killed instance's task is resumed quickly.
 *
 * @module
 */

import { FastMCP } from "../../mod.ts";
import { z } from "zod";

const instance = Deno.env.get("INSTANCE") ?? "?";
const marks = Deno.env.get("MARKS");

export const mcp = new FastMCP({
  name: "tasks-shared",
  logLevel: "info",
  store: Deno.env.get("STORE")!,
  runInThread: false,
  limits: { taskLeaseMs: 1000, taskConcurrency: 2 },
});

mcp.tool("work", {
  input: z.object({ ms: z.number(), tag: z.string() }),
  task: "required",
}, async ({ ms, tag }, ctx) => {
  // Records each start and abort, so a test can tell which instance ran what.
  const mark = (what: string) =>
    marks && Deno.writeTextFileSync(marks, `${what} ${tag} ${instance}\n`, { append: true });
  mark("start");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    ctx.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      mark("abort");
      reject(ctx.signal.reason);
    }, { once: true });
  });
  return `${tag} done by ${instance}`;
});

if (import.meta.main) {
  // run() shuts down cleanly on SIGTERM: tasks running here go back to the queue.
  await mcp.run({ transport: "http", hostname: "127.0.0.1", port: 0 });
}
