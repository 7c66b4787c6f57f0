/**
 * Serving one request once `receive()` has built its exchange: the request span, the middleware
 * pipeline (skipped when empty), the handler, and every failure turned into a JSON-RPC error.
 * Also the handling of client notifications.
 *
 * @module
 */

import { ProtocolError } from "../../protocol/errors.ts";
import { ErrorCode, errorResponse, type JsonObject, type JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import { Context } from "../context.ts";
import { errorMessage, logLevelOf, McpError, toJsonRpcError } from "../errors.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import { CHAIN_END, type MiddlewareContext } from "../middleware/middleware.ts";
import type { Era } from "../../protocol/versions.ts";
import type { RequestFacts, TransportKind } from "./facts.ts";
import type { Abortable, Session } from "../sessions/session.ts";
import type { Exchange } from "./exchange.ts";
import type { ServerCore } from "./server_core.ts";

const EXCHANGE = Symbol("denomcp.exchange");
const RUN = Symbol("denomcp.run");

/** What middleware sees of a request: a class, so every request's context has one shape. */
class RequestContext implements MiddlewareContext {
  readonly method: string;
  readonly params: JsonObject;
  readonly type = "request" as const;
  readonly era: Era;
  readonly transport: TransportKind;
  readonly sessionId?: string;
  readonly facts: RequestFacts;
  readonly context: Context;
  readonly timestamp: number = Date.now();
  /** The end of the chain: the handler (see `runHandler`). */
  [CHAIN_END]: (context: MiddlewareContext) => MaybePromise<JsonObject>;
  /** The request the handler answers. */
  [EXCHANGE]: Exchange;
  /** The handler. */
  [RUN]: (exchange: Exchange) => MaybePromise<JsonObject>;

  constructor(exchange: Exchange, core: ServerCore, run: (exchange: Exchange) => MaybePromise<JsonObject>) {
    const { facts } = exchange;
    this.method = facts.method;
    this.params = exchange.params;
    this.era = facts.era;
    this.transport = facts.transport;
    this.sessionId = facts.sessionId;
    this.facts = facts;
    this.context = new Context(exchange, core);
    this[CHAIN_END] = runHandler;
    this[EXCHANGE] = exchange;
    this[RUN] = run;
  }
}

/** What middleware sees of a request. */
export function requestContext(exchange: Exchange, core: ServerCore): MiddlewareContext {
  return new RequestContext(exchange, core, core.methods.handler);
}

/** A middleware that answered nothing answered an empty result. */
function orEmpty(result: JsonObject | undefined): JsonObject {
  return result ?? {};
}

/** The end of a request's middleware chain: the handler, with the params the chain settled on. */
function runHandler(context: MiddlewareContext): MaybePromise<JsonObject> {
  const carried = context as RequestContext;
  const exchange = carried[EXCHANGE];
  exchange.params = context.params;
  return carried[RUN](exchange);
}

/** Runs a request's handler inside the middleware pipeline, if the server has middleware. */
export function withMiddleware(
  core: ServerCore,
  exchange: Exchange,
  run: (exchange: Exchange) => MaybePromise<JsonObject>,
): MaybePromise<JsonObject> {
  if (core.pipeline.empty) return run(exchange);
  const out = core.pipeline.run(new RequestContext(exchange, core, run), runHandler);
  return out instanceof Promise ? out.then(orEmpty) : orEmpty(out);
}

/**
 * Runs a request and always produces a response (errors become JSON-RPC errors). Synchronous
 * when the handler is and no middleware is installed. `run` defaults to the method table.
 */
export function serveRequest(
  core: ServerCore,
  exchange: Exchange,
  run: (exchange: Exchange) => MaybePromise<JsonObject> = core.methods.handler,
): MaybePromise<JsonRpcResponse> {
  const span = core.telemetry.start(exchange);
  if (!span) return dispatch(core, exchange, run);
  const out = span.run(() => dispatch(core, exchange, run));
  if (out instanceof Promise) {
    return out.then((response) => {
      span.end(response);
      return response;
    });
  }
  span.end(out);
  return out;
}

function dispatch(
  core: ServerCore,
  exchange: Exchange,
  run: (exchange: Exchange) => MaybePromise<JsonObject>,
): MaybePromise<JsonRpcResponse> {
  try {
    const result = withMiddleware(core, exchange, run);
    if (result instanceof Promise) {
      return result.then((r) => resultOf(exchange, r), (e) => failureOf(core, exchange, e));
    }
    return resultOf(exchange, result);
  } catch (error) {
    return failureOf(core, exchange, error);
  }
}

function resultOf(exchange: Exchange, result: JsonObject): JsonRpcResponse {
  return { jsonrpc: "2.0", id: exchange.facts.requestId, result };
}

function failureOf(core: ServerCore, exchange: Exchange, error: unknown): JsonRpcResponse {
  if (!(error instanceof ProtocolError)) {
    core.log(logLevelOf(error), `${exchange.facts.method} failed: ${errorMessage(error)}`);
  }
  const e = toJsonRpcError(error, core.maskErrorDetails, "Internal error");
  return errorResponse(exchange.facts.requestId, e.code, e.message, e.data);
}

/** Handles a client notification; `inflight` maps request ids to what cancels them. */
export function handleNotification(
  core: ServerCore,
  method: string,
  params: JsonObject,
  session: Session | undefined,
  inflight: Map<string | number, Abortable> | undefined,
): void {
  switch (method) {
    case "notifications/initialized":
      if (session && !session.initialized) {
        session.initialized = true;
        session.save();
      }
      return;
    case "notifications/cancelled": {
      const id = params.requestId;
      if (typeof id === "string" || typeof id === "number") {
        inflight?.get(id)?.abort(
          new McpError(ErrorCode.RequestTimeout, String(params.reason ?? "cancelled")),
        );
      }
      return;
    }
    case "notifications/roots/list_changed":
      core.rootsChanged(session);
      return;
    default:
      // Unknown notifications are ignored, as JSON-RPC requires.
      return;
  }
}
