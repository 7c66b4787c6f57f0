/**
 * Client addresses of HTTP requests, kept only when a middleware asked for them (a rate limit
 * keyed by address): a table entry per request costs the garbage collector work under load.
 *
 * @module
 */

const addresses = new WeakMap<Request, Deno.Addr>();

/** Remembers the address a request came from. */
export function recordClientAddress(req: Request, addr: Deno.Addr): void {
  addresses.set(req, addr);
}

/**
 * The address an HTTP request came from (`127.0.0.1`, `::1`, or `unix:<path>`), when the server
 * keeps them (see `MiddlewareHost.recordClientAddresses`) and the request came through
 * `serve()`, `run()` or a `deno serve` entry; undefined otherwise.
 *
 * @example
 * ```ts
 * import { clientAddressOf } from "@denomcp/denomcp";
 * console.log(clientAddressOf(new Request("http://localhost/mcp"))); // undefined
 * ```
 */
export function clientAddressOf(req: Request | undefined): string | undefined {
  const addr = req ? addresses.get(req) : undefined;
  if (!addr) return undefined;
  return addr.transport === "tcp" || addr.transport === "udp"
    ? addr.hostname
    : `unix:${"path" in addr ? addr.path : ""}`;
}
