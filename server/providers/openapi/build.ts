/**
 * Turns a loaded document into components: each operation is routed (route maps, then
 * `routeMapFn`), named (`names`, then operationId, then method and path), drafted, adjusted by
 * `componentFn`, and built. An operation that cannot be built is skipped with its reason, not
 * allowed to break the rest.
 *
 * @module
 */

import type { ToolAnnotations } from "../../../protocol/types.ts";
import type { ResourceComponent, TemplateComponent } from "../../components/resource.ts";
import type { ToolComponent } from "../../components/tool.ts";
import type { CallSettings } from "./call.ts";
import {
  type OpenAPIComponentDraft,
  openapiResource,
  openapiTemplate,
  openapiTool,
  type Shared,
} from "./components.ts";
import { matchRouteMap, type McpType, type RouteMap } from "./route_maps.ts";
import { type ArgumentPlan, inputShape, outputSchema } from "./schemas.ts";
import { type RepairReport, sanitizeSchema } from "./schema_check.ts";
import { SchemaLibrary } from "./schema_copy.ts";
import { type OpenAPIRoute, routesOf } from "./spec.ts";

/** What building needs from the provider's options. */
export interface BuildSettings {
  readonly routeMaps: readonly RouteMap[];
  readonly routeMapFn?: (route: OpenAPIRoute, mcpType: McpType) => McpType | undefined | void;
  readonly componentFn?: (route: OpenAPIRoute, draft: OpenAPIComponentDraft) => void;
  readonly names: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly validateOutput: boolean;
  readonly call: CallSettings;
  readonly maxErrorBodyBytes: number;
  /** Base URL from the options; when undefined, each operation's (or the document's) first server. */
  readonly baseUrl?: string;
  /** Where the document was read from, for relative server URLs. */
  readonly origin?: URL;
}

/**
 * An operation that did not become a component, and why.
 *
 * @example
 * ```ts
 * import { OpenAPIProvider } from "@denomcp/denomcp";
 * const provider = await new OpenAPIProvider("./openapi.yaml").load();
 * for (const { operation, reason } of await provider.skipped()) console.warn(`${operation}: ${reason}`);
 * ```
 */
export interface SkippedOperation {
  /** `GET /path`. */
  readonly operation: string;
  /** Why it was skipped. */
  readonly reason: string;
}

/**
 * A keyword dropped from a spec's schema because it made the schema invalid JSON Schema 2020-12.
 *
 * @example
 * ```ts
 * import { OpenAPIProvider } from "@denomcp/denomcp";
 * const provider = await new OpenAPIProvider("./openapi.yaml").load();
 * for (const { where, reason } of await provider.repairs()) console.warn(`dropped ${where}: ${reason}`);
 * ```
 */
export interface SchemaRepair {
  /** The operation (`GET /path`) or shared definition (`$defs/Name`) and the keyword's JSON pointer in it. */
  readonly where: string;
  /** What was wrong with it. */
  readonly reason: string;
}

/** The components of one document. */
export interface Built {
  /** The spec's `info.title`. */
  readonly title?: string;
  readonly routes: readonly OpenAPIRoute[];
  readonly tools: readonly ToolComponent[];
  readonly resources: readonly ResourceComponent[];
  readonly templates: readonly TemplateComponent[];
  readonly skipped: readonly SkippedOperation[];
  readonly repairs: readonly SchemaRepair[];
}

const MAX_NAME = 120;

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/_+/g, "_").replace(/^_+|_+$/g, "");
}

/** The first server's URL with its variables at their defaults, resolved against the document's URL. */
export function serverUrl(servers: unknown, origin: URL | undefined): string | undefined {
  const server = Array.isArray(servers) ? servers[0] as Record<string, unknown> | undefined : undefined;
  if (typeof server?.url !== "string") return undefined;
  const variables = (server.variables ?? {}) as Record<string, { default?: unknown }>;
  const url = server.url.replace(/\{([^}]+)\}/g, (m, name) => String(variables[name]?.default ?? m));
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return origin && origin.protocol !== "file:" ? new URL(url, origin).href : undefined;
}

function annotationsOf(method: string): ToolAnnotations | undefined {
  // RFC 9110 §9.2: safe and idempotent methods.
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return { readOnlyHint: true };
  if (method === "PUT") return { idempotentHint: true };
  if (method === "DELETE") return { destructiveHint: true, idempotentHint: true };
  return undefined;
}

