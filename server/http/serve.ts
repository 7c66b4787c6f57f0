/**
 * Binding a server's HTTP side with `Deno.serve` (TCP, TLS or a Unix socket): the only caller of
 * `Deno.serve` in the library.
 *
 * @module
 */

import type { LogSink } from "../logger.ts";
import { isLoopback, loopbackPolicy } from "./guards.ts";
import type { HttpTransport } from "./handler.ts";
import { verifierOf } from "../../auth/remote_provider.ts";
import { StaticTokenVerifier } from "../../auth/static_verifier.ts";

/** Options of `serve()`. */
export interface ServeOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  hostname?: string;
  /** Port; 0 picks a free one. Default 8000. */
  port?: number;
  /** Serve on a Unix socket at this path instead of TCP. */
  path?: string;
  /** TLS certificate (PEM); with `key`, serves HTTPS and HTTP/2. */
  cert?: string;
  /** TLS key (PEM). */
  key?: string;
  /** Called once listening. */
  onListen?: (addr: Deno.Addr) => void;
}

/** A running HTTP server. */
export interface ServerHandle {
  /** The bound address. */
  readonly addr: Deno.Addr;
  /** The URL of the MCP endpoint (TCP only). */
  readonly url: string;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/**
 * Secure by default on a public interface: a server without `auth` is refused unless
 * `http.allowUnauthenticated`, and static tokens (development credentials) unless their verifier
 * allows a public bind.
 */
function checkPublicBind(transport: HttpTransport, hostname: string): void {
  const auth = transport.auth;
  if (!auth) {
    if (transport.options.allowUnauthenticated) return;
    throw new Error(
      `refusing to serve on ${hostname} without auth: anyone who reaches it could call every tool. ` +
        "Set `auth`, bind 127.0.0.1, or set http.allowUnauthenticated: true",
    );
  }
  const verifier = verifierOf(auth);
  if (verifier instanceof StaticTokenVerifier && !verifier.allowPublicBind) {
    throw new Error(
      `refusing to serve static tokens on ${hostname}: they are for development. ` +
        "Use a JWTVerifier, or set allowPublicBind: true on the StaticTokenVerifier",
    );
  }
}

/** Serves `transport` on `Deno.serve`; bound to loopback or a socket, Host/Origin checks are on. */
export function serveHttp(
  transport: HttpTransport,
  options: ServeOptions,
  log: LogSink,
): { server: Deno.HttpServer; handle: ServerHandle } {
  const hostname = options.hostname ?? "127.0.0.1";
  if (!options.path && !isLoopback(hostname)) checkPublicBind(transport, hostname);
  if (options.path || isLoopback(hostname)) transport.protect(loopbackPolicy());
  else if (!transport.checksHost && transport.options.dnsRebindingProtection !== false) {
    log(
      "warning",
      `serving on ${hostname} with no Host allow-list: set http.allowedHosts to the names clients use ` +
        "(Origin is still checked)",
    );
  }
  const endpoint = transport.path === "*" ? "/" : transport.path;
  const onListen = (addr: Deno.Addr) => {
    if (options.onListen) options.onListen(addr);
    else if (addr.transport === "tcp") {
      log("info", `serving MCP on http://${hostForUrl(addr.hostname)}:${addr.port}${endpoint}`);
    } else if (addr.transport === "unix") log("info", `serving MCP on unix:${addr.path}`);
  };
  const handler = (req: Request, info: Deno.ServeHandlerInfo) => transport.fetch(req, info);
  const server = options.path ? Deno.serve({ path: options.path, onListen }, handler) : Deno.serve(
    {
      hostname,
      port: options.port ?? 8000,
      cert: options.cert,
      key: options.key,
      onListen,
    } as Deno.ServeTcpOptions,
    handler,
  );
  const addr = server.addr;
  const scheme = options.cert ? "https" : "http";
  const url = addr.transport === "tcp"
    ? `${scheme}://${hostForUrl(addr.hostname)}:${addr.port}${endpoint}`
    : "";
  return { server, handle: { addr, url, finished: server.finished } };
}

/** Stops `server`, waiting at most `timeoutMs` for open connections. */
export async function stopHttp(server: Deno.HttpServer, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([server.shutdown(), timedOut]);
  clearTimeout(timer);
}
