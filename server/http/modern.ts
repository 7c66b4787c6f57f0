/**
 * The 2026-07-28 (stateless) side of the HTTP endpoint: what only HTTP checks (`Mcp-Method`,
 * `Mcp-Name`, mirrored tool headers), the framing of answers (JSON, or SSE once the handler
 * streams), and `subscriptions/listen` streams. Everything else is `receive()`'s.
 *
 * @module
 */

import { ErrorCode, type JsonObject, type JsonRpcResponse, type RequestId } from "../../protocol/jsonrpc.ts";
import type { Message } from "../../protocol/message.ts";
import { DEFAULT_LEGACY_HTTP_VERSION } from "../../protocol/versions.ts";
import type { ToolComponent } from "../components/tool.ts";
import type { RequestExchange } from "../engine/exchange.ts";
import { type Peer, receive } from "../engine/receive.ts";
import type { ServerCore } from "../engine/server_core.ts";
import { McpError } from "../errors.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import { openSubscription } from "../sessions/subscriptions.ts";
import { jsonResponse } from "./guards.ts";
import { checkMirroredParams, decodeHeaderValue, mirroredParams } from "./mcp_headers.ts";
import { Responder, type ResponderOptions } from "./responder.ts";
import { accessTokenOf } from "./bearer.ts";
import type { AccessToken } from "../../auth/access_token.ts";
import { type ConnectionRegistry, SseConnection } from "./sse_stream.ts";
import { modernStatus, refusedStatus } from "./status.ts";
import { NAME_PARAM } from "../../protocol/routing_headers.ts";

/** Transport state the modern path needs. */
export interface ModernHttp {
  readonly engine: ServerCore;
  readonly connections: ConnectionRegistry;
  /** Requests being served (for `stats()`). */
  active: number;
  /** The HTTP status and headers of errors HTTP says more of (see `ResponderOptions`). */
  readonly refusalOf?: ResponderOptions["refusalOf"];
}

const mirroredCache = new WeakMap<object, Map<string, string[]>>();

function mismatch(message: string): McpError {
  return new McpError(ErrorCode.HeaderMismatch, `Header mismatch: ${message}`);
}

/** One 2026 POST as `receive()` sees it. A class, so that no closure is made per request. */
class ModernPeer implements Peer {
  readonly transport = "http";
  readonly fallbackVersion = DEFAULT_LEGACY_HTTP_VERSION;
  readonly modern = true;
  responder?: Responder;

  constructor(
    readonly httpRequest: Request,
    readonly headerVersion: string | null,
    private readonly http: ModernHttp,
  ) {}

  get accessToken(): AccessToken | undefined {
    return accessTokenOf(this.httpRequest);
  }

  channel(exchange: RequestExchange): Responder {
    // 2026: a closed response stream is a cancellation, after which nothing more is sent.
    return this.responder = new Responder({
      registry: this.http.connections,
      statusOf: modernStatus,
      refusalOf: this.http.refusalOf,
      request: this.httpRequest,
      cancelOnDisconnect: exchange,
      upgradeAfterMs: this.http.engine.limits.sseUpgradeAfterMs,
    });
  }

  checkRouting(exchange: RequestExchange): McpError | undefined {
    const headers = this.httpRequest.headers;
    const method = exchange.facts.method;
    const headerMethod = headers.get("mcp-method");
    if (headerMethod === null || headerMethod.trim() !== method) {
      return mismatch(`Mcp-Method '${headerMethod ?? "(missing)"}' does not match body method '${method}'`);
    }
    const nameParam = NAME_PARAM.get(method) ?? this.http.engine.extensions.method(method)?.method.nameParam;
    if (!nameParam) return undefined;
    const raw = headers.get("mcp-name");
    const decoded = raw === null ? undefined : decodeHeaderValue(raw);
    if (decoded === undefined || decoded !== exchange.params[nameParam]) {
      return mismatch(`Mcp-Name '${raw ?? "(missing)"}' does not match body ${nameParam}`);
    }
    return undefined;
  }

  checkCall(exchange: RequestExchange): MaybePromise<McpError | undefined> {
    if (exchange.facts.method !== "tools/call" || typeof exchange.params.name !== "string") return undefined;
    let tool: MaybePromise<ToolComponent>;
    try {
      tool = this.http.engine.tools.resolve(exchange);
    } catch {
      // An unknown tool is the call's own error, answered as such.
      return undefined;
    }
    if (tool instanceof Promise) return tool.then((t) => this.#mirrored(t, exchange.params), () => undefined);
    return this.#mirrored(tool, exchange.params);
  }

  #mirrored(tool: ToolComponent, params: JsonObject): McpError | undefined {
    let mirrored = mirroredCache.get(tool);
    if (!mirrored) {
      mirrored = mirroredParams(tool.listing.inputSchema);
      mirroredCache.set(tool, mirrored);
    }
    if (mirrored.size === 0) return undefined;
    const problem = checkMirroredParams(
      this.httpRequest.headers,
      mirrored,
      (params.arguments ?? {}) as JsonObject,
    );
    return problem === undefined ? undefined : new McpError(ErrorCode.HeaderMismatch, problem);
  }
}

/**
 * Serves one 2026-07-28 POST whose body is a single request or notification; `headerVersion` is
 * its `MCP-Protocol-Version` header.
 */
export function handleModernPost(
  http: ModernHttp,
  req: Request,
  message: Message,
  headerVersion: string | null,
): Response | Promise<Response> {
  const peer = new ModernPeer(req, headerVersion, http);
  const receipt = receive(http.engine, message, peer);
  switch (receipt.kind) {
    case "refused":
      return jsonResponse(receipt.response, refusedStatus(receipt.response));
    case "accepted":
      return new Response(null, { status: 202 });
    case "listen": {
      const { exchange, approved } = receipt;
      const open = (refused: JsonRpcResponse | undefined) =>
        refused
          ? jsonResponse(refused, modernStatus(refused))
          : listen(http, exchange.facts.requestId, exchange.params);
      return approved instanceof Promise ? approved.then(open) : open(approved);
    }
    case "request": {
      const { exchange, response } = receipt;
      http.active++;
      return peer.responder!.finish(
        response instanceof Promise
          ? response.then((r) => settle(http, exchange, r))
          : settle(http, exchange, response),
      );
    }
  }
}

function settle(http: ModernHttp, exchange: RequestExchange, response: JsonRpcResponse): JsonRpcResponse {
  http.active--;
  exchange.dispose();
  return response;
}

function listen(http: ModernHttp, id: RequestId, params: JsonObject): Response {
  const { engine } = http;
  let remove: (() => void) | undefined;
  const connection = new SseConnection(http.connections, undefined, () => remove?.());
  const opened = openSubscription(
    engine.listen,
    engine.capabilities,
    engine.limits,
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
