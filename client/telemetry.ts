/**
 * CLIENT spans by the OpenTelemetry semantic conventions for MCP, through `@opentelemetry/api`
 * only, and W3C trace context carried to the server in each request's `params._meta`. With no
 * OpenTelemetry set up, the API's no-op tracer makes all of it a few cheap calls.
 *
 * @module
 */

import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { McpError, ToolError } from "./errors.ts";
import type { TracerLike } from "./types.ts";

/** Instrumentation scope of the client's spans. */
export const TRACER_NAME = "denomcp-client";

/** What a request is about: names the span and sets the `gen_ai.*` / `mcp.resource.uri` attributes. */
export interface CallTarget {
  /** The tool of a `tools/call` (as sent on the wire, without a server prefix). */
  tool?: string;
  /** The prompt of a `prompts/get`. */
  prompt?: string;
  /** The resource of a `resources/read`. */
  uri?: string;
}

/** What the session knows about the connection when a request starts. */
export interface ConnectionInfo {
  /** The 2025 HTTP session id, if any. */
  sessionId?: string;
  /** The negotiated protocol revision. */
  protocolVersion?: string;
  /** The server's URL (HTTP targets). */
  url?: URL;
  /** `network.transport`: `tcp` (HTTP) or `pipe` (stdio). */
  transport?: "tcp" | "pipe";
}

/** W3C trace-context members for `_meta` (`traceparent`, `tracestate`, and whatever else the propagator injects). */
export type TraceMeta = Record<string, string>;

/**
 * The trace context of `ctx` as `_meta` members: through the registered propagator when there is
 * one, else a W3C `traceparent` (and `tracestate`) built from the context's span.
 */
export function traceMeta(ctx: Context): TraceMeta | undefined {
  if (propagation.fields().length > 0) {
    const carrier: TraceMeta = {};
    propagation.inject(ctx, carrier);
    if (Object.keys(carrier).length > 0) return carrier;
  }
  const sc = trace.getSpan(ctx)?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  const meta: TraceMeta = { traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` };
  const state = sc.traceState?.serialize();
  if (state) meta.tracestate = state;
  return meta;
}

/** One traced request: its span, the context it runs in, and the `_meta` to send. */
export class ClientCall {
  constructor(
    /** The CLIENT span. */
    readonly span: Span,
    /** The active context with the span set. */
    readonly context: Context,
    /** Trace context to put in `_meta`, when there is a valid one. */
    readonly meta: TraceMeta | undefined,
    readonly method: string,
  ) {}

  /** Ends the span: `error.type` and an error status on failure or on a tool's `isError` result. */
  end(error: unknown, result?: unknown): void {
    const span = this.span;
    if (!span.isRecording()) return;
    let errorType: string | undefined;
    let message: string | undefined;
    if (error !== undefined) {
      if (error instanceof McpError) {
        errorType = String(error.rpcCode);
        span.setAttribute("rpc.response.status_code", errorType);
      } else if (error instanceof ToolError) errorType = "tool_error";
      else if (error instanceof Error) errorType = error.name === "Error" ? "_OTHER" : error.name;
      else errorType = "_OTHER";
      message = error instanceof Error ? error.message : String(error);
    } else if (this.method === "tools/call" && (result as { isError?: boolean } | undefined)?.isError) {
      errorType = "tool_error";
      message = "the tool reported an error";
    }
    if (errorType !== undefined) {
      span.setAttribute("error.type", errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
    span.end();
  }
}

/** Starts the client's spans with the given tracer, or the global one (looked up on first use). */
export class ClientTracing {
  readonly #given?: TracerLike;
  readonly #version: string;
  #tracer?: Tracer;

  constructor(tracer: TracerLike | undefined, version: string) {
    this.#given = tracer;
    this.#version = version;
  }

  get #active(): Tracer {
    return this.#tracer ??= (this.#given as Tracer | undefined) ??
      trace.getTracer(TRACER_NAME, this.#version);
  }

  /** Starts the CLIENT span of a request, as a child of the active context. */
  start(method: string, target: CallTarget, info: ConnectionInfo): ClientCall {
    const parent = context.active();
    const name = target.tool ?? target.prompt;
    const span = this.#active.startSpan(
      name ? `${method} ${name}` : method,
      { kind: SpanKind.CLIENT },
      parent,
    );
    if (span.isRecording()) span.setAttributes(attributes(method, target, info));
    // Nothing traces and nothing is propagated (no SDK, no parent, no propagator): the request
    // runs in the context it came with, sparing every call a context copy and a `_meta` probe.
    else if (!trace.isSpanContextValid(span.spanContext()) && propagation.fields().length === 0) {
      return new ClientCall(span, parent, undefined, method);
    }
    const ctx = trace.setSpan(parent, span);
    return new ClientCall(span, ctx, traceMeta(ctx), method);
  }
}

function attributes(method: string, target: CallTarget, info: ConnectionInfo): Attributes {
  const out: Attributes = { "mcp.method.name": method };
  if (target.tool !== undefined) {
    out["gen_ai.tool.name"] = target.tool;
    out["gen_ai.operation.name"] = "execute_tool";
  }
  if (target.prompt !== undefined) out["gen_ai.prompt.name"] = target.prompt;
  if (target.uri !== undefined) out["mcp.resource.uri"] = target.uri;
  if (info.sessionId !== undefined) out["mcp.session.id"] = info.sessionId;
  if (info.protocolVersion !== undefined) out["mcp.protocol.version"] = info.protocolVersion;
  if (info.transport !== undefined) out["network.transport"] = info.transport;
  if (info.url) {
    out["server.address"] = info.url.hostname.replace(/^\[|\]$/g, "");
    out["server.port"] = Number(info.url.port || (info.url.protocol === "https:" ? 443 : 80));
  }
  return out;
}
