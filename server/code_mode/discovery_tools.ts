/**
 * Code Mode's discovery tools: `search` (BM25 over names, descriptions and argument names),
 * `get_schema` (TypeScript declarations or JSON Schemas of named tools), `tags` and `list_tools`,
 * each over the caller's own catalog, so a tool hidden from a caller is not found by it either.
 *
 * @module
 */

import type { Tool } from "../../protocol/types.ts";
import { ToolComponent } from "../components/tool.ts";
import type { Context } from "../context.ts";
import { ToolError } from "../errors.ts";
import { Bm25ToolRanker } from "../transforms/bm25_search.ts";
import { toolDeclarations } from "./declarations.ts";

/** The tools a caller may see, as the discovery tools read them. */
export interface DiscoveryCatalog {
  /** The caller's tools, without Code Mode's own. */
  tools(ctx: Context): Promise<Tool[]>;
  /** A tool's tags (they are not on the wire), as of the last full listing. */
  tagsOf(name: string): readonly string[] | undefined;
}

/** A `tools/list` entry as discovery tools show it. */
interface Brief {
  name: string;
  description?: string;
}

/** `search`: the caller's tools ranked for a query (its own index, kept while the catalog stays the same). */
export function searchTool(name: string, catalog: DiscoveryCatalog, maxResults: number): ToolComponent {
  const ranker = new Bm25ToolRanker();
  return new ToolComponent(name, {
    description:
      "Search this server's tools by what they do, in words. Returns names and descriptions, best " +
      "first; get the argument types of the ones you need before calling them from execute.",
    annotations: { readOnlyHint: true },
    input: {
      type: "object",
      properties: {
        query: { type: "string", description: "What the tools should do" },
        tags: {
          type: "array",
          items: { type: "string" },
          description: "Only tools with one of these tags",
        },
        limit: {
          type: "integer",
          minimum: 1,
          maximum: maxResults,
          description: "Results at most",
        },
      },
      required: ["query"],
    },
  }, async (args, ctx) => {
    const { query, tags, limit } = args as { query: string; tags?: string[]; limit?: number };
    let tools = await catalog.tools(ctx);
    if (tags?.length) {
      tools = tools.filter((t) => catalog.tagsOf(t.name)?.some((tag) => tags.includes(tag)));
    }
    return { tools: ranker.rank(tools, query, limit ?? maxResults).map(brief) };
  });
}

/** `get_schema`: the declarations (or schemas) of named tools. */
export function schemaTool(name: string, catalog: DiscoveryCatalog): ToolComponent {
  return new ToolComponent(name, {
    description: "The argument and result types of tools, by name: TypeScript declarations of callTool for " +
      "each (the default), or their JSON Schemas.",
    annotations: { readOnlyHint: true },
    input: {
      type: "object",
      properties: {
        tools: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 50 },
        format: { enum: ["typescript", "json-schema"], default: "typescript" },
      },
      required: ["tools"],
    },
  }, async (args, ctx) => {
    const { tools: wanted, format = "typescript" } = args as { tools: string[]; format?: string };
    const byName = new Map((await catalog.tools(ctx)).map((t) => [t.name, t]));
    const found = wanted.map((n) => byName.get(n)).filter((t): t is Tool => t !== undefined);
    const missing = wanted.filter((n) => !byName.has(n));
    if (found.length === 0) {
      throw new ToolError(`no such tools: ${missing.join(", ")}; find tools with search`);
    }
    const note = missing.length ? `// Not found: ${missing.join(", ")}\n` : "";
    if (format === "typescript") return note + toolDeclarations(found);
    return {
      tools: found.map(({ name, description, inputSchema, outputSchema }) => ({
        name,
        description,
        inputSchema,
        outputSchema,
      })),
      missing,
    };
  });
}

/** `tags`: the tags of the caller's tools, with counts. */
export function tagsTool(name: string, catalog: DiscoveryCatalog): ToolComponent {
  return new ToolComponent(name, {
    description:
      "The tags of this server's tools, with how many tools carry each; search can filter by them.",
    annotations: { readOnlyHint: true },
  }, async (_args, ctx) => {
    const counts = new Map<string, number>();
    for (const tool of await catalog.tools(ctx)) {
      for (const tag of catalog.tagsOf(tool.name) ?? []) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return {
      tags: [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([tag, tools]) => ({ tag, tools })),
    };
  });
}

/** `list_tools`: every tool of the caller, by name and description. */
export function listTool(name: string, catalog: DiscoveryCatalog): ToolComponent {
  return new ToolComponent(name, {
    description: "Every tool of this server, by name and description.",
    annotations: { readOnlyHint: true },
  }, async (_args, ctx) => ({ tools: (await catalog.tools(ctx)).map(brief) }));
}

function brief(tool: Tool): Brief {
  return tool.description === undefined
    ? { name: tool.name }
    : { name: tool.name, description: tool.description };
}
