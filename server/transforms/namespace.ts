/**
 * The namespace transform: tools and prompts become `{namespace}_{name}`, resources and
 * templates `{scheme}://{namespace}/{rest}` (FastMCP's rule); lookups strip the namespace and ask
 * the layer below with the original name. A URI without `://` is listed as it is and cannot be
 * reached through a namespace.
 *
 * @module
 */

import type { Component } from "../components/common.ts";
import type { PromptComponent } from "../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../components/resource.ts";
import type { ToolComponent } from "../components/tool.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import type { TemplateMatch } from "../providers/provider.ts";
import type { GetNext, Transform } from "./transform.ts";
import type { VersionSpec } from "./versions.ts";

const URI = /^([^:]+:\/\/)(.*)$/s;

/** `name` under `namespace`. */
export function namespacedName(namespace: string, name: string): string {
  return `${namespace}_${name}`;
}

/** `uri` under `namespace`, or the URI itself when it has no `://`. */
export function namespacedUri(namespace: string, uri: string): string {
  const m = URI.exec(uri);
  return m ? `${m[1]}${namespace}/${m[2]}` : uri;
}

function stripName(namespace: string, name: string): string | undefined {
  const prefix = `${namespace}_`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

function stripUri(namespace: string, uri: string): string | undefined {
  const m = URI.exec(uri);
  const prefix = `${namespace}/`;
  return m && m[2].startsWith(prefix) ? m[1] + m[2].slice(prefix.length) : undefined;
}

/**
 * A namespace as a transform, for any provider or a whole server.
 *
 * @example
 * ```ts
 * import { FastMCP, Namespace } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.tool("search", async () => "found");
 * mcp.addTransform(new Namespace("docs")); // clients see docs_search
 * ```
 */
export class Namespace implements Transform {
  /** Renamed copies, made once per component. */
  readonly #derived = new WeakMap<Component, Component>();
  /** Copies whose app URI is namespaced already. */
  readonly #appsRenamed = new WeakSet<Component>();

  /** Creates a namespace; names are `{namespace}_{name}`. */
  constructor(readonly namespace: string) {
    if (!/^[A-Za-z0-9_.-]+$/.test(namespace)) {
      throw new TypeError(`namespace '${namespace}' must be letters, digits, '_', '-' or '.'`);
    }
  }

  #rename<T extends Component>(component: T, identifier: string): T {
    let copy = this.#derived.get(component) as T | undefined;
    if (!copy || copy.identifier !== identifier) {
      copy = component.derive(identifier, component.delegate) as T;
      this.#derived.set(component, copy);
    }
    return copy;
  }

  #named<T extends ToolComponent | PromptComponent>(c: T): T {
    const copy = this.#rename(c as Component, namespacedName(this.namespace, c.identifier)) as T;
    // A tool's app lives at a ui:// URI, which is namespaced like every other resource's.
    const meta = (copy.listing as { _meta?: Record<string, unknown> })._meta;
    const ui = meta?.ui as { resourceUri?: unknown } | undefined;
    if (typeof ui?.resourceUri === "string" && !this.#appsRenamed.has(copy)) {
      this.#appsRenamed.add(copy);
      const resourceUri = namespacedUri(this.namespace, ui.resourceUri);
      const renamed: Record<string, unknown> = { ...meta, ui: { ...ui, resourceUri } };
      if ("ui/resourceUri" in meta!) renamed["ui/resourceUri"] = resourceUri;
      (copy as { listing: object }).listing = { ...copy.listing, _meta: renamed };
    }
    return copy;
  }

  #uri<T extends ResourceComponent | TemplateComponent>(c: T): T {
    return this.#rename(c as Component, namespacedUri(this.namespace, c.identifier)) as T;
  }

  /** Lists tools as `{namespace}_{name}`. */
  listTools(tools: readonly ToolComponent[]): readonly ToolComponent[] {
    return tools.map((t) => this.#named(t));
  }

  /** Finds a tool by its namespaced name. */
  getTool(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined> {
    const inner = stripName(this.namespace, name);
    return inner === undefined ? undefined : then(next(inner, version), (t) => t && this.#named(t));
  }

  /** Lists prompts as `{namespace}_{name}`. */
  listPrompts(prompts: readonly PromptComponent[]): readonly PromptComponent[] {
    return prompts.map((p) => this.#named(p));
  }

  /** Finds a prompt by its namespaced name. */
  getPrompt(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<PromptComponent>,
  ): MaybePromise<PromptComponent | undefined> {
    const inner = stripName(this.namespace, name);
    return inner === undefined ? undefined : then(next(inner, version), (p) => p && this.#named(p));
  }

  /** Lists resources as `{scheme}://{namespace}/{rest}`. */
  listResources(resources: readonly ResourceComponent[]): readonly ResourceComponent[] {
    return resources.map((r) => this.#uri(r));
  }

  /** Finds a resource by its namespaced URI. */
  getResource(
    uri: string,
    version: VersionSpec | undefined,
    next: GetNext<ResourceComponent>,
  ): MaybePromise<ResourceComponent | undefined> {
    const inner = stripUri(this.namespace, uri);
    return inner === undefined ? undefined : then(next(inner, version), (r) => r && this.#uri(r));
  }

  /** Lists templates as `{scheme}://{namespace}/{rest}`. */
  listResourceTemplates(templates: readonly TemplateComponent[]): readonly TemplateComponent[] {
    return templates.map((t) => this.#uri(t));
  }

  /** Finds the template a namespaced URI matches. */
  getResourceTemplate(
    uri: string,
    version: VersionSpec | undefined,
    next: GetNext<TemplateMatch>,
  ): MaybePromise<TemplateMatch | undefined> {
    const inner = stripUri(this.namespace, uri);
    if (inner === undefined) return undefined;
    return then(next(inner, version), (m) => m && { ...m, template: this.#uri(m.template) });
  }
}
