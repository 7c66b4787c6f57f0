import assert from "node:assert/strict";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { readSse } from "../../protocol/sse.ts";
import {
  CLIENT_HEADERS,
  ENDPOINT,
  legacyRequest,
  modernRequest,
  openSession,
  readMessages,
} from "../helpers/http.ts";
import { context, trace } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { createProxy, FastMCP } from "../../mod.ts";
import { Client } from "../../client.ts";
import { z } from "zod";
import { mcp, meterProvider, metricReader, OnDemandReader, spans, tracer } from "./fixture.ts";

/** The in-memory exporter reports each export on a zero-delay timer: let those fire inside the test. */
function test(name: string, fn: () => Promise<void>): void {
  Deno.test(name, async () => {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
}

async function modern(method: string, params: Record<string, unknown> = {}, id = 1) {
  return await readMessages(await mcp.fetch(modernRequest(method, params, id)));
}

function only(name: string): ReadableSpan {
  const found = spans.getFinishedSpans().filter((s) => s.name === name);
  assert.equal(
    found.length,
    1,
    `spans named ${name}: ${spans.getFinishedSpans().map((s) => s.name).join(", ")}`,
  );
  return found[0];
}

function parentOf(span: ReadableSpan): string | undefined {
  return (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
}

test("tools/call makes a SERVER span with the MCP attributes and an INTERNAL execution child", async () => {
  spans.reset();
  await modern("tools/call", { name: "add", arguments: { a: 1, b: 2 } }, 7);
  const server = only("tools/call add");
  assert.equal(server.kind, SpanKind.SERVER);
  assert.deepEqual(server.attributes, {
    "mcp.method.name": "tools/call",
    "mcp.protocol.version": "2026-07-28",
    "jsonrpc.request.id": "7",
    "network.transport": "tcp",
    "network.protocol.name": "http",
    "denomcp.server.name": "otel-fixture",
    "denomcp.component.type": "tool",
    "denomcp.component.key": "add",
    "gen_ai.tool.name": "add",
    "gen_ai.operation.name": "execute_tool",
  });
  assert.equal(server.status.code, SpanStatusCode.UNSET);
  const execution = only("execute_tool add");
  assert.equal(execution.kind, SpanKind.INTERNAL);
  assert.equal(parentOf(execution), server.spanContext().spanId);
  assert.equal(execution.spanContext().traceId, server.spanContext().traceId);
  assert.equal(execution.attributes["denomcp.execution"], "inline");
});

test("a tool error result marks both spans as errors with error.type tool_error", async () => {
  spans.reset();
  await modern("tools/call", { name: "fails", arguments: {} });
  for (const name of ["tools/call fails", "execute_tool fails"]) {
    const span = only(name);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes["error.type"], "tool_error");
  }
});

test("a JSON-RPC error sets error.type and rpc.response.status_code to its code", async () => {
  spans.reset();
  await modern("tools/call", { name: "missing", arguments: {} });
  const span = only("tools/call missing");
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes["error.type"], "-32602");
  assert.equal(span.attributes["rpc.response.status_code"], "-32602");
});

test("every method gets its span: lists, read, prompts, completions, discover, and 2025 initialize and ping", async () => {
  spans.reset();
  for (
    const method of [
      "tools/list",
      "resources/list",
      "resources/templates/list",
      "prompts/list",
      "server/discover",
    ]
  ) {
    await modern(method);
  }
  await modern("resources/read", { uri: "notes://9" });
  await modern("prompts/get", { name: "greet", arguments: { name: "Ada" } });
  await modern("completion/complete", {
    ref: { type: "ref/prompt", name: "greet" },
    argument: { name: "name", value: "A" },
  });
  const sid = await openSession(mcp.fetch);
  await readMessages(
    await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: 3, method: "ping" }, { "mcp-session-id": sid })),
  );
  const names = spans.getFinishedSpans().map((s) => s.name).sort();
  assert.deepEqual(names, [
    "completion/complete",
    "initialize",
    "ping",
    "prompts/get greet",
    "prompts/list",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "server/discover",
    "tools/list",
  ]);
  assert.equal(only("resources/read").attributes["mcp.resource.uri"], "notes://9");
  assert.equal(only("prompts/get greet").attributes["gen_ai.prompt.name"], "greet");
  assert.equal(only("ping").attributes["mcp.session.id"], sid);
  assert.equal(only("initialize").attributes["mcp.protocol.version"], "2025-11-25");
  await (await mcp.fetch(new Request(ENDPOINT, { method: "DELETE", headers: { "mcp-session-id": sid } })))
    .body?.cancel();
});

