/**
 * What the rest of the OpenAPI provider reads from a loaded document: its operations as
 * {@link OpenAPIRoute}s, with path-level and operation-level parameters merged and every
 * non-schema `$ref` (parameters, request bodies, responses) followed.
 *
 * @module
 */

/**
 * A spec: an OpenAPI object, its JSON or YAML text, a file path, or a URL.
 *
 * @example
 * ```ts
 * import type { SpecSource } from "@denomcp/denomcp";
 * const sources: SpecSource[] = ["./openapi.yaml", new URL("https://api.example.com/openapi.json"), "openapi: 3.1.0\n"];
 * ```
 */
export type SpecSource = string | URL | Record<string, unknown>;

/**
 * HTTP methods an OpenAPI path item may hold.
 *
 * @example
 * ```ts
 * import type { HttpMethod } from "@denomcp/denomcp";
 * const reads: HttpMethod[] = ["GET", "HEAD"];
 * ```
 */
export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE";

const METHODS: readonly HttpMethod[] = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];

/**
 * Where a parameter goes.
 *
 * @example
 * ```ts
 * import type { ParameterLocation } from "@denomcp/denomcp";
 * const location: ParameterLocation = "query";
 * ```
 */
export type ParameterLocation = "path" | "query" | "header" | "cookie";

/**
 * One parameter of an operation, with its `$ref` followed.
 *
 * @example
 * ```ts
 * import { OpenAPIProvider } from "@denomcp/denomcp";
 * const provider = new OpenAPIProvider("./openapi.yaml");
 * for (const route of await provider.routes()) {
 *   console.log(route.parameters.map((p) => `${p.in}:${p.name}`));
 * }
 * ```
 */
export interface OpenAPIParameter {
  /** Name as the API spells it. */
  readonly name: string;
  /** Where it is sent. */
  readonly in: ParameterLocation;
  /** Whether the API requires it. */
  readonly required: boolean;
  /** Its description. */
  readonly description?: string;
  /** Its JSON Schema (`{}` when the spec gives none). */
  readonly schema: Record<string, unknown>;
  /** Serialisation style (defaults applied: `simple` for path and header, `form` for query and cookie). */
  readonly style: string;
  /** Whether arrays and objects are exploded (default: true for `form`). */
  readonly explode: boolean;
  /** Whether reserved characters are sent unencoded (query only). */
  readonly allowReserved: boolean;
  /** The media type when the parameter is given as `content` (the value is sent serialised as JSON). */
  readonly mediaType?: string;
}

/**
 * An operation of the spec, as route maps, `routeMapFn` and `componentFn` see it.
 *
 * @example
 * ```ts
 * import type { McpType, OpenAPIRoute } from "@denomcp/denomcp";
 * // Operations tagged "reports" become resources; the rest keep the type the route maps gave.
 * const routeMapFn = (route: OpenAPIRoute, type: McpType) => route.tags.includes("reports") ? "resource" : type;
 * ```
 */
export interface OpenAPIRoute {
  /** The HTTP method, upper case. */
  readonly method: HttpMethod;
  /** The path template (`/users/{id}`). */
  readonly path: string;
  /** The operation's id, when it has one. */
  readonly operationId?: string;
  /** Short summary. */
  readonly summary?: string;
  /** Long description. */
  readonly description?: string;
  /** The operation's tags. */
  readonly tags: readonly string[];
  /** Parameters, path-level ones merged in. */
  readonly parameters: readonly OpenAPIParameter[];
  /** The request body (`$ref` followed), when there is one. */
  readonly requestBody?: Record<string, unknown>;
  /** Responses by status code (`$ref`s followed). */
  readonly responses: Readonly<Record<string, Record<string, unknown>>>;
  /** Whether the operation is deprecated. */
  readonly deprecated: boolean;
  /** The operation object as the (upgraded, 3.1) document holds it. */
  readonly operation: Readonly<Record<string, unknown>>;
  /** Servers of the operation or its path, overriding the document's. */
  readonly servers?: readonly Record<string, unknown>[];
}

/**
 * A spec that cannot be read: not found, not parsable, not OpenAPI, or a `$ref` that cannot be resolved.
 *
 * @example
 * ```ts
 * import { FastMCP, OpenAPISpecError } from "@denomcp/denomcp";
 * try {
 *   await FastMCP.fromOpenAPI({ info: { title: "not a spec" } });
 * } catch (error) {
 *   if (error instanceof OpenAPISpecError) console.error(error.message); // names the problem
 * }
 * ```
 */
