/**
 * Tracing and metrics by the OpenTelemetry semantic conventions for MCP, through
 * `@opentelemetry/api` only: Deno's built-in exporter (`OTEL_DENO=true`) or any SDK the
 * application registers ships them. denomcp never registers a global provider.
 *
 * @module
 */

import {
  type Attributes,
  type Context as OtelContext,
  context,
  createTraceState,
  type Histogram,
  INVALID_SPAN_CONTEXT,
  type Meter,
  metrics,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { JsonObject, JsonRpcResponse } from "../protocol/jsonrpc.ts";

/**
 * Telemetry options of a server.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { trace } from "@opentelemetry/api";
 * const mcp = new FastMCP({ name: "traced", telemetry: { tracer: trace.getTracer("my-app") } });
 * ```
 */
export interface TelemetryOptions {
  /** The tracer (an `@opentelemetry/api` `Tracer`); default `trace.getTracer("denomcp", version)`. */
  tracer?: TracerLike;
  /** The meter (an `@opentelemetry/api` `Meter`); default `metrics.getMeter("denomcp", version)`. */
  meter?: MeterLike;
}

/**
 * The part of an `@opentelemetry/api` `Tracer` denomcp calls; any tracer from the API fits.
 * (Declared here so that denomcp's public types do not pull the whole API surface in.)
 */
export interface TracerLike {
  /** Starts a span. */
  startSpan(name: string, options?: unknown, context?: unknown): unknown;
}

/** The part of an `@opentelemetry/api` `Meter` denomcp calls; any meter from the API fits. */
export interface MeterLike {
  /** Creates a histogram. */
  createHistogram(name: string, options?: unknown): unknown;
}

/** What a request span needs to know about the request (a subset of an exchange). */
export interface TracedRequest {
  /** The request's facts. */
  readonly facts: {
    readonly method: string;
    readonly requestId: string | number;
    readonly protocolVersion: string;
    readonly transport: "http" | "stdio" | "memory";
    readonly sessionId?: string;
    /** Who the request speaks for, when authenticated (no token in it). */
    readonly principal?: {
      readonly subject?: string;
      readonly clientId: string;
      readonly scopes: readonly string[];
    };
  };
  /** Its params (for `_meta` trace context and the component's name). */
  readonly params: JsonObject;
  /** The HTTP request, on HTTP. */
  readonly httpRequest?: Request;
}

/** The version of denomcp reported as the instrumentation scope version. */
export const INSTRUMENTATION_VERSION = "0.1.0";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The parent a request continues: the W3C `traceparent`/`tracestate` in its `_meta`, unless the
 * HTTP request carried its own `traceparent` (then Deno's HTTP instrumentation has already made
 * that context active).
 */
export function parentContext(request: TracedRequest): OtelContext {
  const active = context.active();
  if (request.httpRequest?.headers.has("traceparent")) return active;
  const meta = request.params._meta as Record<string, unknown> | undefined;
  const traceparent = meta?.traceparent;
  if (typeof traceparent !== "string") return active;
  const m = TRACEPARENT.exec(traceparent.trim());
  if (!m || m[1] === "ff" || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return active;
  const tracestate = typeof meta?.tracestate === "string" ? createTraceState(meta.tracestate) : undefined;
  return trace.setSpanContext(active === ROOT_CONTEXT ? ROOT_CONTEXT : active, {
    traceId: m[2],
    spanId: m[3],
    traceFlags: parseInt(m[4], 16),
    isRemote: true,
    traceState: tracestate,
  });
}

/** The component a request targets, for `denomcp.component.*` attributes and the span name. */
function target(request: TracedRequest): { type?: string; key?: string; name?: string } {
  const p = request.params;
  switch (request.facts.method) {
    case "tools/call":
      return { type: "tool", key: String(p.name), name: String(p.name) };
    case "prompts/get":
      return { type: "prompt", key: String(p.name), name: String(p.name) };
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
      return { type: "resource", key: String(p.uri) };
    default:
      return {};
  }
}

/** The attributes of a request span, by the MCP semantic conventions. */
export function requestAttributes(request: TracedRequest, serverName: string): Attributes {
  const { params } = request;
  const { method } = request.facts;
  const attributes: Attributes = {
    "mcp.method.name": method,
    "mcp.protocol.version": request.facts.protocolVersion,
    "jsonrpc.request.id": String(request.facts.requestId),
    "network.transport": request.facts.transport === "stdio"
      ? "pipe"
      : request.facts.transport === "memory"
      ? "inproc"
      : "tcp",
    "denomcp.server.name": serverName,
  };
  if (request.facts.transport === "http") attributes["network.protocol.name"] = "http";
  if (request.facts.sessionId) attributes["mcp.session.id"] = request.facts.sessionId;
  const principal = request.facts.principal;
  if (principal) {
    // Who, never the token: the subject (or, for a client-only token, the client) and its scopes.
    attributes["enduser.id"] = principal.subject ?? principal.clientId;
    if (principal.scopes.length) attributes["enduser.scope"] = principal.scopes.join(" ");
  }
  const t = target(request);
  if (t.type) {
    attributes["denomcp.component.type"] = t.type;
    attributes["denomcp.component.key"] = t.key!;
  }
  if (method === "tools/call") {
    attributes["gen_ai.tool.name"] = String(params.name);
    attributes["gen_ai.operation.name"] = "execute_tool";
  } else if (method === "prompts/get") attributes["gen_ai.prompt.name"] = String(params.name);
  if (typeof params.uri === "string") attributes["mcp.resource.uri"] = params.uri;
  return attributes;
}

/** The span name: `{method} {tool or prompt}`, or the method alone (URIs are too many to name spans by). */
export function spanName(request: TracedRequest): string {
  const name = target(request).name;
  return name ? `${request.facts.method} ${name}` : request.facts.method;
}

/** One request's span and its bookkeeping. */
export class RequestSpan {
  readonly #started = performance.now();

  /** @internal created by {@link McpTelemetry.start}; `context` is undefined when only metrics record */
  constructor(
    readonly span: Span,
    readonly context: OtelContext | undefined,
    private readonly telemetry: McpTelemetry,
    private readonly attributes: Attributes,
  ) {}

  /** Runs `fn` with this span active, so spans and logs inside it are its children. */
  run<T>(fn: () => T): T {
    return this.context ? context.with(this.context, fn) : fn();
  }

  /** Ends the span with the outcome: error status and `error.type` for JSON-RPC errors and tool errors. */
  end(response: JsonRpcResponse | undefined): void {
    const { span } = this;
    let errorType: string | undefined;
    if (response?.error) {
      errorType = String(response.error.code);
      span.setAttribute("rpc.response.status_code", errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: response.error.message });
    } else if ((response?.result as { isError?: boolean } | undefined)?.isError) {
      errorType = "tool_error";
      span.setStatus({ code: SpanStatusCode.ERROR, message: "the tool reported an error" });
    } else if (response === undefined) {
      errorType = "cancelled";
    }
    if (errorType) span.setAttribute("error.type", errorType);
    if ((response?.result as { resultType?: string } | undefined)?.resultType === "input_required") {
      span.setAttribute("denomcp.result_type", "input_required");
    }
    span.end();
    this.telemetry.recordOperation((performance.now() - this.#started) / 1000, this.attributes, errorType);
  }
}

/** Attributes the operation metric keeps (low cardinality only). */
const METRIC_KEYS = [
  "mcp.method.name",
  "mcp.protocol.version",
  "network.transport",
  "network.protocol.name",
  "gen_ai.tool.name",
  "gen_ai.prompt.name",
  "gen_ai.operation.name",
] as const;

/** The telemetry of one server. */
export class McpTelemetry {
  readonly #tracer: Tracer;
  readonly #meter: Meter;
  readonly #options: TelemetryOptions;
  #tracing?: boolean;
  #metering?: boolean;
  #operationDuration?: Histogram;
  #sessionDuration?: Histogram;

  /** Creates the telemetry of a server named `serverName`. */
  constructor(private readonly serverName: string, options: TelemetryOptions = {}) {
    this.#options = options;
    this.#tracer = (options.tracer as Tracer | undefined) ??
      trace.getTracer("denomcp", INSTRUMENTATION_VERSION);
    this.#meter = (options.meter as Meter | undefined) ??
      metrics.getMeter("denomcp", INSTRUMENTATION_VERSION);
  }

  /**
   * Whether spans would record. With the default tracer and no OpenTelemetry set up (no SDK,
   * no `OTEL_DENO`), the answer is no, decided once at the first request, so tracing then costs
   * one boolean test per request. An explicitly given tracer is always used. Register an SDK
   * before the first request.
   */
  get enabled(): boolean {
    if (this.#tracing === undefined) {
      if (this.#options.tracer) this.#tracing = true;
      else {
        // The probe is never ended, so it is never exported.
        this.#tracing = trace.isSpanContextValid(this.#tracer.startSpan("denomcp.probe").spanContext());
      }
    }
    return this.#tracing;
  }

  /** Whether metrics would record: an explicit meter, or a global meter that is not the API's no-op one. */
  get metering(): boolean {
    return this.#metering ??= this.#options.meter !== undefined ||
      this.#meter.constructor?.name !== "NoopMeter";
  }

  /** The tracer (for tool and client-call spans). */
  get tracer(): Tracer {
    return this.#tracer;
  }

  /**
   * Starts the SERVER span of a request; undefined when neither spans nor metrics record. A parent
   * taken from `_meta` is linked to the span that was active (Deno's HTTP span), as the
   * conventions ask, so the two traces stay connected.
   */
  start(request: TracedRequest): RequestSpan | undefined {
    const tracing = this.enabled;
    if (!tracing && !this.metering) return undefined;
    const attributes = requestAttributes(request, this.serverName);
    if (!tracing) {
      return new RequestSpan(trace.wrapSpanContext(INVALID_SPAN_CONTEXT), undefined, this, attributes);
    }
    const ambient = trace.getSpan(context.active());
    const parent = parentContext(request);
    const fromMeta = ambient !== undefined && trace.getSpan(parent) !== ambient;
    const options: SpanOptions = { kind: SpanKind.SERVER, attributes };
    if (fromMeta && trace.isSpanContextValid(ambient.spanContext())) {
      options.links = [{ context: ambient.spanContext() }];
    }
    const span = this.#tracer.startSpan(spanName(request), options, parent);
    return new RequestSpan(span, trace.setSpan(parent, span), this, attributes);
  }

  /** Runs `fn` inside an INTERNAL (or other kind of) child span of the active context. */
  within<T>(name: string, kind: SpanKind, attributes: Attributes, fn: (span: Span) => T): T {
    const span = this.#tracer.startSpan(name, { kind, attributes });
    const finish = (error?: unknown) => {
      if (error !== undefined) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        span.setAttribute("error.type", error instanceof Error ? error.name : "error");
      }
      span.end();
    };
    try {
      const out = context.with(trace.setSpan(context.active(), span), () => fn(span));
      if (out instanceof Promise) {
        return out.then((v) => {
          finish();
          return v;
        }, (e) => {
          finish(e);
          throw e;
        }) as T;
      }
      finish();
      return out;
    } catch (error) {
      finish(error);
      throw error;
    }
  }

  /** Records `mcp.server.operation.duration`. */
  recordOperation(seconds: number, attributes: Attributes, errorType: string | undefined): void {
    if (!this.metering) return;
    this.#operationDuration ??= this.#meter.createHistogram("mcp.server.operation.duration", {
      unit: "s",
      description: "MCP request or notification duration as observed on the receiver",
    });
    const kept: Attributes = {};
    for (const key of METRIC_KEYS) if (attributes[key] !== undefined) kept[key] = attributes[key];
    if (errorType) kept["error.type"] = errorType;
    this.#operationDuration.record(seconds, kept);
  }

  /** Records `mcp.server.session.duration` when a session ends. */
  recordSession(seconds: number, protocolVersion: string, transport: "http" | "stdio" | "memory"): void {
    if (!this.metering) return;
    this.#sessionDuration ??= this.#meter.createHistogram("mcp.server.session.duration", {
      unit: "s",
      description: "The duration of the MCP session as observed on the MCP server",
    });
    this.#sessionDuration.record(seconds, {
      "mcp.protocol.version": protocolVersion,
      "network.transport": transport === "stdio" ? "pipe" : "tcp",
    });
  }
}
