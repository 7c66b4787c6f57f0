/**
 * Tool transforms: a new tool made from an existing one, with another name, description or
 * metadata, and its arguments renamed, redescribed, given defaults, hidden (with a fixed or
 * computed value), made required, or retyped. Calls are forwarded to the parent tool, with the
 * parent's own validation, or go through a function of yours that may call `forward()`. The
 * parent's schema is copied, never changed.
 *
 * @module
 */

import type { Meta, ToolAnnotations } from "../../protocol/types.ts";
import type { Context } from "../context.ts";
import { ToolError } from "../errors.ts";
import type { SchemaLike } from "./schema.ts";
import { ToolComponent, type ToolOptions } from "./tool.ts";

type JsonSchema = Record<string, unknown>;

/** How one argument of the parent tool changes. */
export interface ArgTransform {
  /** Its new name. */
  name?: string;
  /** Its new description. */
  description?: string;
  /** A default (the argument becomes optional). */
  default?: unknown;
  /** A default computed per call; only with `hide` (a schema cannot hold a function). */
  defaultFactory?: () => unknown;
  /** Hidden from clients; the parent gets `default` or `defaultFactory()`. */
  hide?: boolean;
  /** Required of clients (not with a default). */
  required?: true;
  /** Its new JSON Schema (type); `$defs` in it move to the root of the tool's schema. */
  type?: Record<string, unknown>;
  /** Examples shown to clients. */
  examples?: unknown[];
}

/** Calls the parent tool with arguments in the new tool's names (hidden ones are filled in). */
export type Forward = (args: Record<string, unknown>) => Promise<unknown>;

/** Options of {@link Tool.from}. */
export interface ToolTransformOptions {
  /** The new tool's name. Default: the parent's. */
  name?: string;
  /** Its title. */
  title?: string;
  /** Its description. Default: the parent's. */
  description?: string;
  /** Its tags. Default: the parent's. */
  tags?: string[];
  /** Its `_meta`. Default: the parent's. */
  meta?: Meta;
  /** Its annotations. Default: the parent's. */
  annotations?: ToolAnnotations;
  /** How arguments change, by the parent's argument names. */
  args?: Record<string, ArgTransform>;
  /**
   * A function run instead of forwarding: it gets the arguments in the new names and may call
   * `forward()` to run the parent.
   */
  fn?: (args: Record<string, unknown>, ctx: Context, forward: Forward) => unknown;
  /** Its output schema. Default: the parent's. */
  output?: SchemaLike;
}

/**
 * Makes tools from tools.
 *
 * @example
 * ```ts
 * import { FastMCP, Tool } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "search" });
 * const search = mcp.tool("search", {
 *   input: z.object({ q: z.string(), limit: z.number(), api_key: z.string() }),
 * }, async ({ q, limit }) => `${limit} results for ${q}`);
 * search.disable();
 * mcp.addTool(Tool.from(search, {
 *   name: "find",
 *   description: "Find documents",
 *   args: {
 *     q: { name: "query", description: "What to look for" },
 *     limit: { default: 10 },
 *     api_key: { hide: true, defaultFactory: () => "from-env" },
 *   },
 * }));
 * ```
 */
export const Tool: {
  /** A new tool from `parent`; throws a TypeError for a transform that cannot hold. */
  from(parent: ToolComponent, options?: ToolTransformOptions): ToolComponent;
} = {
  from(parent, options = {}) {
    const name = options.name ?? parent.name;
    const plan = planArgs(parent, name, options.args ?? {});
    const forward = async (given: Record<string, unknown>, ctx: Context): Promise<unknown> => {
      let args = given;
      const parentArgs: Record<string, unknown> = {};
      for (const [newName, value] of plan.defaults) {
        if (args[newName] === undefined) args = { ...args, [newName]: value };
      }
      for (const [newName, value] of Object.entries(args)) {
        const original = plan.toParent.get(newName);
        // Arguments the new schema does not know (a custom fn's extras) are not the parent's.
        if (original !== undefined) parentArgs[original] = value;
      }
      for (const [original, fill] of plan.hidden) parentArgs[original] = fill();
      const checked = await parent.input.validate(parentArgs);
      if (!checked.ok) throw new ToolError(`Invalid arguments for tool '${parent.name}': ${checked.message}`);
      return await parent.handler(checked.value as never, ctx);
    };
    const handler = options.fn
      ? async (args: unknown, ctx: Context) =>
        await options.fn!(args as Record<string, unknown>, ctx, (a) => forward(a, ctx))
      : async (args: unknown, ctx: Context) => await forward(args as Record<string, unknown>, ctx);
    const listed = parent.listing;
    const toolOptions: ToolOptions = {
      title: options.title ?? listed.title,
      description: options.description ?? listed.description,
      tags: options.tags ?? [...parent.tags],
      meta: options.meta ?? metaWithoutVersion(listed._meta),
      annotations: options.annotations ?? listed.annotations,
      icons: listed.icons,
      input: plan.schema,
      output: options.output ?? outputOf(parent),
      timeoutMs: parent.timeoutMs,
      auth: parent.auth.length ? [...parent.auth] : undefined,
    };
    return new ToolComponent(name, toolOptions, handler);
  },
};

