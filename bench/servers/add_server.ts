/**
 * The `add(a, b)` benchmark server that bench/servers/add.ts, bench/servers/add_mw3.ts and
 * bench/servers/traced.ts run: denomcp with one tool answering the sum as text, on Streamable
 * HTTP at `127.0.0.1:$PORT/mcp` (both wire eras on the same endpoint).
 *
 * @module
 */

import { FastMCP } from "../../mod.ts";
import type { FastMCPOptions, TelemetryOptions } from "../../mod.ts";
import { z } from "zod";

/** What differs between the benchmark servers. */
export interface AddServerOptions {
  /** The server name it announces. */
  name: string;
  /** Passed to FastMCP as it is (undefined: no telemetry option). */
  telemetry?: TelemetryOptions;
  /** More FastMCP options, spread into the constructor's (e.g. `middleware`). */
  options?: Partial<FastMCPOptions>;
}

/** A FastMCP instance with the `add` tool, not serving yet. */
export function buildAdd({ name, telemetry, options }: AddServerOptions): FastMCP {
  // Warnings only: the server's "serving on …" line and per-request info would add noise to the logs.
  const mcp = new FastMCP({ ...options, name, version: "1.0.0", logLevel: "warning", telemetry });

  // runInThread: false keeps this bench on the protocol path; bench/workers.ts measures the pool.
  mcp.tool("add", {
    description: "Add two numbers",
    runInThread: false,
    input: z.object({ a: z.number(), b: z.number() }),
  }, ({ a, b }) => String(a + b));
  return mcp;
}

/**
 * Serves `add` on `$PORT` (default 8000) and exits on SIGTERM or SIGINT once the server has
 * closed (the bench drivers stop servers with SIGTERM; with OTEL_DENO, Deno flushes its exporters
 * at exit).
 */
export function serveAdd(options: AddServerOptions): void {
  const port = Number(Deno.env.get("PORT") ?? "8000");
  const mcp = buildAdd(options);
  mcp.serve({ hostname: "127.0.0.1", port, onListen() {} });

  const stop = () => void mcp.close().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
