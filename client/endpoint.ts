/**
 * The transport an endpoint calls for: Streamable HTTP (with the credentials the options carry),
 * legacy HTTP+SSE, stdio, or a server's own `fetch` in memory.
 *
 * @module
 */

import { Http1Client } from "./engine/http1.ts";
import { StreamableHttp } from "./engine/streamable_http.ts";
import { LegacySse } from "./engine/legacy_sse.ts";
import { type StdioParams, StdioTransport } from "./engine/stdio.ts";
import type { ClientTransport } from "./engine/transport.ts";
import { OAuth } from "./oauth.ts";
import type { ClientOptions, FetchHandler } from "./types.ts";

/** Where one server lives, once the target is resolved. */
export type Endpoint =
  | { kind: "http"; url: URL; headers?: Record<string, string>; sse: "auto" | "only" }
  | { kind: "stdio"; params: StdioParams }
  | { kind: "memory"; server: FetchHandler };

/** The URL an in-memory server is addressed with; no socket is opened. */
export const IN_MEMORY_URL = "http://localhost/mcp";

/** The endpoint's own transport (Streamable HTTP for a URL). */
export function openTransport(endpoint: Endpoint, options: ClientOptions, label: string): ClientTransport {
  switch (endpoint.kind) {
    case "stdio":
      return new StdioTransport(endpoint.params);
    case "memory": {
      const server = endpoint.server;
      return new StreamableHttp({
        url: new URL(IN_MEMORY_URL),
        fetch: async (url, init) => await server.fetch(new Request(url, init)),
        label,
        kind: "memory",
      });
    }
    case "http": {
      // Our own keep-alive HTTP/1.1 unless the caller brought a fetch or a proxy is configured
      // (which `fetch` honours).
      const pool = options.fetch || proxyConfigured() ? undefined : new Http1Client();
      return new StreamableHttp({
        url: endpoint.url,
        fetch: authorizedFetch(endpoint.url, options, pool?.fetch),
        // Without auth nothing wraps the pool's fetch, so POSTs can skip building a Response.
        answer: options.auth === undefined ? pool?.answer : undefined,
        headers: { ...options.headers, ...endpoint.headers },
        label,
        onClose: () => pool?.close(),
      });
    }
  }
}

/** True when an HTTP proxy may be configured (or the environment cannot be read to tell). */
function proxyConfigured(): boolean {
  try {
    return ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]
      .some((name) => Deno.env.get(name));
  } catch {
    return true;
  }
}

/** Legacy HTTP+SSE (2024-11-05) to an HTTP endpoint. */
export function sseTransport(
  endpoint: Extract<Endpoint, { kind: "http" }>,
  options: ClientOptions,
  label: string,
  timeoutMs: number,
): ClientTransport {
  return new LegacySse({
    url: endpoint.url,
    fetch: authorizedFetch(endpoint.url, options),
    headers: { ...options.headers, ...endpoint.headers },
    label,
    timeoutMs,
  });
}

/** The fetch for an HTTP endpoint: with the bearer token, or wrapped by the OAuth flow. */
function authorizedFetch(
  url: URL,
  options: ClientOptions,
  pooled?: NonNullable<ClientOptions["fetch"]>,
): NonNullable<ClientOptions["fetch"]> {
  const base = options.fetch ?? pooled ?? fetch;
  const auth = options.auth;
  if (auth instanceof OAuth) return auth.fetchFor(url, base);
  if (auth === undefined) return base;
  const token = typeof auth === "string" ? () => Promise.resolve(auth) : () => auth.token();
  return async (input, init) => {
    const value = await token();
    if (value === undefined) return await base(input, init);
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${value}`);
    return await base(input, { ...init, headers });
  };
}
