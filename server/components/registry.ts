/**
 * The local provider: every component a server defines, the cached listings clients see, and
 * change notifications when something is added, removed, enabled or disabled.
 *
 * @module
 */

import type { Component, ComponentKind, ComponentOwner } from "./common.ts";
import type { PromptComponent } from "./prompt.ts";
import type { ResourceComponent, TemplateComponent } from "./resource.ts";
import type { ToolComponent } from "./tool.ts";

/** What to do when a component is defined twice under one key. */
export type OnDuplicate = "error" | "warn" | "replace" | "ignore";

/** Filters applied to every listing and lookup. */
export interface TagFilter {
  /** Only components with at least one of these tags are served. */
  includeTags?: string[];
  /** Components with any of these tags are never served. */
  excludeTags?: string[];
}

type Kinded = ToolComponent | ResourceComponent | TemplateComponent | PromptComponent;

/** The registry of one server. */
export class ComponentRegistry implements ComponentOwner {
  readonly tools: Map<string, ToolComponent> = new Map();
  readonly resources: Map<string, ResourceComponent> = new Map();
  readonly templates: Map<string, TemplateComponent> = new Map();
  readonly prompts: Map<string, PromptComponent> = new Map();
  #listings = new Map<string, unknown[]>();
  #include?: Set<string>;
  #exclude?: Set<string>;

  /** Creates a registry; `onChange` hears every change, after caches are dropped. */
  constructor(
    readonly onDuplicate: OnDuplicate,
    filter: TagFilter,
    private readonly onChange: (kind: ComponentKind) => void,
    private readonly warn: (message: string) => void,
  ) {
    if (filter.includeTags) this.#include = new Set(filter.includeTags);
    if (filter.excludeTags) this.#exclude = new Set(filter.excludeTags);
  }

  /** Adds a component, applying the duplicate policy. Returns the component that is now served. */
  add<T extends Kinded>(component: T): T {
    const map = this.#mapOf(component) as Map<string, T>;
    const existing = map.get(component.key);
    if (existing) {
      const what = `${component.slot.slice(0, -1)} '${component.key}'`;
      if (this.onDuplicate === "error") throw new Error(`${what} is already defined`);
      if (this.onDuplicate === "ignore") return existing;
      if (this.onDuplicate === "warn") {
        this.warn(`${what} is defined twice; the later definition replaces it`);
      }
      existing.owner = undefined;
    }
    component.owner = this;
    map.set(component.key, component);
    this.changed(component.kind);
    return component;
  }

  /** @inheritdoc */
  remove(component: Component): void {
    const map = this.#mapOf(component as Kinded);
    if (map.get(component.key) !== component) return;
    map.delete(component.key);
    component.owner = undefined;
    this.changed(component.kind);
  }

  /** @inheritdoc */
  changed(kind: ComponentKind): void {
    this.#listings.clear();
    this.onChange(kind);
  }

  /** True when a component is enabled and passes the tag filters. */
  visible(component: Component): boolean {
    if (!component.enabled) return false;
    if (this.#exclude && [...component.tags].some((t) => this.#exclude!.has(t))) return false;
    if (this.#include && ![...component.tags].some((t) => this.#include!.has(t))) return false;
    return true;
  }

  /** A visible tool by name. */
  tool(name: string): ToolComponent | undefined {
    const tool = this.tools.get(name);
    return tool && this.visible(tool) ? tool : undefined;
  }

  /** A visible prompt by name. */
  prompt(name: string): PromptComponent | undefined {
    const prompt = this.prompts.get(name);
    return prompt && this.visible(prompt) ? prompt : undefined;
  }

  /** A visible static resource by URI. */
  resource(uri: string): ResourceComponent | undefined {
    const resource = this.resources.get(uri);
    return resource && this.visible(resource) ? resource : undefined;
  }

  /** The first visible template matching `uri`, with its variables. */
  matchTemplate(uri: string): { template: TemplateComponent; params: Record<string, string> } | undefined {
    for (const template of this.templates.values()) {
      if (!this.visible(template)) continue;
      const params = template.matcher.match(uri);
      if (params) return { template, params };
    }
    return undefined;
  }

  /** The wire listing of one map, built once per change. */
  listing(which: "tools" | "resources" | "templates" | "prompts"): unknown[] {
    let cached = this.#listings.get(which);
    if (!cached) {
      const map: Map<string, Kinded> = this[which];
      cached = [...map.values()].filter((c) => this.visible(c)).map((c) => c.listing);
      this.#listings.set(which, cached);
    }
    return cached;
  }

  #mapOf(component: Kinded): Map<string, Kinded> {
    return this[component.slot];
  }
}
