/**
 * Free ports, and waiting for a server to listen on one, in a module of its own:
 * bench/lib/server.ts installs signal handlers when imported, which a benchmark server (a proxy
 * with an upstream child to stop first) must not inherit.
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

/** Resolves once something accepts connections on `port`; throws if the server exits first. */
export async function waitListening(port: number, child: Deno.ChildProcess, ms = 60_000): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  child.status.then((s) => (exited = s));
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (exited) throw new Error(`server exited (code ${exited.code}) before listening`);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`server did not listen on port ${port} within ${ms} ms`);
}
