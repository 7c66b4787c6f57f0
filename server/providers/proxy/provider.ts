/**
 * `ProxyProvider`: the components of a server that lives somewhere else, reached through a
 * client. Listings are cached for `listCacheTtlMs` and dropped when the upstream says its lists
 * changed; lookups use the last listing and ask again only for a name it does not hold.
 *
 * @module
 */

import type { Client } from "../../../client/client.ts";
import type { ComponentKind } from "../../components/common.ts";
import type { PromptComponent } from "../../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../../components/resource.ts";
import type { ToolComponent } from "../../components/tool.ts";
import type { Context } from "../../context.ts";
import type { Provider, TemplateMatch } from "../provider.ts";
import { proxyPrompt, proxyResource, proxyTemplate, proxyTool, type Upstream } from "./components.ts";
import { Relay, type RelayLimits } from "./relay.ts";
import { declaresSkills } from "../../../protocol/skills.ts";
import type { Extension } from "../../extensions/extension.ts";
import { SKILLS_EXTENSION } from "../../skills/extension.ts";
import { APPS_EXTENSION } from "../../apps/apps.ts";
import { skillInfoOf } from "../../skills/resources.ts";

/** Options of {@link ProxyProvider}. */
export interface ProxyProviderOptions extends RelayLimits {
  /** How long a listing of the upstream is reused, in ms (default 60,000; 0 asks every time). */
  listCacheTtlMs?: number;
  /** Timeout of each forwarded request, in ms (default: the client's). */
  timeoutMs?: number;
  /** Name of the upstream in messages (default: its server name). */
  label?: string;
  /**
   * The client of one downstream session, for upstreams that keep state per session (the
   * proxy's `stateful` option); the shared client otherwise.
   */
  sessionClient?: (ctx: Context) => Promise<Client> | undefined;
  /** Names of downstream HTTP request headers sent on with each forwarded request (lowercase). */
  forwardHeaders?: readonly string[];
}

interface Snapshot<T> {
  readonly items: readonly T[];
  readonly byId: ReadonlyMap<string, T>;
  readonly at: number;
}

type Kind = "tools" | "resources" | "templates" | "prompts";

/**
 * The components of an upstream server, through `client` (connected on first use).
 *
 * @example
 * ```ts
 * import { Client } from "@denomcp/denomcp/client";
 * import { FastMCP, ProxyProvider } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const upstream = new FastMCP({ name: "upstream" });
 * upstream.tool("echo", { input: z.object({ text: z.string() }) }, async ({ text }) => text);
 * const gateway = new FastMCP({ name: "gateway" });
 * gateway.addProvider(new ProxyProvider(new Client(upstream)), { namespace: "up" });
 * ```
 */
export class ProxyProvider implements Provider {
  /** Skills and Apps: an upstream's skills and app tools and UI resources are passed on (none when it has none). */
  readonly extensions: readonly Extension[] = [SKILLS_EXTENSION, APPS_EXTENSION];
  readonly #client: Client;
  readonly #ttl: number;
  readonly #snapshots = new Map<Kind, Snapshot<unknown>>();
  readonly #pending = new Map<Kind, Promise<Snapshot<unknown>>>();
  readonly #listeners: ((kind: ComponentKind) => void)[] = [];
  readonly #upstream: Upstream;

