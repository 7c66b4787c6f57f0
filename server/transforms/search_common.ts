/**
 * What the tool-search transforms share, and what every transform that adds tools needs: tools
 * synthesised by a transform, listed after the server's and found first by name (a name the
 * server already uses is an error, never a second listing entry); the answer a model can act on
 * when a call it asked for goes wrong; the split of identifiers into words (search tokens, derived
 * titles); and {@link BaseSearchTransform}, which hides the catalog behind `search_tools` and
 * `call_tool`.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { ProtocolError } from "../../protocol/errors.ts";
import type { Tool } from "../../protocol/types.ts";
import { ToolResult } from "../components/content.ts";
import type { JsonSchema } from "../components/schema.ts";
import { ToolComponent, type ToolHandler } from "../components/tool.ts";
import type { Context } from "../context.ts";
import { ToolError } from "../errors.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import type { GetNext, Transform } from "./transform.ts";
import type { VersionSpec } from "./versions.ts";

/**
 * The words of an identifier or a text: split at anything but letters and digits, and at
 * camelCase humps (`getHTTPResponse` gives `get`, `HTTP`, `Response`). Case is kept. Shared by
 * the transforms of this folder; not part of the package's API.
 */
export function splitWords(text: string): string[] {
  return text
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, "$1 $2")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");
}

/**
 * Tools a transform adds. They are listed after the tools below it and looked up before them; a
 * tool below under one of their names is an error (thrown by the listing and by the lookup of
 * that name) rather than a second entry or a silent shadow, since either would leave a client
 * calling something other than what it was shown. Shared by the transforms of this folder; not
 * part of the package's API.
 */
export class AddedTools {
  readonly #byName: ReadonlyMap<string, ToolComponent>;

