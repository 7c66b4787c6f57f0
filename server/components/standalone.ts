/**
 * Standalone definitions: `tool()`, `resource()` and `prompt()` without a server, for modules
 * that a `FileSystemProvider` loads. They compile the same components `mcp.tool()` and friends
 * do; a module exports them (named or default exports, arrays allowed). A pool worker finds a
 * synchronous standalone tool among the exports of the module that defined it.
 *
 * @module
 */

import { callerModule } from "../workers/module_capture.ts";
import { PromptComponent, type PromptHandler, type PromptOptions } from "./prompt.ts";
import {
  ResourceComponent,
  type ResourceHandler,
  type ResourceOptions,
  TemplateComponent,
  type UriParams,
} from "./resource.ts";
import type { SchemaLike } from "./schema.ts";
import { ToolComponent, type ToolHandler, type ToolOptions } from "./tool.ts";
import { isUriTemplate } from "./uri_template.ts";

/** A component a standalone definition makes. */
export type Definition = ToolComponent | ResourceComponent | TemplateComponent | PromptComponent;

/**
 * The components made by the functions below, so that only these count as a module's
 * definitions (a component a server made and a module happens to export is that server's).
 */
const standalone = new WeakSet<Definition>();

function defined<T extends Definition>(component: T): T {
  standalone.add(component);
  return component;
}

/**
 * Defines a tool outside any server, for a module a `FileSystemProvider` loads; takes the
 * options of `mcp.tool()`. A synchronous handler runs in the worker pool, which imports the
 * defining module and finds the tool among its exports: export it.
 *
 * @example
 * ```ts
 * import { tool } from "@denomcp/denomcp";
 * import { z } from "zod";
 * export const add = tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
 * ```
 */
export function tool<S extends SchemaLike | undefined = undefined>(
  name: string,
  handler: ToolHandler<S>,
): ToolComponent;
/** Defines a standalone tool with options. */
export function tool<S extends SchemaLike | undefined = undefined>(
  name: string,
  options: ToolOptions<S>,
  handler: ToolHandler<S>,
): ToolComponent;
export function tool(name: string, a: ToolOptions | ToolHandler<unknown>, b?: ToolHandler<unknown>) {
  const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
  const component = new ToolComponent(name, options, handler);
  // The stack names the module, query included (`tools.ts?v=3`), so a worker imports the same version.
  if (component.runsInThread) component.module ??= callerModule();
  return defined(component);
}

/**
 * Defines a resource outside any server; a URI with `{variables}` defines a template. Takes the
 * options of `mcp.resource()`.
 *
 * @example
 * ```ts
 * import { resource } from "@denomcp/denomcp";
 * export const config = resource("config://app", () => ({ theme: "dark" }));
 * export const profile = resource("users://{id}/profile", { mimeType: "application/json" }, ({ id }) => ({ id }));
 * ```
 */
export function resource<U extends string>(
  uri: U,
  handler: ResourceHandler<UriParams<U>>,
): ResourceComponent | TemplateComponent;
/** Defines a standalone resource or template with options. */
export function resource<U extends string>(
  uri: U,
  options: ResourceOptions,
  handler: ResourceHandler<UriParams<U>>,
): ResourceComponent | TemplateComponent;
export function resource(
  uri: string,
  a: ResourceOptions | ResourceHandler<never>,
  b?: ResourceHandler<never>,
) {
  const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
  const h = handler as ResourceHandler;
  return defined(
    isUriTemplate(uri) ? new TemplateComponent(uri, options, h) : new ResourceComponent(uri, options, h),
  );
}

/**
 * Defines a prompt outside any server; takes the options of `mcp.prompt()`.
 *
 * @example
 * ```ts
 * import { prompt } from "@denomcp/denomcp";
 * import { z } from "zod";
 * export default prompt("summarise", { args: z.object({ text: z.string() }) }, ({ text }) => `Summarise:\n${text}`);
 * ```
 */
export function prompt<S extends SchemaLike | undefined = undefined>(
  name: string,
  handler: PromptHandler<S>,
): PromptComponent;
/** Defines a standalone prompt with options. */
export function prompt<S extends SchemaLike | undefined = undefined>(
  name: string,
  options: PromptOptions<S>,
  handler: PromptHandler<S>,
): PromptComponent;
export function prompt(name: string, a: PromptOptions | PromptHandler<unknown>, b?: PromptHandler<unknown>) {
  const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
  return defined(new PromptComponent(name, options, handler));
}

/** The standalone definitions among a module's exports (arrays of them included), each once. */
export function definitionsOf(exports: Record<string, unknown>): Definition[] {
  const found = new Set<Definition>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (standalone.has(value as Definition)) found.add(value as Definition);
  };
  for (const value of Object.values(exports)) visit(value);
  return [...found];
}

/** The standalone tool a module exports under `name` (and `version`), as a pool worker looks for it. */
export function exportedTool(
  exports: Record<string, unknown>,
  name: string,
  version: string | undefined,
): ToolComponent | undefined {
  return definitionsOf(exports).find((c): c is ToolComponent =>
    c instanceof ToolComponent && c.name === name && c.version === version
  );
}
