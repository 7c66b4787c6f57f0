/**
 * The HTTP entry point: `Request → Response` for the MCP endpoint. Guards run first (path,
 * Host/Origin, method, content type, Accept, body size), then the body decides the era:
 * a request whose `_meta` claims a protocol version, or whose header names 2026-07-28, is
 * stateless; everything else is the 2025 session protocol.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/jsonrpc.ts";
import { type Decoded, type Message, parseMessage } from "../../protocol/message.ts";
import { claimsModern, isModernVersion } from "../../protocol/versions.ts";
import { isModernMessage } from "../engine/receive.ts";
import type { ServerCore } from "../engine/server_core.ts";
import { errorMessage } from "../errors.ts";
import { accepts, checkHost, type HostPolicy, isJsonContentType, jsonError, readBody } from "./guards.ts";
import {
  handleLegacyBatch,
  handleLegacyDelete,
  handleLegacyGet,
  handleLegacyPost,
  type LegacyHttp,
} from "./legacy.ts";
import { handleModernPost, type ModernHttp } from "./modern.ts";
import { pathOf, type RouteTable } from "./routes.ts";
import { accessTokenOf, authenticate, authenticatedNow, scopeChallenge } from "./bearer.ts";
import { recordClientAddress } from "./client_address.ts";

/** 429 with `Retry-After` in whole seconds (RFC 9110), from a rate limit's `data.retryAfterMs`. */
function rateLimited(data: unknown): { status: number; headers: Record<string, string> } {
  const ms = (data as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  const seconds = typeof ms === "number" && Number.isFinite(ms) ? Math.max(1, Math.ceil(ms / 1000)) : 1;
  return { status: 429, headers: { "retry-after": String(seconds) } };
}
import type { ResponderOptions } from "./responder.ts";
import type { ServerAuth } from "../../auth/remote_provider.ts";
import { releaseSession } from "./session_streams.ts";
import { ConnectionRegistry } from "./sse_stream.ts";

/** HTTP options of a server. */
export interface HttpOptions {
  /** Path of the MCP endpoint. Default `/mcp`; `"*"` serves every path not taken by a custom route. */
  path?: string;
  /**
   * Allowed Host header values; set to enable the Host check on a public bind address (`serve()`
   * warns at start-up when none is set there). On a loopback bind only loopback names pass.
   */
  allowedHosts?: string[];
  /**
   * Origin values allowed besides the request's own origin and loopback origins; any other
   * `Origin` gets 403, on every bind address.
   */
  allowedOrigins?: string[];
  /**
   * DNS-rebinding and cross-origin protection: the Origin check (always) and the Host check (on a
   * loopback bind, or with `allowedHosts`). Default true; false turns both off.
   */
  dnsRebindingProtection?: boolean;
  /** Serve 2025-era clients without sessions (no `Mcp-Session-Id`, no GET stream). Default false. */
  stateless?: boolean;
  /**
   * Let `serve()` bind a public (non-loopback) address without `auth`. Default false: an
   * unauthenticated server on a public interface is refused at start-up (anyone who reaches it
   * could call every tool).
   */
  allowUnauthenticated?: boolean;
}

/** The HTTP side of one server: its route table, with the MCP endpoint first. */
export class HttpTransport implements LegacyHttp, ModernHttp {
  readonly connections: ConnectionRegistry = new ConnectionRegistry();
  /** Requests being served. */
  active = 0;
  readonly stateless: boolean;
  readonly #path: string;
  #policy?: HostPolicy;
  readonly #checkOrigin: boolean;

  /** Creates the transport for an engine and the server's routes; `auth` guards the MCP endpoint. */
  constructor(
    readonly engine: ServerCore,
    readonly options: HttpOptions,
    private readonly routes: RouteTable,
    readonly auth?: ServerAuth,
  ) {
    this.stateless = options.stateless ?? false;
    this.#path = options.path ?? "/mcp";
    this.#checkOrigin = options.dnsRebindingProtection !== false;
    if (options.dnsRebindingProtection !== false && (options.allowedHosts || options.allowedOrigins)) {
      this.#policy = { allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins };
    }
    engine.sessions.onClose(releaseSession);
  }

  /** @inheritdoc */
  readonly refusalOf: ResponderOptions["refusalOf"] = (response, request) => {
    const error = response.error!;
    if (error.code === ErrorCode.RateLimited) return rateLimited(error.data);
    if (error.code !== ErrorCode.Forbidden || !this.auth) return undefined;
    const refusal = scopeChallenge(this.auth, this.#path, response, accessTokenOf(request) === undefined);
    return refusal && { status: refusal.status, headers: { "www-authenticate": refusal.challenge } };
  };

  /** The path of the MCP endpoint. */
  get path(): string {
    return this.#path;
  }

  /** Adds the Host/Origin policy of a bind address to what the options gave (theirs win for hosts). */
  protect(policy: HostPolicy): void {
    if (this.options.dnsRebindingProtection === false) return;
    const given = this.#policy;
    this.#policy = {
      allowedHosts: given?.allowedHosts ?? policy.allowedHosts,
      allowedOrigins: [...given?.allowedOrigins ?? [], ...policy.allowedOrigins ?? []],
    };
  }

  /** True when the Host header is checked (a loopback bind, or `allowedHosts`). */
  get checksHost(): boolean {
    return this.#policy?.allowedHosts !== undefined;
  }

  /** Handles one HTTP request: the MCP endpoint, a custom route, or 404. */
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Response | Promise<Response> {
    if (info && this.engine.recordsClientAddresses) recordClientAddress(req, info.remoteAddr);
    // The store (sessions) and the lifespan are opened before the first request is looked at.
    // One that cannot open answers 503 naming the store; a later request tries again (at most once a second).
    if (!this.engine.started) {
      // Host/Origin first: a request the policy refuses learns nothing, not even the store's name.
      const refused = checkHost(req, this.#policy, this.#checkOrigin);
      if (refused) return refused;
      return this.engine.ready().then(
        () => this.fetch(req, info),
        (error) =>
          jsonError(503, null, ErrorCode.InternalError, errorMessage(error), undefined, {
            "retry-after": "1",
          }),
      );
    }
    const path = pathOf(req.url);
    if (path === this.#path) return this.#guarded(req);
    const rejected = checkHost(req, this.#policy, this.#checkOrigin);
    if (rejected) return rejected;
    const routed = this.routes.empty ? undefined : this.#route(req, path);
    if (routed) return routed;
    if (this.#path === "*") return this.#guarded(req);
    return new Response("Not Found", { status: 404 });
  }

  #route(req: Request, path: string): Response | Promise<Response> | undefined {
    const failed = (error: unknown) => {
      this.engine.log("error", `route ${req.method} ${path} failed: ${errorMessage(error)}`);
      return new Response("Internal Server Error", { status: 500 });
    };
    try {
      const out = this.routes.serve(req, path);
      return out instanceof Promise ? out.catch(failed) : out;
    } catch (error) {
      return failed(error);
    }
  }

  /** The MCP endpoint, where a fault of ours is a JSON-RPC -32603 (logged), never Deno's text/plain 500. */
  #guarded(req: Request): Response | Promise<Response> {
    try {
      const out = this.#mcp(req);
      return out instanceof Promise ? out.catch((error) => this.#fault(error)) : out;
    } catch (error) {
      return this.#fault(error);
    }
  }

  #fault(error: unknown): Response {
    this.engine.log("error", `serving an MCP request failed: ${errorMessage(error)}`);
    return jsonError(500, null, ErrorCode.InternalError, "Internal error");
  }

  #mcp(req: Request): Response | Promise<Response> {
    const rejected = checkHost(req, this.#policy, this.#checkOrigin);
    if (rejected) return rejected;
    if (this.engine.shutdownSignal.aborted) {
      return jsonError(503, null, ErrorCode.InternalError, "Server is shutting down", undefined, {
        connection: "close",
      });
    }
    const auth = this.auth;
    if (auth && !authenticatedNow(req, auth)) {
      return authenticate(req, auth, this.#path, (m) => this.engine.log("warning", m))
        .then((refused) => refused ?? this.#serve(req));
    }
    return this.#serve(req);
  }

  #serve(req: Request): Response | Promise<Response> {
    switch (req.method) {
      case "POST":
        return this.#post(req);
      case "GET":
        if (isModernVersion(req.headers.get("mcp-protocol-version"))) return methodNotAllowed("POST");
        return handleLegacyGet(this, req);
      case "DELETE":
        if (isModernVersion(req.headers.get("mcp-protocol-version"))) return methodNotAllowed("POST");
        return handleLegacyDelete(this, req);
      default:
        return methodNotAllowed(this.stateless ? "POST" : "GET, POST, DELETE");
    }
  }

  #post(req: Request): Response | Promise<Response> {
    if (!isJsonContentType(req.headers.get("content-type"))) {
      return jsonError(
        415,
        null,
        ErrorCode.InvalidRequest,
        "Unsupported Media Type: Content-Type must be application/json",
      );
    }
    const accept = req.headers.get("accept");
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      return jsonError(
        406,
        null,
        ErrorCode.InvalidRequest,
        "Not Acceptable: Accept must list application/json and text/event-stream",
      );
    }
    const { maxBodyBytes, bodyReadTimeoutMs } = this.engine.limits;
    const text = readBody(req, maxBodyBytes, bodyReadTimeoutMs);
    return text instanceof Promise ? text.then((t) => this.#decoded(req, t)) : this.#decoded(req, text);
  }

  #decoded(req: Request, text: string | Response): Response | Promise<Response> {
    if (text instanceof Response) return text;
    const decoded = parseMessage(text, this.engine.limits.maxMessageDepth);
    // Read once: classification, the version check and the envelope check all need it.
    const headerVersion = req.headers.get("mcp-protocol-version");
    if (Array.isArray(decoded)) {
      if (decoded.some((m) => m.kind !== "invalid" && m.kind !== "response" && claimsModern(m.params))) {
        return jsonError(
          400,
          null,
          ErrorCode.InvalidRequest,
          "Invalid Request: JSON-RPC batches may not contain requests for protocol revision 2026-07-28 or later",
        );
      }
      return handleLegacyBatch(this, req, decoded, headerVersion);
    }
    if (decoded.kind === "invalid") return invalidMessage(decoded);
    const message: Message = decoded;
    if (isModernMessage(message, headerVersion)) return handleModernPost(this, req, message, headerVersion);
    return handleLegacyPost(this, req, message, headerVersion);
  }

  /** Closes every open stream, so that `Deno.serve` can finish shutting down. */
  closeStreams(): void {
    this.connections.closeAll();
  }
}

/** The 400 of a message that does not decode. */
export function invalidMessage(decoded: Extract<Decoded, { kind: "invalid" }>): Response {
  return jsonError(400, decoded.id, decoded.code, decoded.message);
}

function methodNotAllowed(allow: string): Response {
  return jsonError(405, null, ErrorCode.InvalidRequest, "Method Not Allowed", undefined, { allow });
}
