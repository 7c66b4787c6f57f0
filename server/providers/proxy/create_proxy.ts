/**
 * `createProxy(target, options)`: a FastMCP server whose components are another server's. The
 * proxy is lazy: nothing reaches the upstream until a client greets the proxy, and then the
 * greeting succeeds only when the upstream's did (a missing backend, a wrong path, refused
 * credentials or a server that is not MCP fail the downstream `initialize`, naming why).
 *
 * @module
 */

import { Client } from "../../../client/client.ts";
import { parseMcpConfig } from "../../../client/config.ts";
import { APP_MIME_TYPE, APPS_EXTENSION_ID } from "../../apps/apps.ts";
import type { ClientOptions, ClientTarget, FetchHandler } from "../../../client/types.ts";
import { ErrorCode, type JsonObject } from "../../../protocol/jsonrpc.ts";
import type { Context } from "../../context.ts";
import { McpError } from "../../errors.ts";
import { FastMCP, type FastMCPOptions } from "../../fastmcp.ts";
import type { Middleware, MiddlewareHost } from "../../middleware/middleware.ts";
import { ProxyProvider, type ProxyProviderOptions } from "./provider.ts";

/** What a proxy can stand in front of. */
export type ProxyTarget = ClientTarget | Client;

/** Options of {@link createProxy}. */
export interface ProxyOptions
  extends Partial<FastMCPOptions>, Omit<ProxyProviderOptions, "label" | "sessionClient"> {
  /** Options of the client(s) that reach the upstream (negotiation, headers, credentials, timeouts). */
  client?: ClientOptions;
  /**
   * One upstream connection per downstream 2025 session (for upstreams that keep state per
   * session), closed when that session ends; else one shared connection (default).
   */
  stateful?: boolean;
  /**
   * Headers of the downstream HTTP request passed on to the upstream, by name. `authorization`
   * only when named here; `cookie` never (it is refused).
   */
  forwardHeaders?: string[];
}

function isFastMcp(value: unknown): value is FetchHandler & { name?: string } {
  return value instanceof FastMCP;
}

/** The upstreams of a target: one unnamed, or one per entry of an MCP configuration. */
function upstreams(target: ProxyTarget): [string, ClientTarget | Client][] {
  if (target instanceof Client || isFastMcp(target)) return [["", target]];
  let config: unknown;
  if (typeof target === "string" && /\.json$/i.test(target.trim())) {
    config = JSON.parse(Deno.readTextFileSync(target.trim()));
  } else if (typeof target === "object" && target !== null && "mcpServers" in target) config = target;
  if (config === undefined) return [["", target]];
  const parsed = parseMcpConfig(config as never, typeof target === "string" ? target : undefined);
  const entries = Object.entries(parsed.mcpServers);
  // One server is served under its own names; several are each put under their entry's name.
  if (entries.length === 1) return [["", { mcpServers: parsed.mcpServers }]];
  return entries.map(([name, entry]) => [name, { mcpServers: { [name]: entry } }]);
}

/** Declares every question an upstream may ask, so that it asks; each is relayed downstream per call. */
const RELAYED: Pick<ClientOptions, "sampling" | "elicitation" | "roots" | "extensions"> = {
  sampling: () => Promise.reject(new McpError(ErrorCode.InvalidRequest, "no downstream call to ask")),
  elicitation: () => Promise.reject(new McpError(ErrorCode.InvalidRequest, "no downstream call to ask")),
  roots: () => Promise.reject(new McpError(ErrorCode.InvalidRequest, "no downstream call to ask")),
  // The proxy lists every app tool of its upstream; its own Apps extension hides the app-only ones
  // from downstream clients that do not render apps.
  extensions: { [APPS_EXTENSION_ID]: { mimeTypes: [APP_MIME_TYPE] } },
};

