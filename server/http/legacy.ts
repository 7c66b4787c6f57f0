/**
 * The 2025-era (stateful) side of the HTTP endpoint: `initialize` and sessions, POSTed
 * requests answered as JSON or SSE, the GET stream for unsolicited messages, resumption with
 * `Last-Event-ID`, and DELETE.
 *
 * @module
 */

import { ErrorCode, type JsonRpcResponse, type RequestId } from "../../protocol/jsonrpc.ts";
import type { Decoded, Message } from "../../protocol/message.ts";
import {
  DEFAULT_LEGACY_HTTP_VERSION,
  isModernVersion,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  supportsSsePolling,
} from "../../protocol/versions.ts";
import type { Channel, Exchange, RequestExchange } from "../engine/exchange.ts";
import { type Peer, receive } from "../engine/receive.ts";
import type { ServerCore } from "../engine/server_core.ts";
import { McpError } from "../errors.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import type { Session } from "../sessions/session.ts";
import { accepts, jsonError, jsonResponse } from "./guards.ts";
import { Responder, type ResponderOptions } from "./responder.ts";
import { accessTokenOf } from "./bearer.ts";
import { type AccessToken, principalKey } from "../../auth/access_token.ts";
import { type ConnectionRegistry, parseEventId, SseConnection } from "./sse_stream.ts";
import { sessionHeaders, stateOf } from "./session_streams.ts";
import { LEGACY_STATUS } from "./status.ts";

/** Transport state the legacy path needs. */
export interface LegacyHttp {
  readonly engine: ServerCore;
  readonly connections: ConnectionRegistry;
  /** Requests being served (for `stats()`). */
  active: number;
  /** The HTTP status and headers of errors HTTP says more of (see `ResponderOptions`). */
  readonly refusalOf?: ResponderOptions["refusalOf"];
  /** Serve 2025 requests without sessions (no `Mcp-Session-Id`, no GET stream). */
  readonly stateless: boolean;
}

type Found = Session | Response | undefined;

/**
 * Finds the session of a request, or the error response for a missing or unknown one.
 * Synchronous when the session is held here; a shared store may need a read.
 */
