/**
 * End to end with Deno's own OpenTelemetry exporter: the quickstart runs as a subprocess with
 * `OTEL_DENO=true` and OTLP/HTTP JSON pointed at a receiver in this test, which collects what
 * Deno posts to `/v1/traces` and `/v1/metrics`. The client continues a trace of its own through
 * `params._meta.traceparent` (the 2026-07-28 way), so the server span must join that trace.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readAnswer } from "../helpers/http.ts";

const ROOT = new URL("../../", import.meta.url);

/** Chosen by the client: the server's SERVER span must continue this trace under this span. */
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID = "00f067aa0ba902b7";

// ---------- an OTLP/HTTP JSON receiver ----------

/** A minimal OTLP/HTTP JSON receiver: keeps every POST body, parsed, by path. */
function startReceiver() {
  const bodies = new Map<string, unknown[]>();
  const errors: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    try {
      let stream = req.body ?? new Response("").body!;
      const encoding = req.headers.get("content-encoding");
      if (encoding === "gzip") stream = stream.pipeThrough(new DecompressionStream("gzip"));
      const text = await new Response(stream).text();
      const type = req.headers.get("content-type") ?? "";
      if (!type.includes("json")) errors.push(`${path}: content-type ${type}`);
      else {
        const list = bodies.get(path) ?? [];
        list.push(JSON.parse(text));
        bodies.set(path, list);
      }
    } catch (e) {
      errors.push(`${path}: ${e}`);
    }
    return Response.json({});
  });
  const { port } = server.addr as Deno.NetAddr;
  return { server, port, bodies, errors };
}

// ---------- OTLP JSON shapes (the parts asserted on) ----------

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
}
interface OtlpTraces {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}
interface OtlpMetrics {
  resourceMetrics?: { scopeMetrics?: { scope?: { name?: string }; metrics?: { name: string }[] }[] }[];
}

function allSpans(bodies: Map<string, unknown[]>): OtlpSpan[] {
  return (bodies.get("/v1/traces") ?? []).flatMap((b) =>
    ((b as OtlpTraces).resourceSpans ?? []).flatMap((rs) =>
      (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])
    )
  );
}

function allMetricNames(bodies: Map<string, unknown[]>): string[] {
  return (bodies.get("/v1/metrics") ?? []).flatMap((b) =>
    ((b as OtlpMetrics).resourceMetrics ?? []).flatMap((rm) =>
      (rm.scopeMetrics ?? []).flatMap((sm) => (sm.metrics ?? []).map((m) => m.name))
    )
  );
}

