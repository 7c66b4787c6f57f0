/**
 * Checks every HTTP request passes before its body is decoded: Host/Origin allow-lists
 * (DNS-rebinding protection), content type, Accept, and the body size limit.
 *
 * @module
 */

import { ErrorCode, type JsonRpcResponse, type RequestId } from "../../protocol/jsonrpc.ts";

/** Host/Origin policy. */
export interface HostPolicy {
  /** Allowed `Host` header values (hostname, or hostname:port); undefined allows any. */
  allowedHosts?: string[];
  /** Allowed `Origin` values (scheme://host[:port]); undefined allows any. */
  allowedOrigins?: string[];
}

/** Hostnames of the loopback interface. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]", "::1"];

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

/** A rejection, or undefined when the request passes the Host/Origin policy. */
export function checkHost(req: Request, policy: HostPolicy | undefined): Response | undefined {
  if (!policy) return undefined;
  const host = req.headers.get("host");
  if (policy.allowedHosts && (!host || !hostMatches(host.toLowerCase(), policy.allowedHosts))) {
    return jsonError(403, null, ErrorCode.InvalidRequest, `Forbidden: host '${host ?? ""}' is not allowed`);
  }
  const origin = req.headers.get("origin");
  if (origin && policy.allowedOrigins && !originMatches(origin.toLowerCase(), policy.allowedOrigins)) {
    return jsonError(403, null, ErrorCode.InvalidRequest, `Forbidden: origin '${origin}' is not allowed`);
  }
  return undefined;
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

/** Reads the body as text within `limit` bytes; a Response (413) when it is larger. */
export function readBody(req: Request, limit: number): Promise<string | Response> | Response {
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) <= limit) return req.text();
    req.body?.cancel().catch(() => {});
    return tooLarge(limit);
  }
  return readStreamedBody(req, limit);
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
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return tooLarge(limit);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
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
