/**
 * What every component shares: metadata fields, tags, enabled state, and a link back to the
 * registry so that enabling, disabling or removing one notifies clients.
 *
 * @module
 */

import { type AuthCheck, type AuthRule, checksOf } from "../../auth/authorization.ts";
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
  /**
   * The component's version. Several versions may share a name: listings show the highest
   * visible one, and a client may ask for another with `_meta.fastmcp.version`.
   */
  version?: string;
  /**
   * Who may see and use the component over HTTP: a check of the caller's token
   * (`requireScopes("notes:write")`, `requireRoles("admin")`, any function of the `AuthContext`),
   * or a list of them, all of which must pass. A caller they refuse does not find it in listings;
   * calling it gives 403 `insufficient_scope` when scopes are missing, else the answer an unknown
   * name gets. Not applied on stdio (the process is its user's own).
   */
  auth?: AuthRule;
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

/**
 * Where the calls of a component that another server defines are sent (a mounted server): the
 * engine of that server runs them with its own middleware, context and lifespan.
 */
export interface Delegate {
  /** The server that defines the component. */
  readonly target: unknown;
  /** The component as that server names it. */
  readonly component: Component;
}

const NO_CHECKS: readonly AuthCheck[] = Object.freeze([]);

/** Base of tools, resources, templates and prompts. Exported as a type only: the server creates components. */
export abstract class Component {
  /** Which list this component appears in. */
  abstract readonly kind: ComponentKind;
  /** Which registry map holds it. */
  abstract readonly slot: "tools" | "resources" | "templates" | "prompts";
  /** The name clients use: tool or prompt name, resource URI, or URI template. */
  abstract readonly identifier: string;
  /** The wire listing (`tools/list` entry and so on). */
  abstract readonly listing: object;
  /** The component's version, if it has one. */
  readonly version?: string;
  /** Server-side tags. */
  readonly tags: ReadonlySet<string>;
  /** Who may use it (the `auth` option, as a list); see {@link ComponentOptions.auth}. */
  readonly auth: readonly AuthCheck[];
  #enabled: boolean;
  /** @internal set by the registry */
  owner?: ComponentOwner;
  /** @internal the component this one was derived from (renamed by a namespace, say) */
  origin?: Component;
  /** @internal set on components of a mounted server, whose calls that server runs */
  delegate?: Delegate;

  /** Sets up the shared state (tags, enabled, version) from the options. */
  protected constructor(options: ComponentOptions) {
    this.tags = new Set(options.tags ?? []);
    this.auth = options.auth === undefined ? NO_CHECKS : Object.freeze(checksOf(options.auth));
    this.#enabled = options.enabled ?? true;
    if (options.version !== undefined) {
      if (typeof options.version !== "string" || options.version === "" || options.version.includes("@")) {
        throw new TypeError(
          `version ${JSON.stringify(options.version)} must be a non-empty string without '@'`,
        );
      }
      this.version = options.version;
    }
  }

  /** The component's key, as visibility rules name it: `tool:name@version` (`tool:name@` unversioned). */
  get key(): string {
    const type = this.slot === "templates" ? "template" : this.slot.slice(0, -1);
    return `${type}:${this.identifier}@${this.version ?? ""}`;
  }

  /** Whether the component is listed and callable. */
  get enabled(): boolean {
    return this.origin ? this.origin.enabled : this.#enabled;
  }

  /** Makes the component visible again and notifies clients (`list_changed`). */
  enable(): void {
    if (this.origin) return this.origin.enable();
    if (this.#enabled) return;
    this.#enabled = true;
    this.owner?.changed(this.kind);
  }

  /** Hides the component and notifies clients (`list_changed`). */
  disable(): void {
    if (this.origin) return this.origin.disable();
    if (!this.#enabled) return;
    this.#enabled = false;
    this.owner?.changed(this.kind);
  }

  /** Removes the component from its server and notifies clients (`list_changed`). */
  remove(): void {
    if (this.origin) return this.origin.remove();
    this.owner?.remove(this);
  }

  /**
   * A copy of this component under another identifier (a namespaced name or URI) that shares
   * its compiled schemas and handler; `delegate` sends its calls to the server that defines it.
   *
   * @internal
   */
  derive(identifier: string, delegate?: Delegate): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this);
    copy.origin = this.origin ?? this;
    copy.delegate = delegate;
    copy.renamed(identifier);
    return copy;
  }

  /** Sets the identifier of a derived copy and rebuilds what depends on it (the listing). */
  protected abstract renamed(identifier: string): void;
}

/**
 * Copies the optional metadata fields onto a wire listing, skipping the absent ones. A version
 * is listed as `_meta.fastmcp.version`, where FastMCP's clients look for it.
 */
export function withMetadata<T extends object>(
  listing: T,
  options: ComponentOptions & { annotations?: Annotations | Record<string, unknown> },
): T {
  const out = listing as Record<string, unknown>;
  if (options.title !== undefined) out.title = options.title;
  if (options.description !== undefined) out.description = options.description;
  if (options.icons !== undefined) out.icons = options.icons;
  if (options.annotations !== undefined) out.annotations = options.annotations;
  if (options.meta !== undefined) out._meta = options.meta;
  if (options.version !== undefined) {
    const meta = (out._meta ?? {}) as Record<string, unknown>;
    const fastmcp = (meta.fastmcp ?? {}) as Record<string, unknown>;
    out._meta = { ...meta, fastmcp: { ...fastmcp, version: options.version } };
  }
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
