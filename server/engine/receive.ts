/**
 * `receive()`: one decoded message, any transport. It decides the era, reads the 2026 envelope,
 * builds the exchange and its facts, runs the transport's own checks, and hands requests to the
 * middleware and the method table, `initialize` and notifications included. Transports only
 * frame: they decode with `decodeMessage`, call this, and write what it answers.
 *
 * @module
 */

import { jsonBytes } from "../../protocol/size.ts";
import { type AccessToken, type Principal, principalOf } from "../../auth/access_token.ts";
import {
  ErrorCode,
  errorResponse,
  isObject,
  type JsonObject,
  type JsonRpcResponse,
} from "../../protocol/jsonrpc.ts";
import type { Message } from "../../protocol/message.ts";
import type { ClientCapabilities, Implementation } from "../../protocol/types.ts";
import { claimsModern, isModernVersion, negotiatedLegacyVersion } from "../../protocol/versions.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { McpError } from "../errors.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import type { Abortable, Session } from "../sessions/session.ts";
import { readEnvelope } from "./envelope.ts";
import { type Channel, type Exchange, progressTokenOf, RequestExchange } from "./exchange.ts";
import type { RequestFacts, TransportKind } from "./facts.ts";
import { handleNotification, requestContext, serveRequest } from "./serve_request.ts";
import type { ServerCore } from "./server_core.ts";

/** What the transport knows about where a message came from, and its own rules. */
export interface Peer {
  /** The transport. */
  readonly transport: TransportKind;
  /** The HTTP request, on HTTP. */
  readonly httpRequest?: Request;
  /** HTTP's `MCP-Protocol-Version` header (`null` when absent); undefined on other transports. */
  readonly headerVersion?: string | null;
  /** The 2025 session the message belongs to, if any. */
  readonly session?: Session;
  /** The verified bearer token the message came with (HTTP with `auth`). */
  readonly accessToken?: AccessToken;
  /** Requests in flight by id, for `notifications/cancelled`. */
  readonly inflight?: Map<string | number, Abortable>;
  /** The version of a 2025 request without a session. */
  readonly fallbackVersion: string;
  /** The era, when the transport has decided it already (HTTP frames the two apart). */
  readonly modern?: boolean;
  /** Where the messages of a request go (its response stream, or the connection). */
  channel?(exchange: RequestExchange): Channel;
  /** Checks before the method is looked at (HTTP: `Mcp-Method`, `Mcp-Name`; stdio: initialization and pinning). */
  checkRouting?(exchange: RequestExchange): McpError | undefined;
  /** Checks before the request runs (HTTP: mirrored tool headers, and `initialize` under a 2026 header). */
  checkCall?(exchange: RequestExchange): MaybePromise<McpError | undefined>;
  /**
   * Opens the session `initialize` asks for. `"full"` when no more may be opened, undefined when
   * the transport keeps none (stateless HTTP).
   */
  openSession?(exchange: Exchange): MaybePromise<Session | undefined | "full">;
}

/** What became of a message. */
export type Receipt =
  /** A request, running; `response` is its answer (never rejects). */
  | { kind: "request"; exchange: RequestExchange; response: MaybePromise<JsonRpcResponse> }
  /** Refused before anything ran (a malformed envelope, an unknown 2026 method). */
  | { kind: "refused"; response: JsonRpcResponse }
  /** A notification or a response, consumed; `pending` settles when its effects are saved. */
  | { kind: "accepted"; pending?: Promise<void> }
  /**
   * A `subscriptions/listen` request: the transport opens the stream once `approved` settles
   * with nothing (middleware may refuse with an error response instead).
   */
  | { kind: "listen"; exchange: RequestExchange; approved: MaybePromise<JsonRpcResponse | undefined> };

/**
 * The era a message travels on: 2026-07-28 when its `_meta` claims a version, or when the
 * transport's header names a 2026 version (except `initialize`, which only 2025 has).
 */
export function isModernMessage(message: Message, headerVersion?: string | null): boolean {
  if (message.kind === "response") return false;
  return claimsModern(message.params) || (message.method !== "initialize" && isModernVersion(headerVersion));
}

/** Receives one message. */
export function receive(core: ServerCore, message: Message, peer: Peer): Receipt {
  switch (message.kind) {
    case "response": {
      const session = peer.session;
      // The request it answers may have gone out from another isolate or instance.
      if (session && !session.resolve(message.response)) {
        return { kind: "accepted", pending: core.sessions.forwardResponse(session, message.response) };
      }
      return { kind: "accepted" };
    }
    case "notification":
      return notification(core, message.method, message.params, peer);
    case "request":
      return request(core, message, peer);
  }
}

function notification(core: ServerCore, method: string, params: JsonObject, peer: Peer): Receipt {
  // A transport that framed the message as 2026 (HTTP, by its header) holds it to the envelope too.
  const modern = peer.modern ?? claimsModern(params);
  if (modern) {
    try {
      readEnvelope(params, peer.headerVersion);
    } catch (error) {
      return { kind: "refused", response: refusal(null, error) };
    }
  }
  const session = peer.session;
  const handle = (p: JsonObject) => handleNotification(core, method, p, session, peer.inflight);
  if (core.pipeline.empty) {
    handle(params);
    return { kind: "accepted", pending: session?.pendingSave };
  }
  let ran: MaybePromise<unknown>;
  try {
    ran = core.pipeline.run({
      method,
      params,
      type: "notification",
      era: modern ? "modern" : "legacy",
      transport: peer.transport,
      sessionId: session?.id,
      timestamp: Date.now(),
    }, (c) => {
      handle(c.params);
      return undefined;
    });
  } catch (error) {
    ran = Promise.reject(error);
  }
  const failed = (error: unknown) => core.log("warning", `middleware failed on ${method}: ${error}`);
  if (!(ran instanceof Promise)) return { kind: "accepted", pending: session?.pendingSave };
  return { kind: "accepted", pending: ran.then(() => session?.pendingSave, failed) };
}