test("the server continues the client's trace from traceparent in _meta", async () => {
  spans.reset();
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  await modern("tools/list", {
    _meta: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, tracestate: "vendor=1" },
  });
  const span = only("tools/list");
  assert.equal(span.spanContext().traceId, traceId);
  assert.equal(parentOf(span), "b7ad6b7169203331");
});

test("a parent from _meta is linked to the span that was active (Deno's HTTP span)", async () => {
  spans.reset();
  const ambient = tracer.startSpan("POST");
  const traceId = "11111111111111111111111111111111";
  const request = modernRequest(
    "tools/list",
    { _meta: { traceparent: `00-${traceId}-2222222222222222-01` } },
    5,
  );
  await readMessages(await context.with(trace.setSpan(context.active(), ambient), () => mcp.fetch(request)));
  ambient.end();
  const span = only("tools/list");
  assert.equal(span.spanContext().traceId, traceId);
  assert.deepEqual(span.links.map((l) => l.context.spanId), [ambient.spanContext().spanId]);
});

test("with only a meter (no tracer), the operation metric still records", async () => {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metered = new FastMCP({
    name: "metered",
    logLevel: "emergency",
    telemetry: { meter: provider.getMeter("m") },
  });
  metered.tool("noop", { runInThread: false }, () => "ok");
  await readMessages(await metered.fetch(modernRequest("tools/call", { name: "noop", arguments: {} })));
  const { resourceMetrics } = await reader.collect();
  const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
  assert.deepEqual(names, ["mcp.server.operation.duration"]);
  await metered.close();
  await provider.shutdown();
});

test("a pooled tool's execution span shows the worker and its own time", async () => {
  spans.reset();
  const [body] = await modern("tools/call", { name: "pooled", arguments: {} });
  assert.deepEqual((body.result as { content: unknown }).content, [{ type: "text", text: "from a worker" }]);
  const execution = only("execute_tool pooled");
  assert.equal(execution.attributes["denomcp.execution"], "worker");
  assert.equal(typeof execution.attributes["denomcp.worker.duration_ms"], "number");
});

test("sampling on a 2025 session is a CLIENT span under the tool's execution", async () => {
  spans.reset();
  const sid = await openSession(mcp.fetch, "2025-11-25", { sampling: {} });
  const headers = { "mcp-session-id": sid };
  const res = await mcp.fetch(
    legacyRequest(
      { jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "asks", arguments: {} } },
      headers,
    ),
  );
  let answer: unknown;
  for await (const event of readSse(res.body!)) {
    if (!event.data) continue;
    const msg = JSON.parse(event.data);
    if (msg.method === "sampling/createMessage") {
      const reply = {
        jsonrpc: "2.0",
        id: msg.id,
        result: { role: "assistant", content: { type: "text", text: "hey" }, model: "m" },
      };
      await (await mcp.fetch(
        new Request(ENDPOINT, {
          method: "POST",
          headers: { ...CLIENT_HEADERS, ...headers },
          body: JSON.stringify(reply),
        }),
      )).body?.cancel();
    } else if (msg.id === 4) answer = msg.result;
  }
  assert.deepEqual((answer as { content: unknown }).content, [{ type: "text", text: "hey" }]);
  const sampling = only("sampling/createMessage");
  assert.equal(sampling.kind, SpanKind.CLIENT);
  assert.equal(parentOf(sampling), only("execute_tool asks").spanContext().spanId);
  await (await mcp.fetch(new Request(ENDPOINT, { method: "DELETE", headers }))).body?.cancel();
});

