/**
 * Free ports, in a module of its own: bench/lib/server.ts installs signal handlers when imported,
 * which a benchmark server (a proxy with an upstream child to stop first) must not inherit.
 *
 * @module
 */

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