function request(core: ServerCore, message: Extract<Message, { kind: "request" }>, peer: Peer): Receipt {
  const { id, method, params } = message;
  const modern = peer.modern ?? isModernMessage(message, peer.headerVersion);
  let facts: RequestFacts;
  let session: Session | undefined;
  if (modern) {
    let envelope;
    try {
      envelope = readEnvelope(params, peer.headerVersion);
    } catch (error) {
      return { kind: "refused", response: refusal(id, error) };
    }
    facts = {
      era: "modern",
      protocolVersion: envelope.protocolVersion,
      requestId: id,
      method,
      transport: peer.transport,
      clientCapabilities: envelope.clientCapabilities,
      clientInfo: envelope.clientInfo,
      logLevel: envelope.logLevel,
      progressToken: progressTokenOf(params),
    };
  } else if (method === "initialize") {
    const tooLarge = checkRecordSize(params, core.limits.maxSessionRecordBytes);
    if (tooLarge) return { kind: "refused", response: refusal(id, tooLarge) };
    facts = {
      era: "legacy",
      protocolVersion: negotiatedLegacyVersion(params.protocolVersion),
      requestId: id,
      method,
      transport: peer.transport,
      clientCapabilities: (isObject(params.capabilities) ? params.capabilities : {}) as ClientCapabilities,
      clientInfo: isObject(params.clientInfo) ? params.clientInfo as unknown as Implementation : undefined,
    };
  } else {
    session = peer.session;
    facts = {
      era: "legacy",
      protocolVersion: session?.protocolVersion ?? peer.fallbackVersion,
      requestId: id,
      method,
      transport: peer.transport,
      clientCapabilities: session?.clientCapabilities ?? {},
      clientInfo: session?.clientInfo,
      sessionId: session?.id,
      logLevel: session?.logLevel,
      progressToken: progressTokenOf(params),
    };
  }
  const accessToken = peer.accessToken;
  if (accessToken) (facts as { principal?: Principal }).principal = principalOf(accessToken);
  const exchange = new RequestExchange(facts, params, session, peer.httpRequest, core.shutdownSignal);
  if (accessToken) exchange.accessToken = accessToken;
  const channel = peer.channel?.(exchange);
  if (channel) exchange.attach(channel);
  const routing = peer.checkRouting?.(exchange);
  if (routing) return { kind: "refused", response: refusal(id, routing) };
  if (modern && method === "subscriptions/listen") {
    return { kind: "listen", exchange, approved: approveListen(core, exchange) };
  }
  if (modern && !core.methods.has(method, "modern")) {
    const error = new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    return { kind: "refused", response: refusal(id, error) };
  }
  const run = method === "initialize" && !modern ? initialize(core, peer) : undefined;
  const checked = peer.checkCall?.(exchange);
  if (checked instanceof Promise) {
    const response = checked.then((error) => error ? refusal(id, error) : serveRequest(core, exchange, run));
    return { kind: "request", exchange, response };
  }
  return {
    kind: "request",
    exchange,
    response: checked ? refusal(id, checked) : serveRequest(core, exchange, run),
  };
}

/** What a session keeps of `initialize` must fit its byte budget: it is held for the session's life. */
function checkRecordSize(params: JsonObject, limit: number): McpError | undefined {
  const bytes = jsonBytes(params.clientInfo) + jsonBytes(params.capabilities);
  if (bytes <= limit) return undefined;
  return new McpError(
    ErrorCode.InvalidParams,
    `Invalid params: clientInfo and capabilities take ${bytes} bytes, over limits.maxSessionRecordBytes (${limit})`,
  );
}

function initialize(core: ServerCore, peer: Peer) {
  return (exchange: Exchange): MaybePromise<JsonObject> => {
    const result = core.methods.initializeResult(exchange.params.protocolVersion);
    const opened = peer.openSession?.(exchange);
    const answer = (session: Session | undefined | "full") => {
      if (session === "full") {
        throw new McpError(
          ErrorCode.InternalError,
          "Too many sessions (limits.maxSessions); try again later",
        );
      }
      return result;
    };
    return opened instanceof Promise ? opened.then(answer) : answer(opened);
  };
}

function approveListen(
  core: ServerCore,
  exchange: RequestExchange,
): MaybePromise<JsonRpcResponse | undefined> {
  if (core.pipeline.empty) return undefined;
  const context = requestContext(exchange, core);
  try {
    const ran = core.pipeline.run(context, () => ({}));
    if (!(ran instanceof Promise)) return undefined;
    return ran.then(() => undefined, (error) => refusal(exchange.facts.requestId, error));
  } catch (error) {
    return refusal(exchange.facts.requestId, error);
  }
}

function refusal(id: string | number | null, error: unknown): JsonRpcResponse {
  if (error instanceof ProtocolError) return { jsonrpc: "2.0", id, error: error.toJsonRpc() };
  return errorResponse(id, ErrorCode.InternalError, "Internal error");
}