/** A component's schema made valid; its `$defs` are the library's, made valid once when copied. */
function sanitizeTop(schema: Record<string, unknown>, report: RepairReport): Record<string, unknown> {
  const { $defs, ...top } = schema;
  const clean = sanitizeSchema(top, report);
  return $defs === undefined ? clean : { ...clean, $defs };
}

/**
 * `resource://name`, or for a template `resource://name/{path}/{vars}{?query,vars}`; `variables`
 * gets each URI variable's argument (URI variables allow fewer characters than argument names).
 */
function resourceUri(
  name: string,
  template: boolean,
  plan: ArgumentPlan,
  variables: Map<string, string>,
): string {
  if (!template) return `resource://${name}`;
  const varName = (arg: string) => {
    let v = arg.replace(/[^A-Za-z0-9_]/g, "_");
    while (variables.has(v)) v += "_";
    variables.set(v, arg);
    return v;
  };
  const args = (where: string) => plan.parameters.filter(({ parameter }) => parameter.in === where);
  const path = args("path").map(({ arg }) => `/{${varName(arg)}}`).join("");
  const query = args("query").map(({ arg }) => varName(arg));
  return `resource://${name}${path}${query.length ? `{?${query.join(",")}}` : ""}`;
}

/** Builds every component of `document`. */
export function buildComponents(document: Record<string, unknown>, settings: BuildSettings): Built {
  const routes = routesOf(document);
  const tools: ToolComponent[] = [];
  const resources: ResourceComponent[] = [];
  const templates: TemplateComponent[] = [];
  const skipped: SkippedOperation[] = [];
  const used = new Set<string>();
  const unique = (base: string) => {
    let name = base.slice(0, MAX_NAME) || "operation";
    for (let n = 2; used.has(name); n++) name = `${base.slice(0, MAX_NAME)}_${n}`;
    used.add(name);
    return name;
  };
  const repairs: SchemaRepair[] = [];
  const library = new SchemaLibrary(
    document,
    (schema, name) =>
      sanitizeSchema(schema, (pointer, reason) => repairs.push({ where: `$defs/${name}${pointer}`, reason })),
  );
  const documentBase = settings.baseUrl ?? serverUrl(document.servers, settings.origin);
  for (const route of routes) {
    const operation = `${route.method} ${route.path}`;
    try {
      const map = matchRouteMap(route, settings.routeMaps);
      let type: McpType = map?.mcpType ?? "tool";
      type = settings.routeMapFn?.(route, type) ?? type;
      if (type === "exclude") continue;
      const input = inputShape(route, library);
      const has = (where: string) => input.plan.parameters.some(({ parameter }) => parameter.in === where);
      if (type === "resource" && has("path")) type = "template";
      if (type === "template" && !has("path") && !has("query")) type = "resource";
      const named = settings.names[route.operationId ?? ""] ?? route.operationId ??
        `${route.method.toLowerCase()}_${route.path}`;
      const name = unique(slug(named));
      const variables = new Map<string, string>();
      const uri = type === "tool" ? undefined : resourceUri(name, type === "template", input.plan, variables);
      const draft: OpenAPIComponentDraft = {
        kind: type,
        name,
        uri,
        description: [route.summary, route.description].filter(Boolean).join("\n\n") || undefined,
        tags: [...new Set([...route.tags, ...(map?.mcpTags ?? []), ...settings.tags])],
        annotations: type === "tool" ? annotationsOf(route.method) : undefined,
      };
      settings.componentFn?.(route, draft);
      used.add(draft.name);
      const base = settings.baseUrl ??
        (route.servers ? serverUrl(route.servers, settings.origin) : undefined) ??
        documentBase;
      const shared: Shared = {
        call: { ...settings.call, baseUrl: base },
        maxErrorBodyBytes: settings.maxErrorBodyBytes,
      };
      if (type === "tool") {
        const output = outputSchema(route, library, settings.validateOutput);
        const repair = (pointer: string, reason: string) =>
          repairs.push({ where: `${operation}${pointer}`, reason });
        const schema = sanitizeTop(input.schema, repair);
        tools.push(
          openapiTool(
            route,
            draft,
            { schema, plan: input.plan },
            output && sanitizeTop(output, repair),
            shared,
          ),
        );
      } else if (type === "resource") resources.push(openapiResource(route, draft, input.plan, shared));
      else templates.push(openapiTemplate(route, draft, input.plan, variables, shared));
    } catch (error) {
      skipped.push({ operation, reason: (error as Error).message });
    }
  }
  const title = (document.info as { title?: unknown } | undefined)?.title;
  return {
    title: typeof title === "string" ? title : undefined,
    routes,
    tools,
    resources,
    templates,
    skipped,
    repairs,
  };
}