/** What planning the arguments gives: the new schema, the way back to the parent's names, the hidden fills. */
interface ArgPlan {
  schema: JsonSchema;
  toParent: Map<string, string>;
  hidden: Map<string, () => unknown>;
  /** Defaults the transforms give, by new name (validators need not fill them in). */
  defaults: Map<string, unknown>;
}

function planArgs(parent: ToolComponent, tool: string, transforms: Record<string, ArgTransform>): ArgPlan {
  // A deep copy: the parent's schema (its listing, its validator) is never changed.
  const source = structuredClone(parent.input.jsonSchema) as JsonSchema;
  const properties = (source.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((source.required ?? []) as string[]);
  const where = `Tool.from('${parent.name}' → '${tool}')`;
  for (const arg of Object.keys(transforms)) {
    if (!Object.hasOwn(properties, arg)) throw new TypeError(`${where}: the parent has no argument '${arg}'`);
  }
  const defs = { ...(source.$defs ?? {}) as Record<string, JsonSchema> };
  const outProperties: Record<string, JsonSchema> = {};
  const outRequired: string[] = [];
  const toParent = new Map<string, string>();
  const hidden = new Map<string, () => unknown>();
  const defaults = new Map<string, unknown>();
  for (const [arg, original] of Object.entries(properties)) {
    const t = Object.hasOwn(transforms, arg) ? transforms[arg] : {};
    const wasRequired = required.has(arg);
    if (t.defaultFactory && !t.hide) {
      throw new TypeError(`${where}: '${arg}' has a defaultFactory, which needs hide: true`);
    }
    if (t.required && (t.default !== undefined || t.hide)) {
      throw new TypeError(`${where}: '${arg}' cannot be required and have a default or be hidden`);
    }
    if (t.hide) {
      const fixed = t.default;
      if (t.defaultFactory) hidden.set(arg, t.defaultFactory);
      else if (fixed !== undefined) hidden.set(arg, () => structuredClone(fixed));
      else if (wasRequired && original.default === undefined) {
        throw new TypeError(`${where}: hiding the required '${arg}' needs a default or a defaultFactory`);
      }
      continue;
    }
    const newName = t.name ?? arg;
    if (toParent.has(newName)) throw new TypeError(`${where}: two arguments would be named '${newName}'`);
    toParent.set(newName, arg);
    let schema: JsonSchema = { ...original };
    if (t.type) {
      const { $defs, ...type } = structuredClone(t.type);
      for (const [defName, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
        if (Object.hasOwn(defs, defName) && JSON.stringify(defs[defName]) !== JSON.stringify(def)) {
          throw new TypeError(`${where}: '$defs/${defName}' of '${arg}' differs from the one the tool has`);
        }
        defs[defName] = def;
      }
      schema = { ...type, ...(original.description ? { description: original.description } : {}) };
    }
    if (t.description !== undefined) schema.description = t.description;
    if (t.examples !== undefined) schema.examples = t.examples;
    if (t.default !== undefined) {
      schema.default = t.default;
      defaults.set(newName, t.default);
    }
    outProperties[newName] = schema;
    if (t.required || (wasRequired && t.default === undefined)) outRequired.push(newName);
  }
  const schema: JsonSchema = { ...source, type: "object", properties: outProperties };
  if (outRequired.length) schema.required = outRequired;
  else delete schema.required;
  if (Object.keys(defs).length) schema.$defs = defs;
  return { schema, toParent, hidden, defaults };
}

/** The parent's `_meta` without its version (the new tool is a tool of its own, unversioned). */
function metaWithoutVersion(meta: Meta | undefined): Meta | undefined {
  const fastmcp = meta?.fastmcp as Record<string, unknown> | undefined;
  if (!fastmcp || !("version" in fastmcp)) return meta;
  const { version: _version, ...rest } = fastmcp;
  return { ...meta, fastmcp: rest };
}

/** The parent's output schema as a definition takes it (unwrapped when the parent wrapped it). */
function outputOf(parent: ToolComponent): SchemaLike | undefined {
  if (!parent.output) return undefined;
  const schema = parent.output.jsonSchema;
  return parent.wrapsResult ? (schema.properties as Record<string, JsonSchema>).result : schema;
}
