/**
 * `callTool` inside a Code Mode execution: each call counted against `maxToolCalls`, limited to
 * the caller's catalog, sent through the server's normal path (middleware, auth, validation),
 * and answered with the tool's structured content (a wrapped `{ result }` unwrapped), else its
 * text; a failed tool becomes an exception in the code.
 *
 * @module
 */

import { ProtocolError } from "../../protocol/errors.ts";
import type { CallToolResult, Tool } from "../../protocol/types.ts";
import type { Context } from "../context.ts";
import { wrapsResult } from "./declarations.ts";

/** What one execution's `callTool` needs. */
export interface CallBridgeOptions {
  /** The caller's tools, without Code Mode's own. */
  readonly tools: (ctx: Context) => Promise<Tool[]>;
  /** Whether a name is one of Code Mode's own tools (not callable from code). */
  readonly isOwn: (name: string) => boolean;
  /** Calls per execution at most (null: no limit). */
  readonly maxToolCalls: number | null;
  /** Arguments added to every call, for tools that take them and were not given them. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/** `callTool` for one execution; resolves with the JSON of the tool's value. */
export function callBridge(
  ctx: Context,
  options: CallBridgeOptions,
): (name: string, args: Record<string, unknown>) => Promise<string> {
  const max = options.maxToolCalls;
  let calls = 0;
  let catalog: Promise<Map<string, Tool>> | undefined;
  return async (name, args) => {
    calls++;
    if (max !== null && calls > max) {
      throw new Error(`at most ${max} callTool() calls are allowed per execution (maxToolCalls)`);
    }
    if (options.isOwn(name)) throw new Error(`'${name}' cannot be called from code`);
    // Listed once per execution: what the caller may call does not change within one.
    catalog ??= options.tools(ctx).then((tools) => new Map(tools.map((t) => [t.name, t])));
    const tool = (await catalog).get(name);
    if (!tool) throw new Error(`unknown tool '${name}'; find tools with search`);
    const accepted = Object.keys((tool.inputSchema.properties ?? {}) as object);
    const merged = { ...pick(options.defaults, accepted), ...args };
    let result: CallToolResult;
    try {
      result = await ctx.callTool(name, merged);
    } catch (error) {
      throw new Error(error instanceof ProtocolError ? error.message : String(error));
    }
    if (result.isError) throw new Error(textOf(result) || `tool '${name}' failed`);
    return JSON.stringify(valueOf(result, tool) ?? null);
  };
}

/** What code gets back from a tool: its structured content (unwrapped), else its text. */
function valueOf(result: CallToolResult, tool: Tool): unknown {
  const structured = result.structuredContent;
  if (structured !== undefined) {
    const keys = Object.keys(structured);
    return wrapsResult(tool.outputSchema) && keys.length === 1 && keys[0] === "result"
      ? structured.result
      : structured;
  }
  const parts = result.content.map((c) => (c.type === "text" ? c.text : c));
  return parts.length === 1 ? parts[0] : parts;
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : `[${c.type}]`)).join("\n");
}

function pick(values: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(values, k)).map((k) => [k, values[k]]));
}
