/**
 * `Transform`: reshapes what providers expose, in listings and lookups alike, for one provider
 * (`mcp.addProvider(p, { transforms })`) or the whole server (`mcp.addTransform(t)`). Listings
 * are plain array functions; lookups are a chain, like middleware: a transform gets the name a
 * client used and a `next` that asks the layers below. The first transform added is innermost.
 *
 * @module
 */

import type { PromptComponent } from "../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../components/resource.ts";
import type { ToolComponent } from "../components/tool.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import type { Provider, TemplateMatch } from "../providers/provider.ts";
import type { VersionSpec } from "./versions.ts";

/** Asks the layers below a transform for a component. */
export type GetNext<T> = (name: string, version?: VersionSpec) => MaybePromise<T | undefined>;

/**
 * A transform: any of these methods; the ones left out pass through.
 *
 * @example
 * ```ts
 * import { FastMCP, type Transform } from "@denomcp/denomcp";
 * // Hide every tool whose name starts with "debug_".
 * const noDebug: Transform = {
 *   listTools: (tools) => tools.filter((t) => !t.name.startsWith("debug_")),
 *   getTool: (name, version, next) => (name.startsWith("debug_") ? undefined : next(name, version)),
 * };
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.addTransform(noDebug);
 * ```
 */
export interface Transform {
  /** Reshapes the tool listing. */
  listTools?(tools: readonly ToolComponent[]): readonly ToolComponent[];
  /** Looks a tool up by the name a client used. */
  getTool?(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined>;
  /** Reshapes the static resource listing. */
  listResources?(resources: readonly ResourceComponent[]): readonly ResourceComponent[];
  /** Looks a static resource up by URI. */
  getResource?(
    uri: string,
    version: VersionSpec | undefined,
    next: GetNext<ResourceComponent>,
  ): MaybePromise<ResourceComponent | undefined>;
  /** Reshapes the template listing. */
  listResourceTemplates?(templates: readonly TemplateComponent[]): readonly TemplateComponent[];
  /** Finds the template a concrete URI matches. */
  getResourceTemplate?(
    uri: string,
    version: VersionSpec | undefined,
    next: GetNext<TemplateMatch>,
  ): MaybePromise<TemplateMatch | undefined>;
  /** Reshapes the prompt listing. */
  listPrompts?(prompts: readonly PromptComponent[]): readonly PromptComponent[];
  /** Looks a prompt up by name. */
  getPrompt?(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<PromptComponent>,
  ): MaybePromise<PromptComponent | undefined>;
  /** Entered when the server starts, after its providers (a transform that holds processes or connections). */
  start?(): Promise<void>;
  /** Left when the server stops, before its providers. */
  stop?(): Promise<void>;
}

type ListKey = "listTools" | "listResources" | "listResourceTemplates" | "listPrompts";
type GetKey = "getTool" | "getResource" | "getResourceTemplate" | "getPrompt";

/**
 * A provider seen through transforms (the first innermost). Listings and lookups stay
 * synchronous where the provider's are.
 */
export function transformed(provider: Provider, transforms: readonly Transform[]): Provider {
  if (transforms.length === 0) return provider;
  const list = (key: ListKey) => () =>
    then(provider[key]() as MaybePromise<readonly unknown[]>, (items) => {
      let out = items;
      for (const t of transforms) {
        const f = t[key] as ((items: readonly unknown[]) => readonly unknown[]) | undefined;
        if (f) out = f.call(t, out);
      }
      return out;
    });
  const get = (key: GetKey) => {
    let chain: GetNext<unknown> = (name, version) => provider[key](name, version);
    for (const t of transforms) {
      const f = t[key] as
        | ((name: string, version: VersionSpec | undefined, next: GetNext<unknown>) => MaybePromise<unknown>)
        | undefined;
      if (!f) continue;
      const next = chain;
      chain = (name, version) => f.call(t, name, version, next);
    }
    return chain;
  };
  return {
    listTools: list("listTools"),
    getTool: get("getTool"),
    listResources: list("listResources"),
    getResource: get("getResource"),
    listResourceTemplates: list("listResourceTemplates"),
    getResourceTemplate: get("getResourceTemplate"),
    listPrompts: list("listPrompts"),
    getPrompt: get("getPrompt"),
    subscribe: provider.subscribe?.bind(provider),
    extensions: provider.extensions,
    ...lifecycle(provider, transforms),
  } as Provider;
}

/** A provider's start and stop with its transforms': started after it, stopped before it. */
function lifecycle(provider: Provider, transforms: readonly Transform[]): Pick<Provider, "start" | "stop"> {
  const parts = [provider, ...transforms];
  if (!parts.some((p) => p.start || p.stop)) return {};
  return {
    start: async () => {
      const started: (Provider | Transform)[] = [];
      try {
        for (const p of parts) {
          await p.start?.();
          started.push(p);
        }
      } catch (error) {
        for (const p of started.reverse()) await p.stop?.().catch(() => {});
        throw error;
      }
    },
    stop: async () => {
      let failure: unknown;
      for (const p of [...parts].reverse()) await p.stop?.().catch((error) => (failure ??= error));
      if (failure !== undefined) throw failure;
    },
  };
}
