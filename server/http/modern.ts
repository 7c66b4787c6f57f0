/**
 * The 2026-07-28 (stateless) side of the HTTP endpoint: envelope and header validation in the
 * order the specification sets, dispatch, and `subscriptions/listen` streams.
 *
 * @module
 */

import { ErrorCode, type JsonObject, type JsonRpcResponse, type RequestId } from "../../protocol/jsonrpc.ts";
import { type Engine, serveRequest } from "../engine.ts";
import { modernExchange, type RequestExchange } from "../exchange.ts";
import { openSubscription } from "../listen.ts";
import { type Envelope, readEnvelope } from "../envelope.ts";
import type { McpError } from "../errors.ts";
import { jsonError, jsonResponse } from "./guards.ts";
import { checkMirroredParams, decodeHeaderValue, mirroredParams } from "./mcp_headers.ts";
import { Responder } from "./responder.ts";
import { type ConnectionRegistry, SseConnection } from "./sse_stream.ts";

/** Transport state the modern path needs. */
export interface ModernHttp {
  readonly engine: Engine;
  readonly connections: ConnectionRegistry;
  /** Requests being served (for `stats()`). */
  active: number;
}

/** Error codes that the specification sends with HTTP 400 on the modern path. */
const BAD_REQUEST_CODES: ReadonlySet<number> = new Set([
  ErrorCode.HeaderMismatch,
  ErrorCode.MissingClientCapability,
  ErrorCode.UnsupportedProtocolVersion,
]);

function statusOf(response: JsonRpcResponse): number {
  const code = response.error?.code;
  if (code === undefined) return 200;
  if (code === ErrorCode.MethodNotFound) return 404;
  return BAD_REQUEST_CODES.has(code) ? 400 : 200;
}

/** The param each routed method mirrors in `Mcp-Name` (SEP-2243, and the tasks extension's taskId). */
export const NAME_PARAM: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

const mirroredCache = new WeakMap<object, Map<string, string[]>>();

/** Serves one 2026-07-28 POST whose body is a single request or notification. */
export function handleModernPost(
  http: ModernHttp,
  req: Request,
  msg: JsonObject,
): Response | Promise<Response> {
  const { engine } = http;
  const id = msg.id as RequestId | undefined;
  const errId = id ?? null;
  const method = msg.method as string;
  const params = (msg.params ?? {}) as JsonObject;
  let envelope: Envelope;
  try {
    envelope = readEnvelope(params, req.headers.get("mcp-protocol-version"));
  } catch (error) {
    const e = error as McpError;
    return jsonError(400, errId, e.code, e.message, e.data);
  }
  if (id === undefined) return new Response(null, { status: 202 });

  const headerMethod = req.headers.get("mcp-method");
  if (headerMethod === null || headerMethod.trim() !== method) {
    return jsonError(
      400,
      id,
      ErrorCode.HeaderMismatch,
      `Header mismatch: Mcp-Method '${headerMethod ?? "(missing)"}' does not match body method '${method}'`,
    );
  }
  const nameParam = NAME_PARAM[method];
  if (nameParam) {
    const raw = req.headers.get("mcp-name");
    const decoded = raw === null ? undefined : decodeHeaderValue(raw);
    if (decoded === undefined || decoded !== params[nameParam]) {
      return jsonError(
        400,
        id,
        ErrorCode.HeaderMismatch,
        `Header mismatch: Mcp-Name '${raw ?? "(missing)"}' does not match body ${nameParam}`,
      );
    }
  }
  if (!engine.dispatcher.has(method, "modern") && method !== "subscriptions/listen") {
    return jsonError(404, id, ErrorCode.MethodNotFound, `Method not found: ${method}`);
  }
  if (method === "tools/call") {
    const mismatch = checkToolHeaders(engine, req.headers, params);
    if (mismatch) return jsonError(400, id, ErrorCode.HeaderMismatch, mismatch);
  }
  if (!engine.started) return engine.ready().then(() => serveModern(http, req, id, method, params, envelope));
  return serveModern(http, req, id, method, params, envelope);
}

function serveModern(
  http: ModernHttp,
  req: Request,
  id: RequestId,
  method: string,
  params: JsonObject,
  envelope: Envelope,
): Response | Promise<Response> {
  if (method === "subscriptions/listen") return listen(http, id, params);
  const exchange = modernExchange(
    envelope,
    { id, method, params, transport: "http", httpRequest: req },
    http.engine.shutdownSignal,
  );
  http.active++;
  const responder = new Responder({ registry: http.connections, statusOf, cancelOnDisconnect: exchange });
  // 2026: a closed response stream is a cancellation, after which nothing more is sent.
  const response = serveRequest(http.engine, exchange.attach(responder));
  return responder.finish(
    response instanceof Promise
      ? response.then((r) => settle(http, exchange, r))
      : settle(http, exchange, response),
  );
}

function settle(http: ModernHttp, exchange: RequestExchange, response: JsonRpcResponse): JsonRpcResponse {
  http.active--;
  exchange.dispose();
  return response;
}

function checkToolHeaders(engine: Engine, headers: Headers, params: JsonObject): string | undefined {
  const tool = typeof params.name === "string" ? engine.dispatcher.tool(params.name) : undefined;
  if (!tool) return undefined;
  let mirrored = mirroredCache.get(tool);
  if (!mirrored) {
    mirrored = mirroredParams(tool.listing.inputSchema);
    mirroredCache.set(tool, mirrored);
  }
  if (mirrored.size === 0) return undefined;
  return checkMirroredParams(headers, mirrored, (params.arguments ?? {}) as JsonObject);
}

function listen(http: ModernHttp, id: RequestId, params: JsonObject): Response {
  const { engine } = http;
  let remove: (() => void) | undefined;
  const connection = new SseConnection(http.connections, undefined, () => remove?.());
  const opened = openSubscription(
    engine.listen,
    engine.capabilities,
    engine.limits.maxListenStreams,
    id,
    params,
    (message) => connection.send(message),
    () => connection.close(),
  );
  if (typeof opened === "function") {
    remove = opened;
    return connection.response;
  }
  connection.close();
  return jsonResponse(opened);
}
