/**
 * Benchmark server: denomcp with one tool, `add(a, b)`, answering the sum as text.
 *
 * Serves Streamable HTTP on `127.0.0.1:$PORT/mcp`, both wire eras on the same endpoint:
 * 2025-era requests (initialize, then `Mcp-Session-Id` on every call) and stateless
 * 2026-07-28 requests (the `_meta` envelope plus `Mcp-Method`/`Mcp-Name` headers).
 *
 *   PORT=8123 deno run -A bench/servers/add.ts
 *
 * @module
 */

import { FastMCP } from "../../mod.ts";
import { z } from "zod";

const port = Number(Deno.env.get("PORT") ?? "8000");

// Warnings only: the server's "serving on …" line and per-request info would add noise to the logs.
const mcp = new FastMCP({ name: "bench-add", version: "1.0.0", logLevel: "warning" });

// runInThread: false keeps this bench on the protocol path; bench/workers.ts measures the pool.
mcp.tool("add", {
  description: "Add two numbers",
  runInThread: false,
  input: z.object({ a: z.number(), b: z.number() }),
}, ({ a, b }) => String(a + b));

mcp.serve({ hostname: "127.0.0.1", port, onListen() {} });

// Exit promptly on SIGTERM (the bench drivers stop servers with it).
const stop = () => void mcp.close().finally(() => Deno.exit(0));
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