/** Trace and span ids are lowercase hex in OTLP JSON; tolerate base64 from other encoders. */
function hexId(id: string | undefined): string {
  if (!id) return "";
  if (/^[0-9a-fA-F]+$/.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  const bin = atob(id);
  return [...bin].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.doubleValue ?? v?.boolValue;
}

function describe(spans: OtlpSpan[]): string {
  return spans.map((s) => `${s.name} [kind ${s.kind}, ${hexId(s.traceId)}/${hexId(s.spanId)}]`).join("; ") ||
    "(none)";
}

// ---------- the server under test ----------

/** Spawns the quickstart over HTTP and resolves with its URL once it says it is serving. */
async function startServer(env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "examples/quickstart.ts", "--http", "--port", "0"],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = child.stdout.pipeTo(new WritableStream()).catch(() => {});
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const timeout = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 60_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the server exited before serving:\n${seen}`);
      seen += value;
      const m = /serving MCP on (http:\/\/\S+)/.exec(seen);
      if (m) {
        const drain = (async () => {
          while (true) {
            const { value, done } = await reader.read();
            if (done) break;
            seen += value;
          }
        })();
        return { child, url: m[1], drain, stdout, stderr: () => seen };
      }
    }
  } catch (e) {
    await child.status;
    await stdout;
    throw e;
  } finally {
    clearTimeout(timeout);
  }
}

async function post(url: string, method: string, params: Record<string, unknown>, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return await readAnswer(res);
}

/** Waits until `ok()` holds, polling, for at most `ms`. */
async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return ok();
}

Deno.test("Deno's OTLP exporter receives the MCP spans and metrics of a traced tools/call", async () => {
  const receiver = startReceiver();
  try {
    const env: Record<string, string> = {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_SERVICE_NAME: "denomcp-e2e",
      OTEL_METRIC_EXPORT_INTERVAL: "500",
    };
    const server = await startServer(env);
    let exit: Deno.CommandStatus;
    try {
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
      };
      const called = await post(
        server.url,
        "tools/call",
        { name: "forecast", arguments: { city: "Paris" }, _meta: meta },
        { "mcp-name": "forecast" },
      );
      assert.equal(called.error, undefined, JSON.stringify(called.error));
      assert.notEqual(called.result.isError, true, JSON.stringify(called.result));
      assert.equal(called.result.structuredContent?.city, "Paris", JSON.stringify(called.result));

      const listed = await post(server.url, "tools/list", {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      });
      assert.ok(listed.result.tools.some((t: { name: string }) => t.name === "forecast"));

      // Let at least one periodic metric export (every 500 ms) happen while serving, too.
      await until(() => allMetricNames(receiver.bodies).includes("mcp.server.operation.duration"), 3000);
    } finally {
      // SIGTERM: the server shuts down and exits, and Deno flushes its exporters at exit.
      server.child.kill("SIGTERM");
      const killer = setTimeout(() => {
        try {
          server.child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 20_000);
      exit = await server.child.status;
      clearTimeout(killer);
      await server.drain;
      await server.stdout;
    }
    assert.equal(exit.code, 0, `server exit ${JSON.stringify(exit)}; stderr:\n${server.stderr()}`);

    // Exports are posted before the process ends, but give stragglers a moment.
    const serverSpan = () => allSpans(receiver.bodies).find((s) => s.name === "tools/call forecast");
    await until(
      () =>
        !!serverSpan() && allSpans(receiver.bodies).some((s) => s.name === "tools/list") &&
        allMetricNames(receiver.bodies).includes("mcp.server.operation.duration"),
      5000,
    );

    const spans = allSpans(receiver.bodies);
    const context = () =>
      `receiver errors: ${receiver.errors.join("; ") || "none"}; paths: ${
        [...receiver.bodies.keys()].join(", ") || "none"
      }; spans: ${describe(spans)}`;

    const call = serverSpan();
    assert.ok(call, `no 'tools/call forecast' span; ${context()}`);
    assert.equal(call.kind, 2, "the request span is SERVER (OTLP kind 2)");
    assert.equal(hexId(call.traceId), TRACE_ID, "the request span continues the client's trace");
    assert.equal(hexId(call.parentSpanId), PARENT_SPAN_ID, "its parent is the client's span");
    assert.equal(attr(call, "mcp.method.name"), "tools/call");
    assert.equal(attr(call, "gen_ai.tool.name"), "forecast");
    assert.equal(attr(call, "mcp.protocol.version"), "2026-07-28");

    const execution = spans.find((s) => s.name === "execute_tool forecast");
    assert.ok(execution, `no 'execute_tool forecast' span; ${context()}`);
    assert.equal(execution.kind, 1, "the execution span is INTERNAL (OTLP kind 1)");
    assert.equal(hexId(execution.traceId), TRACE_ID);
    assert.equal(
      hexId(execution.parentSpanId),
      hexId(call.spanId),
      "execute_tool is a child of the SERVER span",
    );

    const list = spans.find((s) => s.name === "tools/list");
    assert.ok(list, `no 'tools/list' span; ${context()}`);
    assert.equal(list.kind, 2);
    assert.equal(attr(list, "mcp.method.name"), "tools/list");

    const metricNames = allMetricNames(receiver.bodies);
    assert.ok(
      metricNames.includes("mcp.server.operation.duration"),
      `no mcp.server.operation.duration in /v1/metrics; metrics: ${[...new Set(metricNames)].join(", ")}`,
    );
    assert.deepEqual(receiver.errors, []);
  } finally {
    await receiver.server.shutdown();
  }
});