export class OpenAPISpecError extends Error {
  /** Stable code of this error. */
  readonly code = "openapi_spec";
  /** Creates the error; `message` names the problem. */
  constructor(message: string) {
    super(`OpenAPI spec: ${message}`);
    this.name = "OpenAPISpecError";
  }
}

/** The value a local `$ref` (`#/a/b`) points to, or undefined. */
export function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  let node = document;
  const pointer = decodeURIComponent(ref.slice(1));
  if (pointer === "") return node;
  for (const raw of pointer.slice(1).split("/")) {
    if (typeof node !== "object" || node === null) return undefined;
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Follows `$ref` chains of a non-schema object (parameter, body, response); a cycle gives undefined. */
export function follow(document: unknown, value: unknown): Record<string, unknown> | undefined {
  const seen = new Set<string>();
  let node = value;
  while (typeof node === "object" && node !== null && typeof (node as { $ref?: unknown }).$ref === "string") {
    const ref = (node as { $ref: string }).$ref;
    if (seen.has(ref)) return undefined;
    seen.add(ref);
    node = resolvePointer(document, ref);
  }
  return typeof node === "object" && node !== null && !Array.isArray(node)
    ? node as Record<string, unknown>
    : undefined;
}

const DEFAULT_STYLE: Record<ParameterLocation, string> = {
  path: "simple",
  query: "form",
  header: "simple",
  cookie: "form",
};

// OpenAPI 3.1 §4.8.12.1: these header parameters are ignored (the request carries its own).
const IGNORED_HEADERS = new Set(["accept", "content-type", "authorization"]);

function parameterOf(document: unknown, value: unknown): OpenAPIParameter | undefined {
  const p = follow(document, value);
  const location = p?.in as ParameterLocation | undefined;
  if (!p || typeof p.name !== "string" || !location || !(location in DEFAULT_STYLE)) return undefined;
  if (location === "header" && IGNORED_HEADERS.has(p.name.toLowerCase())) return undefined;
  let schema = p.schema;
  let mediaType: string | undefined;
  if (schema === undefined && typeof p.content === "object" && p.content !== null) {
    const [type, media] = Object.entries(p.content)[0] ?? [];
    mediaType = type;
    schema = (media as { schema?: unknown } | undefined)?.schema;
  }
  const style = typeof p.style === "string" ? p.style : DEFAULT_STYLE[location];
  return {
    name: p.name,
    in: location,
    required: location === "path" || p.required === true,
    description: typeof p.description === "string" ? p.description : undefined,
    schema: typeof schema === "object" && schema !== null ? schema as Record<string, unknown> : {},
    style,
    explode: typeof p.explode === "boolean" ? p.explode : style === "form",
    allowReserved: p.allowReserved === true,
    mediaType,
  };
}

function mergeParameters(document: unknown, ...lists: unknown[]): OpenAPIParameter[] {
  const byKey = new Map<string, OpenAPIParameter>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    // An operation's parameter replaces the path item's of the same name and location.
    for (const item of list) {
      const parameter = parameterOf(document, item);
      if (parameter) byKey.set(`${parameter.in}:${parameter.name}`, parameter);
    }
  }
  return [...byKey.values()];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Every operation of the document, in document order. */
export function routesOf(document: Record<string, unknown>): OpenAPIRoute[] {
  const routes: OpenAPIRoute[] = [];
  const paths = document.paths as Record<string, unknown> | undefined;
  for (const [path, value] of Object.entries(paths ?? {})) {
    const item = follow(document, value);
    if (!item) continue;
    for (const method of METHODS) {
      const operation = item[method.toLowerCase()];
      if (typeof operation !== "object" || operation === null) continue;
      const op = operation as Record<string, unknown>;
      const responses: Record<string, Record<string, unknown>> = {};
      for (const [status, response] of Object.entries((op.responses as object | undefined) ?? {})) {
        const followed = follow(document, response);
        if (followed) responses[status] = followed;
      }
      const servers = Array.isArray(op.servers) && op.servers.length
        ? op.servers
        : Array.isArray(item.servers) && item.servers.length
        ? item.servers
        : undefined;
      routes.push({
        method,
        path,
        operationId: text(op.operationId),
        summary: text(op.summary),
        description: text(op.description),
        tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === "string") : [],
        parameters: mergeParameters(document, item.parameters, op.parameters),
        requestBody: op.requestBody === undefined ? undefined : follow(document, op.requestBody),
        responses,
        deprecated: op.deprecated === true,
        operation: op,
        servers,
      });
    }
  }
  return routes;
}
