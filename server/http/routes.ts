/**
 * The route table of a server's HTTP side: the MCP endpoint is one entry, checked first so that
 * MCP requests pay one string comparison; custom routes (`mcp.customRoute()`) and those of
 * mounted servers follow, in that order (the parent wins a collision). A path that exists with
 * other methods answers 405 with `Allow`; anything else 404.
 *
 * @module
 */

/** Handles one HTTP request of a custom route. */
export type RouteHandler = (req: Request) => Response | Promise<Response>;

/** Options of a custom route. */
export interface RouteOptions {
  /** Methods served; others on the path get 405. Default `["GET"]`. */
  methods?: string[];
}

interface Route {
  readonly path: string;
  readonly pattern?: URLPattern;
  readonly methods: ReadonlySet<string>;
  readonly handler: RouteHandler;
}

/** The routes one server defines, plus those of the servers mounted in it. */
export class RouteTable {
  readonly #routes: Route[] = [];
  readonly #mounted: RouteTable[] = [];

  /** Adds a route; `path` may hold `URLPattern` parameters (`/users/:id`). */
  add(path: string, options: RouteOptions, handler: RouteHandler): void {
    if (!path.startsWith("/")) throw new TypeError(`route path '${path}' must start with '/'`);
    if (typeof handler !== "function") throw new TypeError(`route ${path} needs a handler function`);
    const methods = new Set((options.methods ?? ["GET"]).map((m) => m.toUpperCase()));
    if (methods.size === 0) throw new TypeError(`route ${path} needs at least one method`);
    const dynamic = /[:*(]/.test(path);
    this.#routes.push({
      path,
      pattern: dynamic ? new URLPattern({ pathname: path }) : undefined,
      methods,
      handler,
    });
  }

  /** Serves the routes of a mounted server after this one's. */
  mount(table: RouteTable): void {
    this.#mounted.push(table);
  }

  /** True when no route is defined here or in a mounted server. */
  get empty(): boolean {
    return this.#routes.length === 0 && this.#mounted.every((t) => t.empty);
  }

  /**
   * The answer of the route matching `path`: its handler's, or 405 when the path exists with
   * other methods; undefined when no route has the path.
   */
  serve(req: Request, path: string): Response | Promise<Response> | undefined {
    const allowed = new Set<string>();
    const found = this.#find(req.method, path, allowed);
    if (found) return found(req);
    if (allowed.size === 0) return undefined;
    return new Response("Method Not Allowed", { status: 405, headers: { allow: [...allowed].join(", ") } });
  }

  #find(method: string, path: string, allowed: Set<string>): RouteHandler | undefined {
    for (const route of this.#routes) {
      const hit = route.pattern ? route.pattern.test({ pathname: path }) : route.path === path;
      if (!hit) continue;
      if (route.methods.has(method)) return route.handler;
      for (const m of route.methods) allowed.add(m);
    }
    for (const table of this.#mounted) {
      const found = table.#find(method, path, allowed);
      if (found) return found;
    }
    return undefined;
  }
}

/** The path of a request URL, without parsing the whole URL (a server's request URL has no fragment). */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}
