/**
 * The catalog: what a server serves, assembled from its providers (in order), reshaped by its
 * transforms, filtered by visibility (the server's rules, then the session's), with one version
 * per name in listings. Listings are cached until something changes; lookups resolve a
 * component once per request and stay synchronous while every provider answers synchronously.
 *
 * @module
 */

import type { Component, ComponentKind } from "../components/common.ts";
import type { PromptComponent } from "../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../components/resource.ts";
import type { ToolComponent } from "../components/tool.ts";
import { errorMessage } from "../errors.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import { type GetNext, type Transform, transformed } from "../transforms/transform.ts";
import { below, compareVersions, type VersionSpec } from "../transforms/versions.ts";
import { isVisible, type VisibilityRule } from "../transforms/visibility.ts";
import type { Provider, TemplateMatch } from "./provider.ts";

/** What happens when a provider fails: skip it with a warning (listings go on), or fail the request. */
export type ProviderErrorStrategy = "warn" | "raise";

/** The four listings, named by their slot. */
export type Slot = "tools" | "resources" | "templates" | "prompts";

type Kinded = ToolComponent | ResourceComponent | TemplateComponent | PromptComponent;

const LIST = {
  tools: "listTools",
  resources: "listResources",
  templates: "listResourceTemplates",
  prompts: "listPrompts",
} as const;

/** The components of one server. */
export class Catalog {
  readonly #providers: Provider[] = [];
  readonly #transforms: Transform[] = [];
  /** The server's visibility rules, applied after its transforms. */
  readonly rules: VisibilityRule[] = [];
  #view?: Provider;
  readonly #listings = new Map<Slot, Listing>();

  /** Creates a catalog; `changed` hears every change that may alter what clients see. */
  constructor(
    private readonly strategy: ProviderErrorStrategy,
    private readonly warn: (message: string) => void,
    private readonly changed: (kind: ComponentKind) => void,
  ) {}

  /** Adds a provider after the ones added before it. */
  addProvider(provider: Provider): void {
    this.#providers.push(provider);
    this.#view = undefined;
    provider.subscribe?.((kind) => this.invalidate(kind));
    this.invalidate("tools");
    this.invalidate("resources");
    this.invalidate("prompts");
  }

  /** The providers, in order (for lifespans). */
  get providers(): readonly Provider[] {
    return this.#providers;
  }

  /** The server-wide transforms, innermost first (for lifespans). */
  get transforms(): readonly Transform[] {
    return this.#transforms;
  }

  /** Adds a server-wide transform (outside the ones added before it). */
  addTransform(transform: Transform): void {
    this.#transforms.push(transform);
    this.#view = undefined;
    this.invalidate("tools");
    this.invalidate("resources");
    this.invalidate("prompts");
  }

  /** Drops cached listings of `kind` and tells clients. */
  invalidate(kind: ComponentKind): void {
    if (kind === "resources") this.#listings.delete("templates");
    this.#listings.delete(kind);
    this.changed(kind);
  }