/**
 * A server that serves the components of another: a URL, a command or script path, an MCP
 * configuration (each server under its entry's name), a {@link Client}, or a FastMCP server.
 * Upstream tool errors, content of any type, structured content and `_meta` pass through intact;
 * sampling, elicitation, roots, logs and progress are relayed in both directions, whatever era
 * each side speaks.
 *
 * @example
 * ```ts
 * import { createProxy, FastMCP } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const upstream = new FastMCP({ name: "weather" });
 * upstream.tool("forecast", { input: z.object({ city: z.string() }) }, async ({ city }) => `sunny in ${city}`);
 * const proxy = createProxy(upstream, { name: "gateway" });
 * // await proxy.run(); // or createProxy("https://example.com/mcp", { name: "bridge" }).run()
 * void proxy;
 * ```
 */
export function createProxy(target: ProxyTarget, options: ProxyOptions = {}): FastMCP {
  const forward = (options.forwardHeaders ?? []).map((h) => h.toLowerCase());
  if (forward.includes("cookie")) {
    throw new TypeError(
      "createProxy: forwardHeaders may not include 'cookie' (a browser's cookies are never sent upstream)",
    );
  }
  const {
    client: clientOptions,
    stateful,
    forwardHeaders: _,
    listCacheTtlMs,
    timeoutMs,
    parkedTtlMs,
    maxParked,
    ...serverOptions
  } = options;
  const server = new FastMCP({ name: "proxy", ...serverOptions } as FastMCPOptions);
  const providers: ProxyProvider[] = [];
  /** Upstream clients of downstream 2025 sessions, by session id, one map per upstream. */
  const sessionClients: Map<string, Promise<Client>>[] = [];
  for (const [name, upstream] of upstreams(target)) {
    // The client hears list changes before the provider that caches the lists exists.
    const late: { provider?: ProxyProvider } = {};
    const makeClient = () =>
      upstream instanceof Client ? upstream : new Client(upstream as ClientTarget, {
        ...RELAYED,
        // The upstream requests' CLIENT spans go where the proxy's own spans go.
        ...(serverOptions.telemetry?.tracer ? { telemetry: { tracer: serverOptions.telemetry.tracer } } : {}),
        ...clientOptions,
        onListChanged: (kind, server) => {
          late.provider?.changed(kind);
          clientOptions?.onListChanged?.(kind, server);
        },
      });
    const perSession = new Map<string, Promise<Client>>();
    sessionClients.push(perSession);
    const sessionClient = stateful && !(upstream instanceof Client)
      ? (ctx: Context) => {
        const id = ctx.sessionId;
        if (id === undefined) return undefined;
        let client = perSession.get(id);
        if (!client) {
          const fresh = makeClient();
          client = fresh.connect().then(() => fresh);
          perSession.set(id, client);
        }
        return client;
      }
      : undefined;
    const provider = late.provider = new ProxyProvider(makeClient(), {
      listCacheTtlMs,
      timeoutMs,
      parkedTtlMs,
      maxParked,
      label: name || undefined,
      sessionClient,
      forwardHeaders: forward,
    });
    providers.push(provider);
    server.addProvider(provider, name ? { namespace: name } : {});
  }
  server.addMiddleware(proxyMiddleware(providers, (host: MiddlewareHost) => {
    // One listener for every session: the session's upstream clients end with it.
    host.onSessionEnd((ended) => {
      for (const perSession of sessionClients) {
        perSession.get(ended)?.then((c) => c.close()).catch(() => {});
        perSession.delete(ended);
      }
    });
  }));
  return server;
}

/** Forwards the greeting and `ping`. */
function proxyMiddleware(
  providers: readonly ProxyProvider[],
  installed: (host: MiddlewareHost) => void,
): Middleware {
  const connectAll = async () => {
    await Promise.all(providers.map(async (p) => {
      try {
        await p.client.connect();
      } catch (error) {
        throw new McpError(
          ErrorCode.InternalError,
          `the proxy cannot reach its upstream: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }));
  };
  return {
    install: installed,
    async onRequest(context, next) {
      if (context.method === "initialize" || context.method === "server/discover") {
        await connectAll();
      } else if (context.method === "ping") {
        await connectAll();
        await Promise.all(providers.map((p) => p.client.ping()));
      }
      return await next(context) as JsonObject;
    },
  };
}
