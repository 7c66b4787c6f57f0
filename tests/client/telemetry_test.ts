/**
 * The client's CLIENT spans (MCP semantic conventions) and the trace context it sends in
 * `params._meta`, which a traced denomcp server continues.
 *
 * @module
 */

import assert from "node:assert/strict";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { z } from "zod";
import { Client, McpError, ToolError } from "../../client.ts";
import { FastMCP, ToolError as ServerToolError } from "../../mod.ts";

// Without OTEL_DENO there is no context manager, and an active parent would not be seen.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const clientTracer = provider.getTracer("client-under-test");
const serverTracer = provider.getTracer("server-under-test");

/** A traced server, and the `_meta` of each request that reached it. */
function tracedServer(): { mcp: FastMCP; metas: Map<string, Record<string, unknown> | undefined> } {
  const mcp = new FastMCP({
    name: "traced",
    logger: () => {},
    runInThread: false,
    telemetry: { tracer: serverTracer },
  });
  mcp.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => String(a + b));
  mcp.tool("fails", () => {
    throw new ServerToolError("no such city");
  });
  mcp.prompt("greet", { args: z.object({ name: z.string() }) }, ({ name }) => `Hello ${name}`);
  return { mcp, metas: new Map() };
}

/** Wraps the server's fetch to record each request's `_meta` by method. */
function recording(server: ReturnType<typeof tracedServer>) {
  return {
    fetch: async (req: Request) => {
      if (req.method === "POST") {
        const body = await req.clone().json() as {
          method?: string;
          params?: { _meta?: Record<string, unknown> };
        };
        if (body.method) server.metas.set(body.method, body.params?._meta);
      }
      return await server.mcp.fetch(req);
    },
  };
}

