/**
 * Prompts as tools, for clients that speak only tools: `list_prompts` and `get_prompt`. They ask
 * the server as the client would (`ctx.listPrompts()`, `ctx.getPrompt()`): the middleware, the
 * visibility rules and the caller's auth checks apply as to `prompts/list` and `prompts/get`.
 *
 * @module
 */

import type { GetPromptResult } from "../../protocol/types.ts";
import { ToolComponent } from "../components/tool.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import { AddedTools, forModel } from "./search_common.ts";
import type { GetNext, Transform } from "./transform.ts";
import type { VersionSpec } from "./versions.ts";

/** What `list_prompts` shows of each prompt (and of each argument). */
const LISTED = ["name", "title", "description", "arguments", "required"];

/** A rendered prompt as JSON text: text content as its text, other content as its block. */
function promptText(result: GetPromptResult): string {
  const messages = result.messages.map(({ role, content }) => ({
    role,
    content: content.type === "text" ? content.text : content,
  }));
  return JSON.stringify(
    result.description === undefined ? { messages } : { description: result.description, messages },
    null,
    2,
  );
}

/**
 * Adds the tools `list_prompts` (the prompts the caller may see, with their arguments, as JSON
 * text) and `get_prompt({ name, arguments })` (the rendered messages as JSON text). An unknown
 * prompt or bad arguments are tool errors the model can read; a refusal stays the protocol error
 * it is. A server that already has a tool of either name makes the listing throw, naming it.
 *
 * @example
 * ```ts
 * import { FastMCP, PromptsAsTools } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.prompt("review", { args: z.object({ code: z.string() }) }, ({ code }) => `Please review:\n${code}`);
 * mcp.addTransform(new PromptsAsTools()); // tools: list_prompts, get_prompt
 * ```
 */
export class PromptsAsTools implements Transform {
  readonly #added = new AddedTools("PromptsAsTools", [
    new ToolComponent("list_prompts", {
      description: "List the prompts of this server with their arguments, as JSON.",
      annotations: { readOnlyHint: true },
    }, async (_args, ctx) => JSON.stringify(await ctx.listPrompts(), LISTED, 2)),
    new ToolComponent("get_prompt", {
      description: "Render a prompt of this server by name with its arguments. Returns its messages as JSON.",
      annotations: { readOnlyHint: true },
      input: {
        type: "object",
        properties: {
          name: { type: "string", description: "The name of the prompt, as list_prompts gives it" },
          arguments: { type: "object", description: "The prompt's arguments, by name" },
        },
        required: ["name"],
      },
    }, async (args, ctx) => {
      const { name, arguments: promptArgs = {} } = args as {
        name: string;
        arguments?: Record<string, unknown>;
      };
      try {
        return promptText(await ctx.getPrompt(name, promptArgs));
      } catch (error) {
        throw forModel(error);
      }
    }),
  ]);

  /** Lists the server's tools, then `list_prompts` and `get_prompt`. */
  listTools(tools: readonly ToolComponent[]): readonly ToolComponent[] {
    return this.#added.appendTo(tools);
  }

  /** Finds `list_prompts` and `get_prompt`, and every other tool as the layers below do. */
  getTool(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined> {
    return this.#added.get(name, version, next);
  }
}
