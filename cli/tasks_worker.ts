/**
 * `denomcp tasks worker <server.ts>`: one more process running the tasks of a server whose store
 * is shared (Deno KV or Redis), without serving MCP itself. The server's instances take calls
 * and create tasks; workers (and the instances, unless their `taskConcurrency` is 0) run them.
 *
 * @module
 */

import { exitOnSignals } from "../server/run.ts";
import { note } from "./output.ts";
import { loadServer, parseServerSpec, UsageError } from "./server_spec.ts";

/** Runs a task worker for the server in `server` until interrupted. */
export async function tasksWorker(server: string, options: { quiet?: boolean }): Promise<void> {
  const spec = parseServerSpec(server);
  if (spec.kind !== "file") {
    throw new UsageError(`tasks worker takes a server file (server.ts[:export]): ${server}`);
  }
  const mcp = await loadServer(spec.path, spec.exportName);
  await mcp.start();
  const store = mcp.stats().store;
  if (!store || store.kind === "memory") {
    await mcp.close();
    throw new UsageError(
      `${spec.path}: its store is in memory, which no other process can see; give the server a shared store ` +
        `(store: a KV file path or "redis://…", or DENOMCP_STORE)`,
    );
  }
  const done = Promise.withResolvers<void>();
  exitOnSignals(async () => {
    await mcp.close();
    done.resolve();
  });
  if (!options.quiet) note(`running the tasks of '${mcp.name}' from its ${store.kind} store`);
  await done.promise;
}
