/**
 * The HTTP entry point: `Request → Response` for the MCP endpoint. Guards run first (path,
 * Host/Origin, method, content type, Accept, body size), then the body decides the era:
 * a request whose `_meta` claims a protocol version, or whose header names 2026-07-28, is
 * stateless; everything else is the 2025 session protocol.
 *
 * @module
 */

import { ErrorCode, isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import { PROTOCOL_VERSION_KEY } from "../../protocol/meta_keys.ts";
import { MODERN_PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import type { Engine } from "../engine.ts";
import { accepts, checkHost, type HostPolicy, isJsonContentType, jsonError, readBody } from "./guards.ts";
import {
  handleLegacyDelete,
  handleLegacyGet,
  handleLegacyPost,
  type LegacyHttp,
  releaseSession,
} from "./legacy.ts";
import { handleModernPost, type ModernHttp } from "./modern.ts";
import { ConnectionRegistry } from "./sse_stream.ts";

/** HTTP options of a server. */
export interface HttpOptions {
  /** Path of the MCP endpoint. Default `/mcp`; `"*"` serves every path. */
  path?: string;
  /** Allowed Host header values; set to enable the Host check on any bind address. */
  allowedHosts?: string[];
  /** Allowed Origin values. */
  allowedOrigins?: string[];
  /**
   * DNS-rebinding protection (Host and Origin checks). Default: on when `serve()` binds a
   * loopback address, off otherwise unless `allowedHosts`/`allowedOrigins` are given.
   */
  dnsRebindingProtection?: boolean;
  /** Serve 2025-era clients without sessions (no `Mcp-Session-Id`, no GET stream). Default false. */
  stateless?: boolean;
}

/** The MCP HTTP transport of one server. */
export class HttpTransport implements LegacyHttp, ModernHttp {
  readonly connections: ConnectionRegistry = new ConnectionRegistry();
  /** Requests being served. */
  active = 0;
  readonly stateless: boolean;
  readonly #path: string;
  #policy?: HostPolicy;

  /** Creates the transport for an engine. */
  constructor(readonly engine: Engine, readonly options: HttpOptions) {
    this.stateless = options.stateless ?? false;
    this.#path = options.path ?? "/mcp";
    if (options.dnsRebindingProtection !== false && (options.allowedHosts || options.allowedOrigins)) {
      this.#policy = { allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins };
    }
    engine.sessions.onClose(releaseSession);
  }

  /** Installs the Host/Origin policy for a bind address, unless the options decided already. */
  protect(policy: HostPolicy | undefined): void {
    if (this.options.dnsRebindingProtection === false || this.#policy) return;
    this.#policy = policy;
  }

  /** Handles one HTTP request. */
  fetch(req: Request): Response | Promise<Response> {
    // The store (sessions) and the lifespan are opened before the first request is looked at.
    if (!this.engine.started) return this.engine.ready().then(() => this.fetch(req));
    if (this.#path !== "*") {
      const url = req.url;
      const start = url.indexOf("/", url.indexOf("//") + 2);
      const end = url.indexOf("?", start);
      const path = end === -1 ? url.slice(start) : url.slice(start, end);
      if (path !== this.#path) return new Response("Not Found", { status: 404 });
    }
    const rejected = checkHost(req, this.#policy);
    if (rejected) return rejected;
    if (this.engine.shutdownSignal.aborted) {
      return jsonError(503, null, ErrorCode.InternalError, "Server is shutting down", undefined, {
        connection: "close",
      });
    }
    switch (req.method) {
      case "POST":
        return this.#post(req);
      case "GET":
        if (this.#isModernRequest(req)) return methodNotAllowed("POST");
        return handleLegacyGet(this, req);
      case "DELETE":
        if (this.#isModernRequest(req)) return methodNotAllowed("POST");
        return handleLegacyDelete(this, req);
      default:
        return methodNotAllowed(this.stateless ? "POST" : "GET, POST, DELETE");
    }
  }

  #isModernRequest(req: Request): boolean {
    const version = req.headers.get("mcp-protocol-version");
    return version !== null && MODERN_PROTOCOL_VERSIONS.includes(version.trim());
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
    const text = readBody(req, this.engine.limits.maxBodyBytes);
    return text instanceof Promise ? text.then((t) => this.#decoded(req, t)) : this.#decoded(req, text);
  }

  #decoded(req: Request, text: string | Response): Response | Promise<Response> {
    if (text instanceof Response) return text;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return jsonError(400, null, ErrorCode.ParseError, "Parse error: the body is not valid JSON");
    }
    if (Array.isArray(body)) {
      if (body.some((m) => isObject(m) && isModernClaim(m))) {
        return jsonError(
          400,
          null,
          ErrorCode.InvalidRequest,
          "Invalid Request: JSON-RPC batches may not contain requests for protocol revision 2026-07-28 or later",
        );
      }
      return handleLegacyPost(this, req, body);
    }
    if (!isObject(body) || body.jsonrpc !== "2.0") {
      return jsonError(
        400,
        null,
        ErrorCode.InvalidRequest,
        "Invalid Request: expected a JSON-RPC 2.0 message",
      );
    }
    const id = body.id;
    if (id !== undefined && typeof id !== "string" && (typeof id !== "number" || !Number.isInteger(id))) {
      return jsonError(
        400,
        null,
        ErrorCode.InvalidRequest,
        "Invalid Request: id must be a string or an integer",
      );
    }
    const isResponseMessage = body.method === undefined && ("result" in body || "error" in body);
    if (!isResponseMessage && typeof body.method !== "string") {
      return jsonError(400, id ?? null, ErrorCode.InvalidRequest, "Invalid Request: method must be a string");
    }
    if (body.params !== undefined && !isObject(body.params)) {
      return jsonError(
        400,
        id ?? null,
        ErrorCode.InvalidRequest,
        "Invalid Request: params must be an object",
      );
    }
    if (!isResponseMessage && (isModernClaim(body) || this.#isModernRequest(req))) {
      if (body.method === "initialize" && !isModernClaim(body)) {
        return handleLegacyPost(this, req, body);
      }
      return handleModernPost(this, req, body);
    }
    return handleLegacyPost(this, req, body);
  }

  /** Closes every open stream, so that `Deno.serve` can finish shutting down. */
  closeStreams(): void {
    this.connections.closeAll();
  }
}

function isModernClaim(msg: JsonObject): boolean {
  const meta = (msg.params as JsonObject | undefined)?._meta;
  return isObject(meta) && PROTOCOL_VERSION_KEY in meta;
}

function methodNotAllowed(allow: string): Response {
  return jsonError(405, null, ErrorCode.InvalidRequest, "Method Not Allowed", undefined, { allow });
}
