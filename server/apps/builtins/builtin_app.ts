/**
 * What the ready-made apps share: a provider of their tools and their one UI resource, which
 * brings the Apps extension with it.
 *
 * @module
 */

import type { ResourceComponent } from "../../components/resource.ts";
import type { ToolComponent } from "../../components/tool.ts";
import type { Extension } from "../../extensions/extension.ts";
import type { Provider } from "../../providers/provider.ts";
import { APPS_EXTENSION } from "../apps.ts";
import type { AppPage } from "./page.ts";

/**
 * A provider of a ready-made app's tools and page (`FormInput`, `Approval`, `Choice`); add one
 * with `mcp.addProvider()`.
 *
 * @example
 * ```ts
 * import { Approval, type BuiltinApp, FastMCP } from "@denomcp/denomcp";
 * const app: BuiltinApp = new Approval();
 * console.log(app.page.hashes.script); // pin the page's script in a host's policy
 * new FastMCP({ name: "ops" }).addProvider(app);
 * ```
 */
export abstract class BuiltinApp implements Provider {
  /** The Apps extension, which the server adds with this app. */
  readonly extensions: readonly Extension[] = [APPS_EXTENSION];
  readonly #tools: ReadonlyMap<string, ToolComponent>;
  readonly #resources: ReadonlyMap<string, ResourceComponent>;

  /** `page` is the app's document (its hashes let a host pin its script and style). */
  protected constructor(tools: ToolComponent[], resources: ResourceComponent[], readonly page: AppPage) {
    this.#tools = new Map(tools.map((t) => [t.name, t]));
    this.#resources = new Map(resources.map((r) => [r.uri, r]));
  }

  /** The app's tools. */
  listTools(): readonly ToolComponent[] {
    return [...this.#tools.values()];
  }

  /** One of them by name. */
  getTool(name: string): ToolComponent | undefined {
    return this.#tools.get(name);
  }

  /** The app's page. */
  listResources(): readonly ResourceComponent[] {
    return [...this.#resources.values()];
  }

  /** It by URI. */
  getResource(uri: string): ResourceComponent | undefined {
    return this.#resources.get(uri);
  }

  /** None. */
  listResourceTemplates(): readonly [] {
    return [];
  }

  /** None. */
  getResourceTemplate(): undefined {
    return undefined;
  }

  /** None. */
  listPrompts(): readonly [] {
    return [];
  }

  /** None. */
  getPrompt(): undefined {
    return undefined;
  }
}