  /** The providers merged, seen through the server's transforms. */
  get #merged(): Provider {
    return this.#view ??= transformed(this.#aggregate(), this.#transforms);
  }

  /**
   * The wire listing of a slot for a client: visible components, the highest version of each
   * name, with `_meta.fastmcp.versions` where a name has versions; `components[i]` is the
   * component `items[i]` lists (for authorization). `session` rules apply after the server's;
   * without them the listing is cached. A `fresh` listing is computed anew and not kept: a
   * handler's own listing (`ctx.listTools()`) may differ from a client's, as when a search
   * transform lists for its search tool what it hides from clients.
   */
  listing(slot: Slot, sessionRules?: readonly VisibilityRule[], fresh = false): MaybePromise<Listing> {
    const cacheable = !fresh && (sessionRules === undefined || sessionRules.length === 0);
    if (cacheable) {
      const cached = this.#listings.get(slot);
      if (cached) return cached;
    }
    const items = this.#merged[LIST[slot]]() as MaybePromise<readonly Kinded[]>;
    return then(items, (all) => {
      const out = wireListing(all.filter((c) => isVisible(c, this.rules, sessionRules)));
      if (cacheable && !(items instanceof Promise)) this.#listings.set(slot, out);
      return out;
    });
  }

  /** Every component of a slot from every provider, through the transforms, before visibility. */
  all(slot: Slot): MaybePromise<readonly Kinded[]> {
    return this.#merged[LIST[slot]]() as MaybePromise<readonly Kinded[]>;
  }

  /** Whether the server's rules show `component` (a mounting parent asks this). */
  isVisible(component: Component): boolean {
    return isVisible(component, this.rules);
  }

  /** The visible tool a client names (the highest version `version` allows). */
  tool(
    name: string,
    version?: VersionSpec,
    sessionRules?: readonly VisibilityRule[],
  ): MaybePromise<ToolComponent | undefined> {
    const found = this.#merged.getTool(name, version);
    if (!(found instanceof Promise) && (!found || this.#quickVisible(found, sessionRules))) return found;
    return this.#fallback(found, name, version, sessionRules, (n, v) => this.#merged.getTool(n, v));
  }

  /** The visible prompt a client names. */
  prompt(
    name: string,
    version?: VersionSpec,
    sessionRules?: readonly VisibilityRule[],
  ): MaybePromise<PromptComponent | undefined> {
    const found = this.#merged.getPrompt(name, version);
    if (!(found instanceof Promise) && (!found || this.#quickVisible(found, sessionRules))) return found;
    return this.#fallback(found, name, version, sessionRules, (n, v) => this.#merged.getPrompt(n, v));
  }

  /** The visible static resource at `uri`. */
  resource(
    uri: string,
    version?: VersionSpec,
    sessionRules?: readonly VisibilityRule[],
  ): MaybePromise<ResourceComponent | undefined> {
    const found = this.#merged.getResource(uri, version);
    if (!(found instanceof Promise) && (!found || this.#quickVisible(found, sessionRules))) return found;
    return this.#fallback(found, uri, version, sessionRules, (n, v) => this.#merged.getResource(n, v));
  }

  /** The visible template matching `uri`, with its variables. */
  template(
    uri: string,
    version?: VersionSpec,
    sessionRules?: readonly VisibilityRule[],
  ): MaybePromise<TemplateMatch | undefined> {
    const get: GetNext<TemplateMatch> = (n, v) => this.#merged.getResourceTemplate(n, v);
    return this.#fallback(get(uri, version), uri, version, sessionRules, get, (m) => m.template);
  }

  /** The visible template whose URI template is `uriTemplate` (completion refers to templates this way). */
  templatesNamed(
    uriTemplate: string,
    sessionRules?: readonly VisibilityRule[],
  ): MaybePromise<TemplateComponent | undefined> {
    return then(this.#merged.listResourceTemplates(), (all) => {
      const named = all.filter((t) =>
        t.uriTemplate === uriTemplate && isVisible(t, this.rules, sessionRules)
      );
      named.sort((a, b) => compareVersions(b.version, a.version));
      return named[0];
    });
  }

  /** Falls back to lower versions while the one found (its component, for a template match) is hidden. */
  #fallback<T>(
    found: MaybePromise<T | undefined>,
    name: string,
    version: VersionSpec | undefined,
    sessionRules: readonly VisibilityRule[] | undefined,
    get: GetNext<T>,
    componentOf: (found: T) => Component = (c) => c as Component,
  ): MaybePromise<T | undefined> {
    const check = (c: T | undefined, v: VersionSpec | undefined): MaybePromise<T | undefined> => {
      if (!c || isVisible(componentOf(c), this.rules, sessionRules)) return c;
      const lower = below(v, componentOf(c).version);
      return lower ? then(get(name, lower), (next) => check(next, lower)) : undefined;
    };
    return then(found, (c) => check(c, version));
  }

  /** The hot path's test: no rules at all reduces to the component's own flag. */
  #quickVisible(c: Component, sessionRules: readonly VisibilityRule[] | undefined): boolean {
    if (this.rules.length === 0 && !sessionRules?.length) return c.enabled;
    return isVisible(c, this.rules, sessionRules);
  }

  /** Every provider as one: listings concatenated, lookups answered by the highest version found. */
  #aggregate(): Provider {
    const providers = this.#providers;
    // One provider (the usual case): itself, so that a lookup is one call.
    if (providers.length === 1) return providers[0];
    const guard = <T>(what: string, run: () => MaybePromise<T>, fallback: T): MaybePromise<T> => {
      const fail = (error: unknown): T => {
        if (this.strategy === "raise") throw error;
        this.warn(`a provider failed in ${what}: ${errorMessage(error)}`);
        return fallback;
      };
      try {
        const out = run();
        return out instanceof Promise ? out.catch(fail) : out;
      } catch (error) {
        return fail(error);
      }
    };
    const list = (key: (typeof LIST)[Slot]) => (): MaybePromise<readonly Kinded[]> => {
      const parts = providers.map((p) =>
        guard(key, () => p[key]() as MaybePromise<readonly Kinded[]>, [] as readonly Kinded[])
      );
      return parts.some((p) => p instanceof Promise)
        ? Promise.all(parts).then((all) => all.flat())
        : (parts as (readonly Kinded[])[]).flat();
    };
    const get =
      <T>(key: string, versionOf: (found: T) => string | undefined) =>
      (name: string, version?: VersionSpec): MaybePromise<T | undefined> => {
        const ask = (p: Provider) =>
          (p as unknown as Record<string, GetNext<T>>)[key].call(p, name, version) as MaybePromise<
            T | undefined
          >;
        const found = providers.map((p) => guard(key, () => ask(p), undefined));
        const best = (all: (T | undefined)[]) => {
          let top: T | undefined;
          for (const c of all) if (c && (!top || compareVersions(versionOf(c), versionOf(top)) > 0)) top = c;
          return top;
        };
        return found.some((f) => f instanceof Promise)
          ? Promise.all(found).then(best)
          : best(found as (T | undefined)[]);
      };
    const own = (c: Component) => c.version;
    return {
      listTools: list("listTools") as Provider["listTools"],
      listResources: list("listResources") as Provider["listResources"],
      listResourceTemplates: list("listResourceTemplates") as Provider["listResourceTemplates"],
      listPrompts: list("listPrompts") as Provider["listPrompts"],
      getTool: get<ToolComponent>("getTool", own),
      getResource: get<ResourceComponent>("getResource", own),
      getResourceTemplate: get<TemplateMatch>("getResourceTemplate", (m) => m.template.version),
      getPrompt: get<PromptComponent>("getPrompt", own),
    };
  }
}

/** A slot's listing: the wire entries and, at the same index, the component each lists. */
export interface Listing {
  /** The wire entries. */
  readonly items: readonly unknown[];
  /** The component behind each entry. */
  readonly components: readonly Component[];
  /** Whether any of them has auth checks or comes from a mounted server (which may have some). */
  readonly guarded: boolean;
}

/** One listing entry per identifier (its highest version), noting the versions where there are several. */
function wireListing(components: readonly Kinded[]): Listing {
  const groups = new Map<string, Kinded[]>();
  for (const c of components) {
    const group = groups.get(c.identifier);
    if (group) group.push(c);
    else groups.set(c.identifier, [c]);
  }
  const out: unknown[] = [];
  const tops: Component[] = [];
  for (const group of groups.values()) {
    if (group.length === 1 && group[0].version === undefined) {
      out.push(group[0].listing);
      tops.push(group[0]);
      continue;
    }
    group.sort((a, b) => compareVersions(b.version, a.version));
    const top = group[0];
    tops.push(top);
    const versions = group.map((c) => c.version).filter((v) => v !== undefined);
    if (versions.length === 0) {
      out.push(top.listing);
      continue;
    }
    const listing = top.listing as { _meta?: Record<string, unknown> };
    const meta = listing._meta ?? {};
    const fastmcp = (meta.fastmcp ?? {}) as Record<string, unknown>;
    out.push({ ...listing, _meta: { ...meta, fastmcp: { ...fastmcp, versions } } });
  }
  return { items: out, components: tops, guarded: tops.some((c) => c.auth.length > 0 || c.delegate) };
}