/** The in-memory exporter reports each export on a zero-delay timer: let those fire inside the test. */
function test(name: string, fn: () => Promise<void>): void {
  Deno.test(name, async () => {
    spans.reset();
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
}

function only(name: string, kind: SpanKind): ReadableSpan {
  const found = spans.getFinishedSpans().filter((s) => s.name === name && s.kind === kind);
  assert.equal(
    found.length,
    1,
    `${name}: ${spans.getFinishedSpans().map((s) => `${s.name}/${s.kind}`).join(", ")}`,
  );
  return found[0];
}

function parentOf(span: ReadableSpan): string | undefined {
  return (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
}

test("tools/call: a CLIENT span, whose trace the server continues from _meta", async () => {
  const server = tracedServer();
  try {
    await using client = new Client(recording(server), { telemetry: { tracer: clientTracer } });
    assert.deepEqual(await client.callTool("add", { a: 2, b: 3 }), [{ type: "text", text: "5" }]);

    const span = only("tools/call add", SpanKind.CLIENT);
    assert.equal(span.attributes["mcp.method.name"], "tools/call");
    assert.equal(span.attributes["gen_ai.tool.name"], "add");
    assert.equal(span.attributes["gen_ai.operation.name"], "execute_tool");
    assert.equal(span.attributes["mcp.protocol.version"], "2026-07-28");
    assert.equal(typeof span.attributes["jsonrpc.request.id"], "string");
    assert.equal(span.attributes["error.type"], undefined);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(parentOf(span), undefined, "a root span: nothing was active");

    // The request carried the client span's context as a W3C traceparent.
    const { traceId, spanId } = span.spanContext();
    assert.equal(server.metas.get("tools/call")?.traceparent, `00-${traceId}-${spanId}-01`);

    // The server's span is its child, in the same trace, for the same JSON-RPC request.
    const serverSpan = only("tools/call add", SpanKind.SERVER);
    assert.equal(serverSpan.spanContext().traceId, traceId);
    assert.equal(parentOf(serverSpan), spanId);
    assert.equal(serverSpan.attributes["jsonrpc.request.id"], span.attributes["jsonrpc.request.id"]);
  } finally {
    await server.mcp.close();
  }
});

test("the client span is a child of the caller's active span; prompts and lists are traced", async () => {
  const server = tracedServer();
  try {
    await using client = new Client(server.mcp, { telemetry: { tracer: clientTracer } });
    await client.connect();
    await clientTracer.startActiveSpan("agent step", async (parent) => {
      try {
        await client.getPrompt("greet", { name: "Ada" });
        await client.listTools();
      } finally {
        parent.end();
      }
    });
    const parent = only("agent step", SpanKind.INTERNAL);
    const prompt = only("prompts/get greet", SpanKind.CLIENT);
    const list = only("tools/list", SpanKind.CLIENT);
    assert.equal(prompt.attributes["gen_ai.prompt.name"], "greet");
    for (const span of [prompt, list]) {
      assert.equal(parentOf(span), parent.spanContext().spanId);
      assert.equal(span.spanContext().traceId, parent.spanContext().traceId);
    }
    assert.equal(parentOf(only("prompts/get greet", SpanKind.SERVER)), prompt.spanContext().spanId);
    assert.equal(parentOf(only("tools/list", SpanKind.SERVER)), list.spanContext().spanId);
  } finally {
    await server.mcp.close();
  }
});

test("a 2025 session: mcp.session.id and the negotiated version on the span", async () => {
  const server = tracedServer();
  try {
    await using client = new Client(server.mcp, {
      negotiation: "legacy",
      telemetry: { tracer: clientTracer },
    });
    await client.callTool("add", { a: 1, b: 1 });
    const span = only("tools/call add", SpanKind.CLIENT);
    assert.ok(client.sessionId);
    assert.equal(span.attributes["mcp.session.id"], client.sessionId);
    assert.equal(span.attributes["mcp.protocol.version"], "2025-11-25");
    const serverSpan = only("tools/call add", SpanKind.SERVER);
    assert.equal(serverSpan.spanContext().traceId, span.spanContext().traceId);
    assert.equal(serverSpan.attributes["mcp.session.id"], client.sessionId);
  } finally {
    await server.mcp.close();
  }
});

test("failures: error.type is tool_error for an isError result, the JSON-RPC code for an error", async () => {
  const server = tracedServer();
  try {
    await using client = new Client(server.mcp, { telemetry: { tracer: clientTracer } });
    await assert.rejects(client.callTool("fails"), ToolError);
    const failed = only("tools/call fails", SpanKind.CLIENT);
    assert.equal(failed.attributes["error.type"], "tool_error");
    assert.equal(failed.status.code, SpanStatusCode.ERROR);

    const err = await client.readResource("nothing://here").then(() => undefined, (e) => e);
    assert.ok(err instanceof McpError);
    const read = only("resources/read", SpanKind.CLIENT);
    assert.equal(read.attributes["mcp.resource.uri"], "nothing://here");
    assert.equal(read.attributes["error.type"], String(err.rpcCode));
    assert.equal(read.attributes["rpc.response.status_code"], String(err.rpcCode));
    assert.equal(read.status.code, SpanStatusCode.ERROR);
  } finally {
    await server.mcp.close();
  }
});

test("a registered propagator fills _meta (baggage included)", async () => {
  const server = tracedServer();
  propagation.setGlobalPropagator({
    inject(ctx, carrier, setter) {
      const sc = trace.getSpanContext(ctx);
      if (!sc) return;
      setter.set(carrier, "traceparent", `00-${sc.traceId}-${sc.spanId}-01`);
      setter.set(carrier, "baggage", "team=blue");
    },
    extract: (ctx) => ctx,
    fields: () => ["traceparent", "baggage"],
  });
  try {
    await using client = new Client(recording(server), { telemetry: { tracer: clientTracer } });
    await client.callTool("add", { a: 1, b: 2 });
    const span = only("tools/call add", SpanKind.CLIENT);
    const meta = server.metas.get("tools/call");
    assert.equal(meta?.traceparent, `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    assert.equal(meta?.baggage, "team=blue");
  } finally {
    propagation.disable();
    await server.mcp.close();
  }
});

test("no OpenTelemetry set up: no span, no trace context, the caller's _meta kept", async () => {
  const server = tracedServer();
  try {
    await using client = new Client(recording(server));
    await client.callTool("add", { a: 1, b: 2 }, { meta: { note: "mine" } });
    assert.deepEqual(server.metas.get("tools/call")?.traceparent, undefined);
    assert.equal(server.metas.get("tools/call")?.note, "mine");
    assert.equal(spans.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT).length, 0);
  } finally {
    await server.mcp.close();
  }
});
