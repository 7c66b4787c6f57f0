/**
 * `OpenAPIProvider`: the operations of an HTTP API described by OpenAPI, as tools, resources and
 * resource templates. The spec is read on first use (or with `load()`), its components built once
 * and served from that cache after.
 *
 * @module
 */

import type { PromptComponent } from "../../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../../components/resource.ts";
import type { ToolComponent } from "../../components/tool.ts";
import type { Context } from "../../context.ts";
import type { MaybePromise } from "../../middleware/compose.ts";
import type { Provider, TemplateMatch } from "../provider.ts";
import { buildComponents, type Built, type SchemaRepair, type SkippedOperation } from "./build.ts";
import type { OpenAPIComponentDraft } from "./components.ts";
import type { McpType, RouteMap } from "./route_maps.ts";
import type { OpenAPIRoute, SpecSource } from "./spec.ts";

/**
 * Options of {@link OpenAPIProvider} and `FastMCP.fromOpenAPI`.
 *
 * @example
 * ```ts
 * import type { OpenAPIProviderOptions } from "@denomcp/denomcp";
 * const options: OpenAPIProviderOptions = {
 *   baseUrl: "https://api.example.com/v1",
 *   headers: { authorization: `Bearer ${Deno.env.get("API_TOKEN")}` },
 *   routeMaps: [{ methods: ["DELETE"], mcpType: "exclude" }],
 *   timeoutMs: 10_000,
 * };
 * ```
 */
export interface OpenAPIProviderOptions {
  /** Base URL of the API, overriding the spec's servers. */
  baseUrl?: string;
  /** Which operations become tools, resources, templates or nothing; first match wins; default: tools. */
  routeMaps?: readonly RouteMap[];
  /** Decides an operation's type after the route maps; returning undefined keeps theirs. */
  routeMapFn?: (route: OpenAPIRoute, mcpType: McpType) => McpType | undefined | void;
  /** Adjusts each component before it is made (name, URI, description, tags, meta, annotations). */
  componentFn?: (route: OpenAPIRoute, draft: OpenAPIComponentDraft) => void;
  /** Component names by operationId. */
  names?: Readonly<Record<string, string>>;
  /** Tags added to every component. */
  tags?: readonly string[];
  /**
   * Whether tools advertise the success response's schema as their output schema (and results
   * are checked against it). `false` advertises a permissive schema of the same shape. Default true.
   */
  validateOutput?: boolean;
  /** The fetch used for API calls (a client with credentials, a test double); default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Headers sent with every call (credentials), or a function of the call's context giving them. */
  headers?: HeadersInit | ((ctx: Context) => MaybePromise<HeadersInit | undefined>);
  /**
   * Names of the caller's HTTP request headers sent on to the API (`["authorization"]` forwards the
   * caller's token). None by default: nothing of the caller's request reaches the API unless named;
   * `cookie` is refused.
   */
  forwardHeaders?: readonly string[];
  /** Time allowed for each API call, in ms (default 30,000). */
  timeoutMs?: number;
  /** Largest API response read, in bytes (default 10 MiB); a larger one fails the call. */
  maxResponseBytes?: number;
  /** Bytes of an error response's body kept in the tool error (default 2,048). */
  maxErrorBodyBytes?: number;
  /** Largest spec read from a file or URL, in bytes (default 64 MiB). */
  maxSpecBytes?: number;
  /** Whether `$ref`s to other URLs are fetched (through the SSRF-guarded fetcher). Default false. */
  allowRemoteRefs?: boolean;
}

/**
 * Default of {@link OpenAPIProviderOptions.timeoutMs}.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPENAPI_TIMEOUT_MS, OpenAPIProvider } from "@denomcp/denomcp";
 * const provider = new OpenAPIProvider("./openapi.yaml", { timeoutMs: 2 * DEFAULT_OPENAPI_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_OPENAPI_TIMEOUT_MS = 30_000;

/**
 * Tools, resources and templates from an OpenAPI 3.x (or Swagger 2.0) spec. The spec is loaded on
 * first use; call {@link OpenAPIProvider.load} to load it now and fail early on a bad spec.
 *
 * @example
 * ```ts
 * import { FastMCP, OpenAPIProvider } from "@denomcp/denomcp";
 * const spec = {
 *   openapi: "3.1.0",
 *   info: { title: "Pets", version: "1" },
 *   servers: [{ url: "https://pets.example.com" }],
 *   paths: { "/pets/{id}": { get: { operationId: "getPet", parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }], responses: { "200": { description: "a pet" } } } } },
 * };
 * const mcp = new FastMCP({ name: "pets" });
 * mcp.addProvider(await new OpenAPIProvider(spec).load()); // a tool named getPet
 * ```
 */
