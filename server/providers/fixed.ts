/**
 * `FixedProvider`: a provider of tools and resources known up front (a ready-made app's, a skills
 * folder's), with no templates or prompts. Subclasses fill its maps.
 *
 * @module
 */

import type { ResourceComponent } from "../components/resource.ts";
import type { ToolComponent } from "../components/tool.ts";
import type { Provider } from "./provider.ts";

/**
 * The base of providers whose tools and resources are fixed when they are made.
 *
 * @example
 * ```ts
 * import { FastMCP, FixedProvider, ToolComponent } from "@denomcp/denomcp";
 * class Clock extends FixedProvider {
 *   constructor() {
 *     super();
 *     this.tools.set("now", new ToolComponent("now", {}, async () => await Promise.resolve(new Date().toISOString())));
 *   }
 * }
 * new FastMCP({ name: "clock" }).addProvider(new Clock());
 * ```
 */
export abstract class FixedProvider implements Provider {
  /** The tools, by name. */
  protected readonly tools: Map<string, ToolComponent> = new Map();
  /** The resources, by URI. */
  protected readonly resources: Map<string, ResourceComponent> = new Map();

  /** The tools. */
  listTools(): readonly ToolComponent[] {
    return [...this.tools.values()];
  }

  /** A tool by name. */
  getTool(name: string): ToolComponent | undefined {
    return this.tools.get(name);
  }

  /** The resources. */
  listResources(): readonly ResourceComponent[] {
    return [...this.resources.values()];
  }

  /** A resource by URI. */
  getResource(uri: string): ResourceComponent | undefined {
    return this.resources.get(uri);
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