function lookupSession(http: LegacyHttp, req: Request, id: RequestId | null): Found | Promise<Found> {
  const sessionId = req.headers.get("mcp-session-id");
  if (sessionId === null) {
    if (http.stateless) return undefined;
    return jsonError(400, id, ErrorCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required");
  }
  const notFound = () => jsonError(404, id, ErrorCode.InvalidRequest, "Session not found");
  // Bound to its principal: presented by anyone else, the session does not exist (no oracle).
  const token = accessTokenOf(req);
  const principal = token && principalKey(token);
  const mine = (s: Session | undefined) => s && s.principal === principal ? s : notFound();
  const session = http.engine.sessions.get(sessionId);
  return session instanceof Promise ? session.then(mine) : mine(session);
}

/** Runs `then` with the request's session once it is known, or answers the lookup's error. */
function withSession(
  http: LegacyHttp,
  req: Request,
  id: RequestId | null,
  then: (session: Session | undefined) => Response | Promise<Response>,
): Response | Promise<Response> {
  const found = lookupSession(http, req, id);
  const go = (f: Found) => (f instanceof Response ? f : then(f));
  return found instanceof Promise ? found.then(go) : go(found);
}

function checkVersionHeader(version: string | null, id: RequestId | null): Response | undefined {
  if (version === null || LEGACY_PROTOCOL_VERSIONS.includes(version.trim())) return undefined;
  return jsonError(
    400,
    id,
    ErrorCode.InvalidRequest,
    `Bad Request: Unsupported protocol version: ${version} (supported versions: ${
      LEGACY_PROTOCOL_VERSIONS.join(", ")
    }, ${MODERN_PROTOCOL_VERSIONS.join(", ")})`,
  );
}

/** One 2025 POST (or batch entry) as `receive()` sees it. */
class LegacyPeer implements Peer {
  readonly transport = "http";
  readonly modern = false;
  readonly fallbackVersion: string;
  responder?: Responder;
  /** The session `initialize` opened. */
  opened?: Session;
  /** True when `initialize` found the session limit reached. */
  full = false;

  constructor(
    private readonly http: LegacyHttp,
    readonly httpRequest: Request,
    readonly headerVersion: string | null,
    readonly session: Session | undefined,
    private readonly batched = false,
  ) {
    this.fallbackVersion = headerVersion ?? DEFAULT_LEGACY_HTTP_VERSION;
  }

  get inflight(): Map<string | number, { abort(reason?: unknown): void }> | undefined {
    return this.session?.inflight;
  }

  get accessToken(): AccessToken | undefined {
    return accessTokenOf(this.httpRequest);
  }

  channel(_exchange: RequestExchange): Channel {
    const session = this.session;
    // Messages a batched request sends before its answer go to the session's GET stream.
    if (this.batched) return { send: (m) => void session?.unsolicited?.(m), open: () => undefined };
    return this.responder = new Responder({
      registry: this.http.connections,
      headers: sessionHeaders(session),
      streams: session ? stateOf(session, this.http.engine.limits.eventStoreSize) : undefined,
      prime: supportsSsePolling(session?.protocolVersion ?? this.fallbackVersion),
      // 2025: a dropped connection is not a cancellation; the stream can be resumed.
      statusOf: () => 200,
      refusalOf: this.http.refusalOf,
      request: this.httpRequest,
    });
  }

  checkCall(exchange: RequestExchange): McpError | undefined {
    if (exchange.facts.method !== "initialize" || !isModernVersion(this.headerVersion)) return undefined;
    return new McpError(
      ErrorCode.HeaderMismatch,
      `Header mismatch: initialize is not part of protocol version ${this.headerVersion}`,
    );
  }

  openSession(exchange: Exchange): MaybePromise<Session | undefined | "full"> {
    const { http } = this;
    if (http.stateless) return undefined;
    const session = http.engine.sessions.create(exchange.facts.protocolVersion);
    if (!session) {
      this.full = true;
      return "full";
    }
    session.clientInfo = exchange.facts.clientInfo;
    session.clientCapabilities = exchange.facts.clientCapabilities;
    const token = this.accessToken;
    if (token) session.principal = principalKey(token);
    stateOf(session, http.engine.limits.eventStoreSize);
    this.opened = session;
    return http.engine.sessions.save(session).then(() => session);
  }
}

/** Serves a 2025-era POST of one message; `headerVersion` is its `MCP-Protocol-Version` header. */
export function handleLegacyPost(
  http: LegacyHttp,
  req: Request,
  message: Message,
  headerVersion: string | null,
): Response | Promise<Response> {
  if (message.kind === "request" && message.method === "initialize") {
    return initialize(http, req, message, headerVersion);
  }
  const id = message.kind === "request" ? message.id : null;
  const versionError = checkVersionHeader(headerVersion, id);
  if (versionError) return versionError;
  return withSession(http, req, id, (session) => postWithSession(http, req, message, headerVersion, session));
}

function postWithSession(
  http: LegacyHttp,
  req: Request,
  message: Message,
  headerVersion: string | null,
  session: Session | undefined,
): Response | Promise<Response> {
  if (session && message.kind === "request") {
    const tooMany = checkStreams(http, session, message.id);
    if (tooMany) return tooMany;
  }
  const peer = new LegacyPeer(http, req, headerVersion, session);
  const receipt = receive(http.engine, message, peer);
  switch (receipt.kind) {
    case "accepted": {
      const accepted = () => new Response(null, { status: 202, headers: sessionHeaders(session) });
      // A change to a shared session (initialized) lands before the client moves on to another instance.
      return receipt.pending ? receipt.pending.then(accepted, accepted) : accepted();
    }
    case "refused":
      return jsonResponse(receipt.response, 400, sessionHeaders(session));
    case "listen":
      return jsonError(400, receipt.exchange.facts.requestId, ErrorCode.InvalidRequest, "Invalid Request");
    case "request": {
      const { exchange, response } = receipt;
      if (session) session.inflight.set(exchange.facts.requestId, exchange);
      http.active++;
      return peer.responder!.finish(
        response instanceof Promise
          ? response.then((r) => settle(http, exchange, r))
          : settle(http, exchange, response),
      );
    }
  }
}

async function initialize(
  http: LegacyHttp,
  req: Request,
  message: Extract<Message, { kind: "request" }>,
  headerVersion: string | null,
): Promise<Response> {
  const peer = new LegacyPeer(http, req, headerVersion, undefined, true);
  const receipt = receive(http.engine, message, peer);
  if (receipt.kind !== "request") {
    return jsonResponse((receipt as { response?: JsonRpcResponse }).response, 400);
  }
  const response = await receipt.response;
  receipt.exchange.dispose();
  if (peer.full) {
    // When the table frees up is known: the next idle or half-open expiry, not a guess.
    const retryAfter = String(http.engine.sessions.retryAfterSeconds());
    return jsonResponse(response, 503, { "retry-after": retryAfter });
  }
  const code = response.error?.code;
  const status = code === undefined ? 200 : LEGACY_STATUS[code] ?? 200;
  return jsonResponse(response, status, sessionHeaders(peer.opened));
}

function settle(
  http: LegacyHttp,
  exchange: RequestExchange,
  response: JsonRpcResponse,
): JsonRpcResponse | undefined {
  http.active--;
  exchange.session?.inflight.delete(exchange.facts.requestId);
  exchange.dispose();
  // A cancelled request gets no response (2025-11-25 cancellation §"Behavior").
  return exchange.aborted ? undefined : response;
}

/** Serves a 2025-03-26 batch: every entry decoded by the one decoder, answered in one JSON array. */
export async function handleLegacyBatch(
  http: LegacyHttp,
  req: Request,
  batch: Decoded[],
  headerVersion: string | null,
): Promise<Response> {
  if (batch.length === 0) {
    return jsonError(400, null, ErrorCode.InvalidRequest, "Invalid Request: empty batch");
  }
  if (batch.length > http.engine.limits.maxBatchSize) {
    return jsonError(
      400,
      null,
      ErrorCode.InvalidRequest,
      `Invalid Request: batch of ${batch.length} exceeds limits.maxBatchSize (${http.engine.limits.maxBatchSize})`,
    );
  }
  const invalid = batch.find((m) => m.kind === "invalid");
  if (invalid) {
    return jsonError(
      400,
      null,
      ErrorCode.InvalidRequest,
      `Invalid Request: every batch entry must be a JSON-RPC 2.0 message (${invalid.message})`,
    );
  }
  const messages = batch as Message[];
  if (messages.some((m) => m.kind === "request" && m.method === "initialize")) {
    return jsonError(400, null, ErrorCode.InvalidRequest, "Invalid Request: initialize cannot be batched");
  }
  const versionError = checkVersionHeader(headerVersion, null);
  if (versionError) return versionError;
  const found = await lookupSession(http, req, null);
  if (found instanceof Response) return found;
  const session = found;
  const responses: JsonRpcResponse[] = [];
  await Promise.all(messages.map(async (message) => {
    const receipt = receive(http.engine, message, new LegacyPeer(http, req, headerVersion, session, true));
    if (receipt.kind === "accepted") return await receipt.pending;
    if (receipt.kind === "refused") return void responses.push(receipt.response);
    if (receipt.kind === "request") {
      responses.push(await receipt.response);
      receipt.exchange.dispose();
    }
  }));
  if (responses.length === 0) return new Response(null, { status: 202, headers: sessionHeaders(session) });
  return jsonResponse(responses, 200, sessionHeaders(session));
}

/** GET and DELETE on a stateless server: there is no session to stream to or end. */
function statelessRefusal(): Response {
  return jsonError(
    405,
    null,
    ErrorCode.InvalidRequest,
    "Method Not Allowed: this server is stateless",
    undefined,
    {
      allow: "POST",
    },
  );
}

/** Serves a 2025-era GET: the standalone stream, or resumption of any stream. */
export function handleLegacyGet(http: LegacyHttp, req: Request): Response | Promise<Response> {
  if (http.stateless) {
    return statelessRefusal();
  }
  if (!accepts(req.headers.get("accept"), "text/event-stream")) {
    return jsonError(
      406,
      null,
      ErrorCode.InvalidRequest,
      "Not Acceptable: GET requires Accept: text/event-stream",
    );
  }
  return withSession(http, req, null, (session) => openStream(http, req, session!));
}

/**
 * 429 when the session holds `maxStreamsPerSession` open streams already: a request may become
 * one more (its answer streams), and so may a GET.
 */
function checkStreams(http: LegacyHttp, session: Session, id: RequestId | null): Response | undefined {
  const limit = http.engine.limits.maxStreamsPerSession;
  if (stateOf(session, http.engine.limits.eventStoreSize).openConnections() < limit) return undefined;
  return jsonError(
    429,
    id,
    ErrorCode.InvalidRequest,
    `Too many open streams for this session (limits.maxStreamsPerSession = ${limit})`,
    undefined,
    sessionHeaders(session),
  );
}

function openStream(http: LegacyHttp, req: Request, session: Session): Response {
  const state = stateOf(session, http.engine.limits.eventStoreSize);
  const tooMany = checkStreams(http, session, null);
  if (tooMany) return tooMany;
  const lastEventId = req.headers.get("last-event-id");
  const headers = sessionHeaders(session);
  if (lastEventId !== null) {
    const parsed = parseEventId(lastEventId);
    const stream = parsed ? state.streams.get(parsed.streamId) : undefined;
    if (!parsed || !stream) {
      return jsonError(
        400,
        null,
        ErrorCode.InvalidRequest,
        `Bad Request: unknown Last-Event-ID '${lastEventId}'`,
      );
    }
    if (stream.connection) {
      return jsonError(409, null, ErrorCode.InvalidRequest, "Conflict: that stream is already connected");
    }
    const connection = new SseConnection(http.connections, headers);
    stream.attach(connection, parsed.seq);
    return connection.response;
  }
  const standalone = state.standalone;
  if (standalone.connection) {
    return jsonError(
      409,
      null,
      ErrorCode.InvalidRequest,
      "Conflict: only one GET stream is allowed per session",
    );
  }
  const connection = new SseConnection(http.connections, headers);
  if (supportsSsePolling(session.protocolVersion)) standalone.prime(connection);
  standalone.attach(connection, Number.MAX_SAFE_INTEGER);
  return connection.response;
}

/** Serves DELETE: ends the session, here and in the shared store. */
export function handleLegacyDelete(http: LegacyHttp, req: Request): Response | Promise<Response> {
  if (http.stateless) {
    return statelessRefusal();
  }
  return withSession(http, req, null, async (session) => {
    await http.engine.sessions.delete(session!.id);
    return new Response(null, { status: 200 });
  });
}