export class OpenAPIProvider implements Provider {
  readonly #spec: SpecSource;
  readonly #options: OpenAPIProviderOptions;
  #built?: Promise<Built>;
  #byName?: Map<string, ToolComponent>;
  #byUri?: Map<string, ResourceComponent>;

  /** A provider of `spec` (an object, JSON or YAML text, a file path or a URL). */
  constructor(spec: SpecSource, options: OpenAPIProviderOptions = {}) {
    if (options.forwardHeaders?.some((name) => name.toLowerCase() === "cookie")) {
      throw new TypeError(
        "OpenAPIProvider: forwardHeaders may not include 'cookie' (a browser's cookies are never sent on)",
      );
    }
    this.#spec = spec;
    this.#options = options;
  }

  /** Loads the spec and builds its components (once); rejects with `OpenAPISpecError` for a bad spec. */
  async load(): Promise<this> {
    await this.#components();
    return this;
  }

  /** Operations that could not become components, with the reason (after loading). */
  async skipped(): Promise<readonly SkippedOperation[]> {
    return (await this.#components()).skipped;
  }

  /**
   * Keywords dropped from the spec's schemas because they made them invalid JSON Schema 2020-12
   * (the spec's own mistakes, kept visible here; after loading).
   */
  async repairs(): Promise<readonly SchemaRepair[]> {
    return (await this.#components()).repairs;
  }

  /** Every operation of the spec (after loading). */
  async routes(): Promise<readonly OpenAPIRoute[]> {
    return (await this.#components()).routes;
  }

  /** The spec's `info.title` (after loading). */
  async title(): Promise<string | undefined> {
    return (await this.#components()).title;
  }

  #components(): Promise<Built> {
    // A failed load is not kept: a spec behind a URL may answer next time.
    this.#built ??= this.#build().catch((error) => {
      this.#built = undefined;
      throw error;
    });
    return this.#built;
  }

  async #build(): Promise<Built> {
    const o = this.#options;
    const { loadSpec } = await import("./load.ts");
    const timeoutMs = o.timeoutMs ?? DEFAULT_OPENAPI_TIMEOUT_MS;
    const { document, origin } = await loadSpec(this.#spec, {
      maxSpecBytes: o.maxSpecBytes ?? 64 * 1024 * 1024,
      allowRemoteRefs: o.allowRemoteRefs ?? false,
      timeoutMs,
    });
    const built = buildComponents(document, {
      routeMaps: o.routeMaps ?? [],
      routeMapFn: o.routeMapFn,
      componentFn: o.componentFn,
      names: o.names ?? {},
      tags: o.tags ?? [],
      validateOutput: o.validateOutput ?? true,
      baseUrl: o.baseUrl,
      origin,
      maxErrorBodyBytes: o.maxErrorBodyBytes ?? 2048,
      call: {
        fetch: o.fetch ?? ((input, init) => fetch(input, init)),
        headers: o.headers,
        forwardHeaders: (o.forwardHeaders ?? []).map((name) => name.toLowerCase()),
        timeoutMs,
        maxResponseBytes: o.maxResponseBytes ?? 10 * 1024 * 1024,
      },
    });
    this.#byName = new Map(built.tools.map((tool) => [tool.name, tool]));
    this.#byUri = new Map(built.resources.map((resource) => [resource.uri, resource]));
    return built;
  }

  /** Loads the spec when the server starts, so that a bad one stops the start. */
  async start(): Promise<void> {
    await this.#components();
  }

  /** Every tool. */
  async listTools(): Promise<readonly ToolComponent[]> {
    return (await this.#components()).tools;
  }

  /** A tool by name. */
  async getTool(name: string): Promise<ToolComponent | undefined> {
    await this.#components();
    return this.#byName!.get(name);
  }

  /** Every static resource. */
  async listResources(): Promise<readonly ResourceComponent[]> {
    return (await this.#components()).resources;
  }

  /** A static resource by URI. */
  async getResource(uri: string): Promise<ResourceComponent | undefined> {
    await this.#components();
    return this.#byUri!.get(uri);
  }

  /** Every resource template. */
  async listResourceTemplates(): Promise<readonly TemplateComponent[]> {
    return (await this.#components()).templates;
  }

  /** The template a URI matches. */
  async getResourceTemplate(uri: string): Promise<TemplateMatch | undefined> {
    for (const template of (await this.#components()).templates) {
      const params = template.matcher.match(uri);
      if (params) return { template, params };
    }
    return undefined;
  }

  /** An OpenAPI spec has no prompts. */
  listPrompts(): readonly PromptComponent[] {
    return [];
  }

  /** An OpenAPI spec has no prompts. */
  getPrompt(): undefined {
    return undefined;
  }
}
