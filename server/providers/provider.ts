/**
 * `Provider`: where components come from. A server asks its providers, in order, for listings
 * and lookups; its own definitions (the local provider) come first, then mounted servers and
 * anything added with `mcp.addProvider()`. Lookups may answer synchronously, so that serving a
 * locally defined tool makes no promise.
 *
 * @module
 */

import type { ComponentKind } from "../components/common.ts";
import type { PromptComponent } from "../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../components/resource.ts";
import type { ToolComponent } from "../components/tool.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import type { Extension } from "../extensions/extension.ts";
import type { VersionSpec } from "../transforms/versions.ts";

/** A template that matches a URI, with the URI's variables. */
export interface TemplateMatch {
  /** The matching template. */
  readonly template: TemplateComponent;
  /** The variables read from the URI. */
  readonly params: Record<string, string>;
  /** The URI as the server that defines the template names it (set by a mounted server's provider). */
  readonly uri?: string;
}

/**
 * A source of components. Listings return every version of every component (visibility and
 * version choice are the server's); lookups return the highest version `version` allows.
 *
 * @example
 * ```ts
 * import { FastMCP, type Provider, ToolComponent } from "@denomcp/denomcp";
 *
 * // Tools from somewhere else: a fixed set here.
 * const mcp = new FastMCP({ name: "host" });
 * const clock = new FastMCP({ name: "clock" });
 * const now = clock.tool("now", async () => new Date().toISOString());
 * const provider: Provider = {
 *   listTools: () => [now],
 *   getTool: (name) => (name === "now" ? now : undefined),
 *   listResources: () => [],
 *   getResource: () => undefined,
 *   listResourceTemplates: () => [],
 *   getResourceTemplate: () => undefined,
 *   listPrompts: () => [],
 *   getPrompt: () => undefined,
 * };
 * mcp.addProvider(provider);
 * void ToolComponent;
 * ```
 */
export interface Provider {
  /** Every tool. */
  listTools(): MaybePromise<readonly ToolComponent[]>;
  /** A tool by name. */
  getTool(name: string, version?: VersionSpec): MaybePromise<ToolComponent | undefined>;
  /** Every static resource. */
  listResources(): MaybePromise<readonly ResourceComponent[]>;
  /** A static resource by URI. */
  getResource(uri: string, version?: VersionSpec): MaybePromise<ResourceComponent | undefined>;
  /** Every resource template. */
  listResourceTemplates(): MaybePromise<readonly TemplateComponent[]>;
  /** The template a concrete URI matches. */
  getResourceTemplate(uri: string, version?: VersionSpec): MaybePromise<TemplateMatch | undefined>;
  /** Every prompt. */
  listPrompts(): MaybePromise<readonly PromptComponent[]>;
  /** A prompt by name. */
  getPrompt(name: string, version?: VersionSpec): MaybePromise<PromptComponent | undefined>;
  /** Called by the server to hear when a list changes (so clients get `list_changed`). */
  subscribe?(listener: (kind: ComponentKind) => void): void;
  /** Protocol extensions the provider's content needs (a skills provider's); the server adds them. */
  readonly extensions?: readonly Extension[];
  /** Entered when the server starts (before its first request). */
  start?(): Promise<void>;
  /** Left when the server stops. */
  stop?(): Promise<void>;
}
