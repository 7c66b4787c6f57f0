/**
 * A mounted server as a provider: the parent lists and looks up what the child shows (after the
 * child's own transforms and visibility), and every component it hands out carries a delegate,
 * so that calls run in the child: the child's middleware, context, lifespan and state.
 *
 * @module
 */

import type { AuthCheck } from "../../auth/authorization.ts";
import type { Component, ComponentKind } from "../components/common.ts";
import type { PromptComponent } from "../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../components/resource.ts";
import type { ToolComponent } from "../components/tool.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import type { VersionSpec } from "../transforms/versions.ts";
import type { Catalog } from "./catalog.ts";
import type { Provider, TemplateMatch } from "./provider.ts";

/** What a mount needs of the child server. */
export interface MountedServer {
  /** The child's catalog. */
  readonly catalog: Catalog;
  /** Hears the child's list changes. */
  onListChanged(listener: (kind: ComponentKind) => void): void;
  /** Enters the child's lifespan (with the parent's store). */
  startMounted(): Promise<void>;
  /** Leaves it. */
  stopMounted(): Promise<void>;
}

/** The provider of one mounted server. */
export class MountProvider implements Provider {
  readonly #wrapped = new WeakMap<Component, Component>();

  /** Mounts `child`; `auth` applies to every component it hands out (the mount's `auth` option). */
  constructor(readonly child: MountedServer, private readonly auth: readonly AuthCheck[] = []) {}

  #wrap<T extends Component>(component: T): T {
    let wrapped = this.#wrapped.get(component) as T | undefined;
    if (!wrapped) {
      wrapped = component.derive(component.identifier, { target: this.child, component });
      if (this.auth.length) {
        (wrapped as { auth: readonly AuthCheck[] }).auth = Object.freeze([...this.auth, ...component.auth]);
      }
      this.#wrapped.set(component, wrapped);
    }
    return wrapped;
  }

  #visible<T extends Component>(all: MaybePromise<readonly T[]>): MaybePromise<readonly T[]> {
    const { catalog } = this.child;
    return then(all, (items) => items.filter((c) => catalog.isVisible(c)).map((c) => this.#wrap(c)));
  }

  /** @inheritdoc */
  listTools(): MaybePromise<readonly ToolComponent[]> {
    return this.#visible(this.child.catalog.all("tools") as MaybePromise<readonly ToolComponent[]>);
  }

  /** @inheritdoc */
  getTool(name: string, version?: VersionSpec): MaybePromise<ToolComponent | undefined> {
    return then(this.child.catalog.tool(name, version), (t) => t && this.#wrap(t));
  }

  /** @inheritdoc */
  listResources(): MaybePromise<readonly ResourceComponent[]> {
    return this.#visible(this.child.catalog.all("resources") as MaybePromise<readonly ResourceComponent[]>);
  }

  /** @inheritdoc */
  getResource(uri: string, version?: VersionSpec): MaybePromise<ResourceComponent | undefined> {
    return then(this.child.catalog.resource(uri, version), (r) => r && this.#wrap(r));
  }

  /** @inheritdoc */
  listResourceTemplates(): MaybePromise<readonly TemplateComponent[]> {
    return this.#visible(this.child.catalog.all("templates") as MaybePromise<readonly TemplateComponent[]>);
  }

  /** @inheritdoc */
  getResourceTemplate(uri: string, version?: VersionSpec): MaybePromise<TemplateMatch | undefined> {
    return then(
      this.child.catalog.template(uri, version),
      (m) => m && { template: this.#wrap(m.template), params: m.params, uri },
    );
  }

  /** @inheritdoc */
  listPrompts(): MaybePromise<readonly PromptComponent[]> {
    return this.#visible(this.child.catalog.all("prompts") as MaybePromise<readonly PromptComponent[]>);
  }

  /** @inheritdoc */
  getPrompt(name: string, version?: VersionSpec): MaybePromise<PromptComponent | undefined> {
    return then(this.child.catalog.prompt(name, version), (p) => p && this.#wrap(p));
  }

  /** @inheritdoc */
  subscribe(listener: (kind: ComponentKind) => void): void {
    this.child.onListChanged(listener);
  }

  /** @inheritdoc */
  start(): Promise<void> {
    return this.child.startMounted();
  }

  /** @inheritdoc */
  stop(): Promise<void> {
    return this.child.stopMounted();
  }
}
