/**
 * Route maps: which operations become tools, resources, resource templates, or nothing. The
 * first map that matches an operation decides; an operation no map matches is a tool.
 *
 * @module
 */

import type { HttpMethod, OpenAPIRoute } from "./spec.ts";

/**
 * What an operation becomes.
 *
 * @example
 * ```ts
 * import type { McpType } from "@denomcp/denomcp";
 * const type: McpType = "template";
 * ```
 */
export type McpType = "tool" | "resource" | "template" | "exclude";

/**
 * One rule of {@link OpenAPIProviderOptions.routeMaps}. Every condition given must hold.
 *
 * @example
 * ```ts
 * import type { RouteMap } from "@denomcp/denomcp";
 * const maps: RouteMap[] = [
 *   { methods: ["GET"], pattern: /\{[^}]+\}/, mcpType: "template" }, // GET with path parameters
 *   { methods: ["GET"], mcpType: "resource" },
 *   { tags: ["internal"], mcpType: "exclude" },
 * ];
 * ```
 */
export interface RouteMap {
  /** Methods matched (default: all). */
  methods?: readonly HttpMethod[] | "*";
  /** Matched against the path template (`/users/{id}`); a string is a regular expression. */
  pattern?: RegExp | string;
  /** Tags the operation must all have. */
  tags?: readonly string[];
  /** What a matching operation becomes. */
  mcpType: McpType;
  /** Tags added to the component made from a matching operation. */
  mcpTags?: readonly string[];
}

/** The map deciding `route` (undefined: none matched, so a tool). */
export function matchRouteMap(route: OpenAPIRoute, maps: readonly RouteMap[]): RouteMap | undefined {
  return maps.find((map) => {
    if (map.methods && map.methods !== "*" && !map.methods.includes(route.method)) return false;
    if (map.pattern !== undefined) {
      const pattern = typeof map.pattern === "string" ? new RegExp(map.pattern) : map.pattern;
      // A global or sticky regex keeps state between tests; start each from the beginning.
      pattern.lastIndex = 0;
      if (!pattern.test(route.path)) return false;
    }
    return !map.tags || map.tags.every((tag) => route.tags.includes(tag));
  });
}
