/**
 * The local provider: every component a server defines with `tool()`, `resource()` and
 * `prompt()`, several versions of one name included, and change notifications when something
 * is added, removed, enabled or disabled. Always the server's first provider.
 *
 * @module
 */

import type { Component, ComponentKind, ComponentOwner } from "../components/common.ts";
import type { PromptComponent } from "../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../components/resource.ts";
import type { ToolComponent } from "../components/tool.ts";
import { compareVersions, matchesVersion, type VersionSpec } from "../transforms/versions.ts";
import type { Provider, TemplateMatch } from "./provider.ts";

/** What to do when a component is defined twice under one key. */
export type OnDuplicate = "error" | "warn" | "replace" | "ignore";

type Kinded = ToolComponent | ResourceComponent | TemplateComponent | PromptComponent;
type Slot = Kinded["slot"];

/** One slot's components: by identifier, every version, highest first. */
class Shelf<T extends Kinded> {
  readonly byId = new Map<string, T[]>();
  #all?: T[];

  get all(): readonly T[] {
    return this.#all ??= [...this.byId.values()].flat();
  }

  find(id: string, version?: VersionSpec): T | undefined {
    const versions = this.byId.get(id);
    if (!versions) return undefined;
    if (!version) return versions[0];
    return versions.find((c) => matchesVersion(version, c.version, true));
  }

  put(component: T): void {
    const list = this.byId.get(component.identifier) ?? [];
    const kept = list.filter((c) => c.version !== component.version);
    kept.push(component);
    kept.sort((a, b) => compareVersions(b.version, a.version));
    this.byId.set(component.identifier, kept);
    this.#all = undefined;
  }

  drop(component: T): boolean {
    const list = this.byId.get(component.identifier);
    if (!list?.includes(component)) return false;
    const kept = list.filter((c) => c !== component);
    if (kept.length) this.byId.set(component.identifier, kept);
    else this.byId.delete(component.identifier);
    this.#all = undefined;
    return true;
  }
}

/** The components one server defines. */
export class LocalProvider implements Provider, ComponentOwner {
  readonly #shelves = {
    tools: new Shelf<ToolComponent>(),
    resources: new Shelf<ResourceComponent>(),
    templates: new Shelf<TemplateComponent>(),
    prompts: new Shelf<PromptComponent>(),
  };
  readonly #listeners: ((kind: ComponentKind) => void)[] = [];

  /** Creates the provider; `warn` reports replaced duplicates under the `"warn"` policy. */
  constructor(readonly onDuplicate: OnDuplicate, private readonly warn: (message: string) => void) {}

  /** Adds a component, applying the duplicate policy. Returns the component that is now served. */
  add<T extends Kinded>(component: T): T {
    const shelf = this.#shelf(component.slot) as unknown as Shelf<T>;
    const versions = shelf.byId.get(component.identifier) ?? [];
    const what = `${component.slot.slice(0, -1)} '${component.identifier}'`;
    if (versions.some((c) => (c.version === undefined) !== (component.version === undefined))) {
      throw new TypeError(`${what}: give every definition of one name a version, or none`);
    }
    const existing = versions.find((c) => c.version === component.version);
    if (existing) {
      if (this.onDuplicate === "error") throw new Error(`${what} is already defined`);
      if (this.onDuplicate === "ignore") return existing;
      if (this.onDuplicate === "warn") {
        this.warn(`${what} is defined twice; the later definition replaces it`);
      }
      existing.owner = undefined;
    }
    component.owner = this;
    shelf.put(component);
    this.changed(component.kind);
    return component;
  }

  /** @inheritdoc */
  remove(component: Component): void {
    if (!this.#shelf((component as Kinded).slot).drop(component as never)) return;
    component.owner = undefined;
    this.changed(component.kind);
  }

  /** @inheritdoc */
  changed(kind: ComponentKind): void {
    for (const listener of this.#listeners) listener(kind);
  }

  /** @inheritdoc */
  subscribe(listener: (kind: ComponentKind) => void): void {
    this.#listeners.push(listener);
  }

  /** The highest version of each local component of a slot, by identifier (for `mcp.tools` and friends). */
  latest<S extends Slot>(slot: S): ReadonlyMap<string, Extract<Kinded, { slot: S }>> {
    const out = new Map<string, Extract<Kinded, { slot: S }>>();
    for (const [id, versions] of this.#shelf(slot).byId) out.set(id, versions[0] as never);
    return out;
  }

  /** @inheritdoc */
  listTools(): readonly ToolComponent[] {
    return this.#shelves.tools.all;
  }

  /** @inheritdoc */
  getTool(name: string, version?: VersionSpec): ToolComponent | undefined {
    return this.#shelves.tools.find(name, version);
  }

  /** @inheritdoc */
  listResources(): readonly ResourceComponent[] {
    return this.#shelves.resources.all;
  }

  /** @inheritdoc */
  getResource(uri: string, version?: VersionSpec): ResourceComponent | undefined {
    return this.#shelves.resources.find(uri, version);
  }

  /** @inheritdoc */
  listResourceTemplates(): readonly TemplateComponent[] {
    return this.#shelves.templates.all;
  }

  /** @inheritdoc */
  getResourceTemplate(uri: string, version?: VersionSpec): TemplateMatch | undefined {
    for (const versions of this.#shelves.templates.byId.values()) {
      const params = versions[0].matcher.match(uri);
      if (!params) continue;
      const template = version ? versions.find((t) => matchesVersion(version, t.version, true)) : versions[0];
      if (template) return { template, params };
    }
    return undefined;
  }

  /** @inheritdoc */
  listPrompts(): readonly PromptComponent[] {
    return this.#shelves.prompts.all;
  }

  /** @inheritdoc */
  getPrompt(name: string, version?: VersionSpec): PromptComponent | undefined {
    return this.#shelves.prompts.find(name, version);
  }

  #shelf(slot: Slot): Shelf<Kinded> {
    return this.#shelves[slot] as Shelf<Kinded>;
  }
}