  /** `owner` names the transform in errors. */
  constructor(private readonly owner: string, readonly tools: readonly ToolComponent[]) {
    this.#byName = new Map(tools.map((t) => [t.name, t]));
    if (this.#byName.size !== tools.length) throw new TypeError(`${owner}: its tools need distinct names`);
  }

  /** Whether `name` is one of the added tools. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Throws when a tool of `tools` (the layers below) has the name of an added one. */
  checkFree(tools: readonly ToolComponent[]): void {
    for (const t of tools) if (this.#byName.has(t.name)) throw this.#taken(t.name);
  }

  /** `tools` and then the added ones. */
  appendTo(tools: readonly ToolComponent[]): readonly ToolComponent[] {
    this.checkFree(tools);
    return [...tools, ...this.tools];
  }

  /** The added tool named `name` (every version asked for matches it), else what the layers below have. */
  get(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined> {
    const own = this.#byName.get(name);
    if (!own) return next(name, version);
    return then(next(name, version), (below) => {
      if (below) throw this.#taken(name);
      return own;
    });
  }

  #taken(name: string): Error {
    return new Error(`${this.owner}: the server already has a tool named '${name}'; rename one of them`);
  }
}

/** Codes of errors that mean the model asked for something that is not there or not valid. */
const MODEL_MISTAKES = new Set(["not_found", "invalid_params", "resource_not_found"]);

/**
 * What a synthesised tool throws when the request it made on the model's behalf failed: an
 * unknown name or bad arguments become a tool error, which the model reads and can correct; any
 * other protocol error (a refusal above all, whose 403 lets a client ask for more scopes) is
 * kept as it is. Shared by the transforms of this folder; not part of the package's API.
 */
export function forModel(error: unknown): unknown {
  if (error instanceof ProtocolError && MODEL_MISTAKES.has(error.code)) {
    return new ToolError(error.message, { cause: error });
  }
  return error;
}

/**
 * The catalog as a caller may list it, for a transform that hides it from listings but works over
 * it in a tool it adds (search, Code Mode): while {@link list} runs, {@link listing} is true and the
 * transform's `listTools` must pass the tools through. An async context rather than a flag,
 * because the listing may wait on providers while other requests list through the same transform.
 * Shared by the transforms that hide the catalog; not part of the package's API.
 */
export class FullCatalog {
  readonly #bypass = new AsyncLocalStorage<true>();

  /** Whether the listing being made is one {@link list} asked for. */
  get listing(): boolean {
    return this.#bypass.getStore() === true;
  }

  /** The tools the caller may list (visibility and auth apply), as if the transform showed them all. */
  list(ctx: Context): Promise<Tool[]> {
    return this.#bypass.run(true, () => ctx.listTools());
  }
}

/**
 * Options of the search transforms.
 *
 * @example
 * ```ts
 * import { BM25SearchTransform, FastMCP, type SearchOptions } from "@denomcp/denomcp";
 * const options: SearchOptions = { maxResults: 3, alwaysVisible: ["help"] };
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.addTransform(new BM25SearchTransform(options));
 * ```
 */
export interface SearchOptions {
  /** How many tools a search returns at most. Default 5 (FastMCP's). */
  maxResults?: number;
  /** Tools listed as they are, beside the search tools (and left out of search results). */
  alwaysVisible?: string[];
  /** Name of the search tool. Default `"search_tools"`. */
  searchToolName?: string;
  /** Name of the tool that calls a tool found by search. Default `"call_tool"`. */
  callToolName?: string;
}

/**
 * The search tool a subclass of {@link BaseSearchTransform} defines: what it says to the model
 * and the arguments it takes.
 *
 * @example
 * ```ts
 * import type { SearchToolDefinition } from "@denomcp/denomcp";
 * const byWord: SearchToolDefinition = {
 *   description: "Find tools by a word of their name",
 *   input: { type: "object", properties: { word: { type: "string" } }, required: ["word"] },
 * };
 * ```
 */
export interface SearchToolDefinition {
  /** The description of the search tool. */
  description: string;
  /** Its argument schema (an object schema). */
  input: JsonSchema;
}

/** A search result: what a model needs to call the tool. */
interface Found {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

const CALL_INPUT: JsonSchema = {
  type: "object",
  properties: {
    name: { type: "string", description: "The name of the tool to call, as search_tools returned it" },
    arguments: { type: "object", description: "The arguments of that tool" },
  },
  required: ["name"],
};

/**
 * Hides a server's tools behind two synthesised ones: a search tool (the subclass's) that returns
 * the tools matching a query, and `call_tool`, which calls one of them. Listings show only those
 * two and the `alwaysVisible` tools; every tool stays callable by name, directly or through
 * `call_tool`, which goes through the middleware, the caller's auth checks and validation as a
 * direct call does. Search results are what the caller may list: visibility and auth apply to
 * them as to `tools/list`.
 *
 * Adding the transform to a server (or a provider) that already has a tool of one of these names
 * is an error: the listing throws naming it (choose other names with the options).
 *
 * @example
 * ```ts
 * import { BaseSearchTransform, FastMCP, type SearchOptions, type ToolComponent } from "@denomcp/denomcp";
 * type Listed = ToolComponent["listing"]; // a tools/list entry
 * // Finds the tools whose name starts with a prefix.
 * class PrefixSearch extends BaseSearchTransform {
 *   constructor(options: SearchOptions = {}) {
 *     super("PrefixSearch", options, {
 *       description: "Find tools by the start of their name",
 *       input: { type: "object", properties: { prefix: { type: "string" } }, required: ["prefix"] },
 *     });
 *   }
 *   protected search(tools: readonly Listed[], args: Record<string, unknown>): readonly Listed[] {
 *     return tools.filter((t) => t.name.startsWith(String(args.prefix))).slice(0, this.maxResults);
 *   }
 * }
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.addTransform(new PrefixSearch());
 * ```
 */
export abstract class BaseSearchTransform implements Transform {
  /** How many tools a search returns at most. */
  readonly maxResults: number;
  /** Tools listed as they are. */
  readonly alwaysVisible: ReadonlySet<string>;
  readonly #added: AddedTools;
  readonly #catalog = new FullCatalog();

  /** `owner` names the transform in errors; `tool` is its search tool. */
  protected constructor(owner: string, options: SearchOptions, tool: SearchToolDefinition) {
    const { maxResults = 5, searchToolName = "search_tools", callToolName = "call_tool" } = options;
    if (!Number.isSafeInteger(maxResults) || maxResults < 1) {
      throw new TypeError(`${owner}: maxResults must be a positive integer`);
    }
    this.maxResults = maxResults;
    this.alwaysVisible = new Set(options.alwaysVisible ?? []);
    const search: ToolHandler<unknown> = async (args, ctx) => {
      const tools = (await this.#catalog.list(ctx)).filter((t) => !this.alwaysVisible.has(t.name));
      const found = await this.search(tools, args as Record<string, unknown>);
      return { tools: found.map(summary) };
    };
    const call: ToolHandler<unknown> = async (args, ctx) => {
      const { name, arguments: callArgs = {} } = args as {
        name: string;
        arguments?: Record<string, unknown>;
      };
      // Calling the search tools through call_tool would only nest this proxy in itself.
      if (this.#added.has(name)) throw new ToolError(`'${name}' cannot be called through ${callToolName}`);
      try {
        const result = await ctx.callTool(name, callArgs);
        return new ToolResult({
          content: result.content,
          structuredContent: result.structuredContent,
          meta: result._meta,
          isError: result.isError,
        });
      } catch (error) {
        throw forModel(error);
      }
    };
    this.#added = new AddedTools(owner, [
      new ToolComponent(searchToolName, {
        description: tool.description,
        input: tool.input,
        annotations: { readOnlyHint: true },
      }, search),
      new ToolComponent(callToolName, {
        description: `Call a tool found with ${searchToolName}, by name, with its arguments.`,
        input: CALL_INPUT,
      }, call),
    ]);
  }

  /**
   * The tools matching the search tool's arguments (validated against its schema), best first,
   * at most {@link maxResults}. `tools` is what the caller may list, without the pinned tools.
   * Throw a `ToolError` for arguments the model should correct.
   */
  protected abstract search(
    tools: readonly Tool[],
    args: Record<string, unknown>,
  ): readonly Tool[] | Promise<readonly Tool[]>;

  /** Lists the pinned tools and the two synthesised ones. */
  listTools(tools: readonly ToolComponent[]): readonly ToolComponent[] {
    if (this.#catalog.listing) return tools;
    this.#added.checkFree(tools);
    return [...tools.filter((t) => this.alwaysVisible.has(t.name)), ...this.#added.tools];
  }

  /** Finds the synthesised tools, and every other tool by name as the layers below do. */
  getTool(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined> {
    return this.#added.get(name, version, next);
  }
}

function summary(tool: Tool): Found {
  const out: Found = { name: tool.name, inputSchema: tool.inputSchema };
  if (tool.description !== undefined) out.description = tool.description;
  return out;
}
