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
import type { TelemetryOptions } from "../../mod.ts";
import { serveAdd } from "./add_server.ts";

const mode = Deno.env.get("BENCH_TELEMETRY") ?? "default";

let telemetry: TelemetryOptions | undefined;
if (mode === "noop") telemetry = { tracer: trace.getTracer("x") };
else if (mode !== "default") throw new Error(`BENCH_TELEMETRY must be default or noop, not ${mode}`);

serveAdd({ name: "bench-traced", telemetry });
