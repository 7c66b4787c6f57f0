/**
 * Checks every HTTP request passes before its body is decoded: Host/Origin allow-lists
 * (DNS-rebinding protection), content type, Accept, and the body size limit.
 *
 * @module
 */

import { readAtMost } from "../../protocol/bytes.ts";
import { ErrorCode, type JsonRpcResponse, type RequestId } from "../../protocol/jsonrpc.ts";
import { LOOPBACK_HOSTS } from "../../protocol/loopback.ts";

/** Host/Origin policy. */
export interface HostPolicy {
  /** Allowed `Host` header values (hostname, or hostname:port); undefined allows any. */
  allowedHosts?: string[];
  /** `Origin` values (scheme://host[:port]) allowed besides the request's own and loopback ones. */
  allowedOrigins?: string[];
}

/** True when a bind address is loopback-only. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname) || hostname.startsWith("127.");
}

/** The policy used when bound to loopback: loopback names with any port, from any loopback origin. */
export function loopbackPolicy(): HostPolicy {
  return {
    allowedHosts: [...LOOPBACK_HOSTS],
    allowedOrigins: LOOPBACK_HOSTS.flatMap((h) => [`http://${h}`, `https://${h}`]),
  };
}

function hostMatches(value: string, allowed: string[]): boolean {
  const bare = value.replace(/:\d+$/, "");
  return allowed.some((entry) => entry === value || entry === bare);
}

function originMatches(origin: string, allowed: string[]): boolean {
  const bare = origin.replace(/:\d+$/, "");
  return allowed.some((entry) => entry === origin || entry === bare);
}

/** True for an origin on the loopback interface (any scheme and port). */
function isLoopbackOrigin(origin: string): boolean {
  const host = hostOfOrigin(origin);
  return host !== undefined && isLoopback(host.replace(/:\d+$/, ""));
}

/** The `host[:port]` of an origin, or undefined for an opaque one (`null`). */
function hostOfOrigin(origin: string): string | undefined {
  const scheme = origin.indexOf("://");
  return scheme === -1 ? undefined : origin.slice(scheme + 3);
}

/**
 * A rejection, or undefined when the request passes. `Host` is checked against the policy's list
 * when it has one. `Origin`, when `checkOrigin` and present, must be the request's own (its host is
 * the `Host` header: a TLS-terminating proxy changes the scheme, not the host), a loopback origin,
 * or in the policy's list (the transport spec: servers MUST validate Origin, on any bind).
 */
export function checkHost(
  req: Request,
  policy: HostPolicy | undefined,
  checkOrigin: boolean,
): Response | undefined {
  // Header reads cost: Host is read only when a list or an Origin needs it.
  const origin = checkOrigin ? req.headers.get("origin") : null;
  if (!policy?.allowedHosts && origin === null) return undefined;
  const host = req.headers.get("host");
  if (policy?.allowedHosts && (!host || !hostMatches(host.toLowerCase(), policy.allowedHosts))) {
    return jsonError(403, null, ErrorCode.InvalidRequest, `Forbidden: host '${host ?? ""}' is not allowed`);
  }
  if (origin === null) return undefined;
  const lower = origin.toLowerCase();
  if (host !== null && hostOfOrigin(lower) === host.toLowerCase()) return undefined;
  if (isLoopbackOrigin(lower)) return undefined;
  if (policy?.allowedOrigins && originMatches(lower, policy.allowedOrigins)) return undefined;
  return jsonError(403, null, ErrorCode.InvalidRequest, `Forbidden: origin '${origin}' is not allowed`);
}

/** True when the media type of a Content-Type header is application/json. */
export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const semi = value.indexOf(";");
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase() === "application/json";
}

/** True when an Accept header lists `type` (or a matching wildcard). */
export function accepts(header: string | null, type: string): boolean {
  if (!header) return false;
  if (header.includes(type)) return true;
  return header.includes("*/*") || header.includes(type.split("/")[0] + "/*");
}

/**
 * Reads the body as text within `limit` bytes and `timeoutMs`: a Response instead when it is
 * larger (413), slower (408), or the client gave up sending it (400; nothing is logged, it is
 * the client's doing).
 */
export function readBody(
  req: Request,
  limit: number,
  timeoutMs: number,
): Promise<string | Response> | Response {
  const declared = req.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= limit)) {
    req.body?.cancel().catch(() => {});
    return tooLarge(limit);
  }
  const reading = declared !== null ? req.text() : readStreamedBody(req, limit);
  return within(reading, req, timeoutMs);
}

/** Microtask turns in which a body already received has been read (two, measured; four to spare). */
const READ_TURNS = 4;

/**
 * The body, or 408 once `timeoutMs` have passed. A timer per request costs more than decoding it,
 * and a body that has already arrived is read within a few microtask turns: only one still on
 * the wire gets a timer.
 */
async function within(
  reading: Promise<string | Response>,
  req: Request,
  timeoutMs: number,
): Promise<string | Response> {
  let outcome: string | Response | undefined;
  const settled = reading.then((text) => (outcome = text), () => (outcome = unreadable()));
  for (let turn = 0; turn < READ_TURNS && outcome === undefined; turn++) await null;
  if (outcome !== undefined) return outcome;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Response>((resolve) => {
    timer = setTimeout(() => {
      req.body?.cancel().catch(() => {});
      resolve(jsonError(
        408,
        null,
        ErrorCode.InvalidRequest,
        `Request Timeout: the body did not arrive within ${timeoutMs} ms (limits.bodyReadTimeoutMs)`,
        undefined,
        { connection: "close" },
      ));
    }, timeoutMs);
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

function unreadable(): Response {
  return jsonError(400, null, ErrorCode.InvalidRequest, "Bad Request: the request body could not be read");
}

function tooLarge(limit: number): Response {
  return jsonError(
    413,
    null,
    ErrorCode.InvalidRequest,
    `Request body exceeds ${limit} bytes (limits.maxBodyBytes)`,
  );
}

/** Bodies without Content-Length are counted as they arrive and cut off at the limit. */
async function readStreamedBody(req: Request, limit: number): Promise<string | Response> {
  if (!req.body) return "";
  const bytes = await readAtMost(req.body, limit);
  return bytes ? new TextDecoder().decode(bytes) : tooLarge(limit);
}

const JSON_HEADERS = { "content-type": "application/json" };

/** A JSON response holding a JSON-RPC message. */
export function jsonResponse(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS,
  });
}

/** A JSON-RPC error in an HTTP response with `status`. */
export function jsonError(
  status: number,
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
  headers?: Record<string, string>,
): Response {
  const error: JsonRpcResponse["error"] = data === undefined ? { code, message } : { code, message, data };
  return jsonResponse({ jsonrpc: "2.0", id, error }, status, headers);
}
