/**
 * The `add(a, b)` benchmark server that bench/servers/add.ts and bench/servers/traced.ts run:
 * denomcp with one tool answering the sum as text, on Streamable HTTP at `127.0.0.1:$PORT/mcp`
 * (both wire eras on the same endpoint).
 *
 * @module
 */

import { FastMCP } from "../../mod.ts";
import type { TelemetryOptions } from "../../mod.ts";
import { z } from "zod";

/** What differs between the benchmark servers. */
export interface AddServerOptions {
  /** The server name it announces. */
  name: string;
  /** Passed to FastMCP as it is (undefined: no telemetry option). */
  telemetry?: TelemetryOptions;
}

/**
 * Serves `add` on `$PORT` (default 8000) and exits on SIGTERM or SIGINT once the server has
 * closed (the bench drivers stop servers with SIGTERM; with OTEL_DENO, Deno flushes its exporters
 * at exit).
 */
export function serveAdd({ name, telemetry }: AddServerOptions): void {
  const port = Number(Deno.env.get("PORT") ?? "8000");

  // Warnings only: the server's "serving on …" line and per-request info would add noise to the logs.
  const mcp = new FastMCP({ name, version: "1.0.0", logLevel: "warning", telemetry });

  // runInThread: false keeps this bench on the protocol path; bench/workers.ts measures the pool.
  mcp.tool("add", {
    description: "Add two numbers",
    runInThread: false,
    input: z.object({ a: z.number(), b: z.number() }),
  }, ({ a, b }) => String(a + b));

  mcp.serve({ hostname: "127.0.0.1", port, onListen() {} });

  const stop = () => void mcp.close().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
