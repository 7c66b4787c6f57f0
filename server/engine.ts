/**
 * What every transport shares: running a request into a JSON-RPC response, and the handling
 * of client notifications. Transports own framing; this owns meaning.
 *
 * @module
 */

import {
  ErrorCode,
  errorResponse,
  type JsonObject,
  type JsonRpcResponse,
  type RequestId,
} from "../protocol/jsonrpc.ts";
import type { ServerCapabilities } from "../protocol/types.ts";
import type { Dispatcher } from "./dispatch.ts";
import { errorMessage, logLevelOf, McpError, toJsonRpcError } from "./errors.ts";
import type { Abortable, Exchange } from "./exchange.ts";
import type { ListenHub } from "./listen.ts";
import type { LogSink } from "./logger.ts";
import type { Session } from "./session.ts";
import type { SessionRegistry } from "./session_registry.ts";
import type { Limits } from "./settings.ts";
import type { McpTelemetry } from "../otel/telemetry.ts";

/** The server as transports see it. */
export interface Engine {
  readonly dispatcher: Dispatcher;
  readonly sessions: SessionRegistry;
  readonly listen: ListenHub;
  readonly limits: Readonly<Limits>;
  readonly capabilities: ServerCapabilities;
  readonly maskErrorDetails: boolean;
  readonly log: LogSink;
  /** Resolves once the lifespan has started. */
  ready(): Promise<void>;
  /** True once the lifespan has started (lets the hot path skip awaiting `ready()`). */
  readonly started: boolean;
  /** Aborted when the server shuts down. */
  readonly shutdownSignal: AbortSignal;
  /** Tracing and metrics. */
  readonly telemetry: McpTelemetry;
  /** Hook for `notifications/roots/list_changed`. */
  rootsChanged(session: Session | undefined): void;
}

/**
 * Runs a request and always produces a response (errors become JSON-RPC errors). Synchronous
 * when the handler is.
 */
export function serveRequest(engine: Engine, exchange: Exchange): JsonRpcResponse | Promise<JsonRpcResponse> {
  const span = engine.telemetry.start(exchange);
  if (!span) return dispatch(engine, exchange);
  const out = span.run(() => dispatch(engine, exchange));
  if (out instanceof Promise) {
    return out.then((response) => {
      span.end(response);
      return response;
    });
  }
  span.end(out);
  return out;
}

function dispatch(engine: Engine, exchange: Exchange): JsonRpcResponse | Promise<JsonRpcResponse> {
  try {
    const result = engine.dispatcher.handle(exchange);
    if (result instanceof Promise) {
      return result.then((r) => resultOf(exchange, r), (e) => failureOf(engine, exchange, e));
    }
    return resultOf(exchange, result);
  } catch (error) {
    return failureOf(engine, exchange, error);
  }
}

function resultOf(exchange: Exchange, result: JsonObject): JsonRpcResponse {
  return { jsonrpc: "2.0", id: exchange.id, result };
}

function failureOf(engine: Engine, exchange: Exchange, error: unknown): JsonRpcResponse {
  if (!(error instanceof McpError)) {
    engine.log(logLevelOf(error), `${exchange.method} failed: ${errorMessage(error)}`);
  }
  const e = toJsonRpcError(error, engine.maskErrorDetails, "Internal error");
  return errorResponse(exchange.id, e.code, e.message, e.data);
}

/** Handles a client notification; `inflight` maps request ids to their abort controllers. */
export function handleNotification(
  engine: Engine,
  method: string,
  params: JsonObject | undefined,
  session: Session | undefined,
  inflight: Map<RequestId, Abortable> | undefined,
): void {
  switch (method) {
    case "notifications/initialized":
      if (session && !session.initialized) {
        session.initialized = true;
        session.save();
      }
      return;
    case "notifications/cancelled": {
      const id = params?.requestId as RequestId | undefined;
      if (id !== undefined) {
        inflight?.get(id)?.abort(
          new McpError(ErrorCode.RequestTimeout, String(params?.reason ?? "cancelled")),
        );
      }
      return;
    }
    case "notifications/roots/list_changed":
      engine.rootsChanged(session);
      return;
    default:
      // Unknown notifications are ignored, as JSON-RPC requires.
      return;
  }
}