test("a proxied call's spans name the backend, and the upstream request is a CLIENT span under them", async () => {
  const upstream = new FastMCP({ name: "weather", logLevel: "emergency" });
  upstream.tool(
    "forecast",
    { input: z.object({ city: z.string() }), runInThread: false },
    ({ city }) => `sun in ${city}`,
  );
  upstream.resource("data://cities/{name}", { name: "city" }, ({ name }) => `about ${name}`);
  const proxy = createProxy(upstream, { name: "gateway", logLevel: "emergency", telemetry: { tracer } });
  try {
    await using client = new Client(proxy);
    await client.connect();
    spans.reset();
    assert.deepEqual(await client.callTool("forecast", { city: "Oslo" }), [{
      type: "text",
      text: "sun in Oslo",
    }]);
    await client.readResource("data://cities/rome");
    const finished = spans.getFinishedSpans();
    const tool = finished.filter((s) => s.attributes["denomcp.proxy.backend_name"] === "forecast");
    assert.equal(tool.length, 1, finished.map((s) => s.name).join(", "));
    assert.equal(tool[0].attributes["denomcp.provider.type"], "proxy");
    assert.equal(tool[0].attributes["denomcp.proxy.upstream"], "weather");
    const upstreamCall = finished.filter((s) =>
      s.kind === SpanKind.CLIENT && s.attributes["mcp.method.name"] === "tools/call"
    );
    assert.equal(upstreamCall.length, 1, finished.map((s) => `${s.name} ${s.kind}`).join(", "));
    assert.equal(upstreamCall[0].spanContext().traceId, tool[0].spanContext().traceId);
    const read = finished.filter((s) => s.attributes["denomcp.proxy.backend_uri"] === "data://cities/rome");
    assert.equal(read.length, 1);
    assert.equal(read[0].attributes["denomcp.proxy.backend_uri_template"], "data://cities/{name}");
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test("operation and session durations are recorded as histograms", async () => {
  const { resourceMetrics } = await metricReader.collect();
  const exported = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const operation = exported.find((m) => m.descriptor.name === "mcp.server.operation.duration")!;
  assert.equal(operation.descriptor.unit, "s");
  const methods = new Set(operation.dataPoints.map((p) => p.attributes["mcp.method.name"]));
  for (const method of ["tools/call", "tools/list", "initialize", "ping"]) {
    assert.ok(methods.has(method), method);
  }
  const failed = operation.dataPoints.find((p) => p.attributes["error.type"] === "tool_error");
  assert.equal(failed?.attributes["gen_ai.tool.name"], "fails");
  const session = exported.find((m) => m.descriptor.name === "mcp.server.session.duration")!;
  assert.ok(session.dataPoints.length >= 1);
  assert.equal(session.dataPoints[0].attributes["mcp.protocol.version"], "2025-11-25");
  await mcp.close();
  await meterProvider.shutdown();
});

test("an authenticated request's span names its end user and scopes, never the token", async () => {
  const { StaticTokenVerifier } = await import("../../mod.ts");
  const secured = new FastMCP({
    name: "otel-auth",
    logLevel: "error",
    telemetry: { tracer },
    auth: new StaticTokenVerifier({
      tokens: { "secret-token-1": { subject: "alice", scopes: ["read", "write"] } },
    }),
  });
  secured.tool("echo", {}, async () => await Promise.resolve("ok"));
  spans.reset();
  try {
    const req = modernRequest("tools/call", { name: "echo", arguments: {} }, 1, {
      authorization: "Bearer secret-token-1",
    });
    assert.equal((await secured.fetch(req)).status, 200);
    const span = only("tools/call echo");
    assert.equal(span.attributes["enduser.id"], "alice");
    assert.equal(span.attributes["enduser.scope"], "read write");
    assert.ok(!JSON.stringify(span.attributes).includes("secret-token-1"));
  } finally {
    await secured.close();
  }
});