  /** A provider over `client`; `options` as {@link ProxyProviderOptions}. */
  constructor(client: Client, options: ProxyProviderOptions = {}) {
    this.#client = client;
    this.#ttl = options.listCacheTtlMs ?? 60_000;
    const relay = new Relay(options);
    const shared = async () => {
      await client.connect();
      return client;
    };
    this.#upstream = {
      client: (ctx) => options.sessionClient?.(ctx) ?? shared(),
      relay,
      timeoutMs: options.timeoutMs,
      forwardHeaders: options.forwardHeaders ?? [],
      get label() {
        return `'${options.label ?? client.serverInfo?.name ?? "server"}'`;
      },
    };
  }

  /** The client this provider forwards through. */
  get client(): Client {
    return this.#client;
  }

  /** Forgets the cached listings of `kind` and tells the server they changed. */
  changed(kind: ComponentKind): void {
    if (kind === "resources") {
      this.#snapshots.delete("resources");
      this.#snapshots.delete("templates");
    } else this.#snapshots.delete(kind);
    for (const listener of this.#listeners) listener(kind);
  }

  /** Called by the server to hear when a list changes. */
  subscribe(listener: (kind: ComponentKind) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Entered when the server starts. Nothing connects here: a proxy is lazy, and its first
   * client's greeting connects (the server leaves only providers it entered, hence this method).
   */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Ends the parked calls and closes the client. */
  async stop(): Promise<void> {
    this.#upstream.relay.close();
    await this.#client.close();
  }

  async #snapshot<T extends { identifier: string }>(kind: Kind, fresh: boolean): Promise<Snapshot<T>> {
    const cached = this.#snapshots.get(kind) as Snapshot<T> | undefined;
    if (cached && !fresh && (this.#ttl === 0 ? false : Date.now() - cached.at < this.#ttl)) return cached;
    let pending = this.#pending.get(kind) as Promise<Snapshot<T>> | undefined;
    if (!pending) {
      pending = this.#fetch<T>(kind).finally(() => this.#pending.delete(kind));
      this.#pending.set(kind, pending as Promise<Snapshot<unknown>>);
    }
    return await pending;
  }

  async #fetch<T extends { identifier: string }>(kind: Kind): Promise<Snapshot<T>> {
    const client = this.#client;
    await client.connect();
    const up = this.#upstream;
    let items: (T | undefined)[];
    switch (kind) {
      case "tools":
        items = (await client.listTools()).map((d) => proxyTool(d, up)) as (T | undefined)[];
        break;
      case "resources": {
        const skills = declaresSkills(client.serverCapabilities) ? await client.listSkills() : [];
        const infos = new Map(skills.map((entry) => [entry.uri, skillInfoOf(entry)]));
        items = (await client.listResources()).map((d) => proxyResource(d, up, infos.get(d.uri))) as (
          | T
          | undefined
        )[];
        break;
      }
      case "templates":
        items = (await client.listResourceTemplates()).map((d) => proxyTemplate(d, up)) as (T | undefined)[];
        break;
      case "prompts":
        items = (await client.listPrompts()).map((d) => proxyPrompt(d, up)) as (T | undefined)[];
        break;
    }
    const kept = items.filter((c): c is T => c !== undefined);
    const snapshot: Snapshot<T> = {
      items: kept,
      byId: new Map(kept.map((c) => [c.identifier, c])),
      at: Date.now(),
    };
    this.#snapshots.set(kind, snapshot as Snapshot<unknown>);
    return snapshot;
  }

  /** A component by identifier: from the last listing, asking again only when it is not there. */
  async #lookup<T extends { identifier: string }>(kind: Kind, id: string): Promise<T | undefined> {
    const cached = this.#snapshots.get(kind) as Snapshot<T> | undefined;
    const hit = cached?.byId.get(id);
    if (hit) return hit;
    return (await this.#snapshot<T>(kind, cached !== undefined)).byId.get(id);
  }

  /** Every upstream tool. */
  async listTools(): Promise<readonly ToolComponent[]> {
    return (await this.#snapshot<ToolComponent>("tools", false)).items;
  }

  /** An upstream tool by name. */
  getTool(name: string): Promise<ToolComponent | undefined> {
    return this.#lookup<ToolComponent>("tools", name);
  }

  /** Every upstream resource. */
  async listResources(): Promise<readonly ResourceComponent[]> {
    return (await this.#snapshot<ResourceComponent>("resources", false)).items;
  }

  /** An upstream resource by URI. */
  getResource(uri: string): Promise<ResourceComponent | undefined> {
    return this.#lookup<ResourceComponent>("resources", uri);
  }

  /** Every upstream resource template. */
  async listResourceTemplates(): Promise<readonly TemplateComponent[]> {
    return (await this.#snapshot<TemplateComponent>("templates", false)).items;
  }

  /** The upstream template a URI matches. */
  async getResourceTemplate(uri: string): Promise<TemplateMatch | undefined> {
    const match = (items: readonly TemplateComponent[]) => {
      for (const template of items) {
        const params = template.matcher.match(uri);
        if (params) return { template, params };
      }
      return undefined;
    };
    const cached = this.#snapshots.get("templates") as Snapshot<TemplateComponent> | undefined;
    return (cached && match(cached.items)) ??
      match((await this.#snapshot<TemplateComponent>("templates", cached !== undefined)).items);
  }

  /** Every upstream prompt. */
  async listPrompts(): Promise<readonly PromptComponent[]> {
    return (await this.#snapshot<PromptComponent>("prompts", false)).items;
  }

  /** An upstream prompt by name. */
  getPrompt(name: string): Promise<PromptComponent | undefined> {
    return this.#lookup<PromptComponent>("prompts", name);
  }
}
