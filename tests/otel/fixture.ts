/**
 * A traced server with an in-memory span exporter and metric reader, for the telemetry tests.
 * Module-level, so pool workers can find its synchronous tools.
 *
 * @module
 */

import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { z } from "zod";
import { FastMCP, ToolError } from "../../mod.ts";

// Without OTEL_DENO there is no context manager, and children would lose their parents.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

export const spans = new InMemorySpanExporter();
/** A reader collected on demand (a periodic one would leave an interval running across tests). */
export class OnDemandReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}
export const metricReader = new OnDemandReader();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
export const meterProvider = new MeterProvider({ readers: [metricReader] });
export const tracer = tracerProvider.getTracer("test");

export const mcp = new FastMCP({
  name: "otel-fixture",
  logLevel: "emergency",
  telemetry: { tracer, meter: meterProvider.getMeter("test") },
});

mcp.tool(
  "add",
  { input: z.object({ a: z.number(), b: z.number() }), runInThread: false },
  ({ a, b }) => String(a + b),
);
mcp.tool("pooled", () => "from a worker");
mcp.tool("fails", { runInThread: false }, () => {
  throw new ToolError("no such city");
});
mcp.tool("asks", async (_a, ctx) => (await ctx.sample("hi", { maxTokens: 5 })).text);
mcp.resource("notes://{id}", ({ id }) => `note ${id}`);
mcp.prompt("greet", { args: z.object({ name: z.string() }) }, ({ name }) => `Hello ${name}`);
