/**
 * Benchmark server for bench/otel.ts: the `add(a, b)` server of bench/servers/add.ts, with the
 * telemetry chosen by `BENCH_TELEMETRY`:
 *
 * - `default` (or unset): no telemetry option. Without OpenTelemetry set up, denomcp decides once
 *   that nothing records and skips all span work; with `OTEL_DENO=true` in the environment, the
 *   same server exports through Deno's built-in exporter.
 * - `noop`: an explicit `trace.getTracer("x")` with no SDK and no `OTEL_DENO`, so every request
 *   goes through the span bookkeeping with non-recording spans.
 *
 *   PORT=8123 BENCH_TELEMETRY=noop deno run -A bench/servers/traced.ts
 *
 * @module
 */

import { trace } from "@opentelemetry/api";
import { FastMCP } from "../../mod.ts";
import type { TelemetryOptions } from "../../mod.ts";
import { z } from "zod";

const port = Number(Deno.env.get("PORT") ?? "8000");
const mode = Deno.env.get("BENCH_TELEMETRY") ?? "default";

let telemetry: TelemetryOptions | undefined;
if (mode === "noop") telemetry = { tracer: trace.getTracer("x") };
else if (mode !== "default") throw new Error(`BENCH_TELEMETRY must be default or noop, not ${mode}`);

// Warnings only: the server's "serving on …" line and per-request info would add noise to the logs.
const mcp = new FastMCP({ name: "bench-traced", version: "1.0.0", logLevel: "warning", telemetry });

mcp.tool("add", {
  description: "Add two numbers",
  runInThread: false,
  input: z.object({ a: z.number(), b: z.number() }),
}, ({ a, b }) => String(a + b));

mcp.serve({ hostname: "127.0.0.1", port, onListen() {} });

// Exit on SIGTERM (the bench stops servers with it); with OTEL_DENO, Deno flushes its exporters at exit.
const stop = () => void mcp.close().finally(() => Deno.exit(0));
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
