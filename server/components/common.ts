/**
 * What every component shares: metadata fields, tags, enabled state, and a link back to the
 * registry so that enabling, disabling or removing one notifies clients.
 *
 * @module
 */

import type { Annotations, Icon, Meta } from "../../protocol/types.ts";

/** Metadata options every component accepts. */
export interface ComponentOptions {
  /** Human-readable title. */
  title?: string;
  /** What the component does; shown to the model. */
  description?: string;
  /** Icons a client may show. */
  icons?: Icon[];
  /** Free-form `_meta` sent with the listing. */
  meta?: Meta;
  /** Server-side labels for filtering with `includeTags` / `excludeTags`. */
  tags?: string[];
  /** Whether the component is listed and callable; toggle later with `enable()` / `disable()`. */
  enabled?: boolean;
}

/** Component kinds, named as their list methods are. */
export type ComponentKind = "tools" | "resources" | "prompts";

/**
 * The registry side of a component: how it reports changes. Internal: exported only because
 * {@link Component} refers to it; not a stable API.
 */
export interface ComponentOwner {
  /** Notifies clients that the list of `kind` changed (`list_changed`). */
  changed(kind: ComponentKind): void;
  /** Removes `component` from the registry and notifies clients. */
  remove(component: Component): void;
}

/** Base of tools, resources, templates and prompts. Exported as a type only: the server creates components. */
export abstract class Component {
  /** Which list this component appears in. */
  abstract readonly kind: ComponentKind;
  /** Which registry map holds it. */
  abstract readonly slot: "tools" | "resources" | "templates" | "prompts";
  /** The registry key (tool/prompt name, resource URI or URI template). */
  abstract readonly key: string;
  /** Server-side tags. */
  readonly tags: ReadonlySet<string>;
  #enabled: boolean;
  /** @internal set by the registry */
  owner?: ComponentOwner;

  /** Sets up the shared state (tags, enabled) from the options. */
  protected constructor(options: ComponentOptions) {
    this.tags = new Set(options.tags ?? []);
    this.#enabled = options.enabled ?? true;
  }

  /** Whether the component is listed and callable. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Makes the component visible again and notifies clients (`list_changed`). */
  enable(): void {
    if (this.#enabled) return;
    this.#enabled = true;
    this.owner?.changed(this.kind);
  }

  /** Hides the component and notifies clients (`list_changed`). */
  disable(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    this.owner?.changed(this.kind);
  }

  /** Removes the component from its server and notifies clients (`list_changed`). */
  remove(): void {
    this.owner?.remove(this);
  }
}

/** Copies the optional metadata fields onto a wire listing, skipping the absent ones. */
export function withMetadata<T extends Record<string, unknown>>(
  listing: T,
  options: ComponentOptions & { annotations?: Annotations | Record<string, unknown> },
): T {
  const out: Record<string, unknown> = listing;
  if (options.title !== undefined) out.title = options.title;
  if (options.description !== undefined) out.description = options.description;
  if (options.icons !== undefined) out.icons = options.icons;
  if (options.annotations !== undefined) out.annotations = options.annotations;
  if (options.meta !== undefined) out._meta = options.meta;
  return listing;
}

/** Tool and prompt names allowed by SEP-986 (and checked by the conformance suite). */
export const COMPONENT_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Throws a TypeError when a tool or prompt name is not allowed. */
export function checkName(kind: string, name: string): void {
  if (!COMPONENT_NAME.test(name)) {
    throw new TypeError(`${kind} name '${name}' must be 1-128 characters of A-Z a-z 0-9 _ - .`);
  }
}
