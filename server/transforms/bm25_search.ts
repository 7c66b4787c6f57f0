/**
 * Tool search ranked by BM25 (Okapi, k1 = 1.2, b = 0.75) over each tool's name, description and
 * argument names and descriptions, split into words at separators and camelCase humps. The index
 * is built at the first search and again only when the tools searched are not the very ones it
 * was built from (listing entries are built once per component, so comparing them is cheap).
 *
 * @module
 */

import type { Tool } from "../../protocol/types.ts";
import { BaseSearchTransform, type SearchOptions, splitWords } from "./search_common.ts";

const K1 = 1.2;
const B = 0.75;

/** The lower-cased words of a text, without one-letter ones (they match too much to rank by). */
function tokens(text: string): string[] {
  return splitWords(text).map((w) => w.toLowerCase()).filter((w) => w.length > 1);
}

/** The words a tool is found by. */
function documentOf(tool: Tool): string[] {
  const parts = [tool.name, tool.description ?? ""];
  const properties = tool.inputSchema.properties;
  if (typeof properties === "object" && properties !== null) {
    for (const [name, schema] of Object.entries(properties)) {
      parts.push(name);
      const description = (schema as { description?: unknown } | null)?.description;
      if (typeof description === "string") parts.push(description);
    }
  }
  return tokens(parts.join(" "));
}

/** An inverted index of documents (lists of words), ranked by BM25. */
class Bm25Index {
  /** For each word, the documents that hold it and how often. */
  readonly #postings = new Map<string, { doc: number; count: number }[]>();
  readonly #lengths: number[];
  readonly #averageLength: number;

  constructor(documents: readonly (readonly string[])[]) {
    this.#lengths = documents.map((d) => d.length);
    const total = this.#lengths.reduce((sum, n) => sum + n, 0);
    this.#averageLength = documents.length ? total / documents.length || 1 : 1;
    documents.forEach((words, doc) => {
      const counts = new Map<string, number>();
      for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
      for (const [word, count] of counts) {
        const list = this.#postings.get(word);
        if (list) list.push({ doc, count });
        else this.#postings.set(word, [{ doc, count }]);
      }
    });
  }

  /** The indexes of the best `limit` documents for `query` (that match it at all), best first. */
  rank(query: readonly string[], limit: number): number[] {
    const n = this.#lengths.length;
    const scores = new Map<number, number>();
    for (const word of new Set(query)) {
      const postings = this.#postings.get(word);
      if (!postings) continue;
      // The non-negative IDF (Lucene's): a word in most documents still counts a little.
      const idf = Math.log(1 + (n - postings.length + 0.5) / (postings.length + 0.5));
      for (const { doc, count } of postings) {
        const norm = 1 - B + B * this.#lengths[doc] / this.#averageLength;
        scores.set(doc, (scores.get(doc) ?? 0) + idf * count * (K1 + 1) / (count + K1 * norm));
      }
    }
    // Equal scores keep the listing's order.
    return [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, limit).map(([doc]) => doc);
  }
}

/**
 * Hides a server's tools behind `search_tools({ query })`, which ranks them by BM25 against the
 * query's words, and `call_tool({ name, arguments })`; see {@link BaseSearchTransform}.
 *
 * @example
 * ```ts
 * import { BM25SearchTransform, FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "big" });
 * mcp.tool("get_forecast", { description: "Weather forecast for a city" }, async () => "sunny");
 * mcp.tool("help", async () => "Search for tools with search_tools.");
 * // Clients list help, search_tools and call_tool; search_tools({ query: "weather" }) finds get_forecast.
 * mcp.addTransform(new BM25SearchTransform({ alwaysVisible: ["help"] }));
 * ```
 */
export class BM25SearchTransform extends BaseSearchTransform {
  readonly #ranker = new Bm25ToolRanker();

  /** Creates the transform; see {@link SearchOptions}. */
  constructor(options: SearchOptions = {}) {
    super("BM25SearchTransform", options, {
      description: "Search the tools of this server by what they do, in natural language. Returns the best " +
        "matches with their argument schemas; call one with call_tool.",
      input: {
        type: "object",
        properties: { query: { type: "string", description: "What the tool should do, in words" } },
        required: ["query"],
      },
    });
  }

  /** The tools ranked best for `args.query`. */
  protected search(tools: readonly Tool[], args: Record<string, unknown>): readonly Tool[] {
    return this.#ranker.rank(tools, args.query as string, this.maxResults);
  }
}

/**
 * Ranks listing entries by BM25 against a query, keeping the index while the entries are the
 * very ones it was built from (listing entries are built once per component, so comparing them
 * is cheap). Shared with Code Mode's search; not part of the package's API.
 */
export class Bm25ToolRanker {
  /** The last index, with the listing entries it was built from. */
  #index?: { tools: readonly Tool[]; index: Bm25Index };
  /** Each entry's words, kept while the entry lives (a rebuild for a changed list reuses them). */
  readonly #documents = new WeakMap<Tool, string[]>();

  /** The best `limit` of `tools` for `query` (those matching it at all), best first. */
  rank(tools: readonly Tool[], query: string, limit: number): Tool[] {
    return this.#indexOf(tools).rank(tokens(query), limit).map((i) => tools[i]);
  }

  #indexOf(tools: readonly Tool[]): Bm25Index {
    const last = this.#index;
    if (last && last.tools.length === tools.length && last.tools.every((t, i) => t === tools[i])) {
      return last.index;
    }
    const index = new Bm25Index(tools.map((t) => {
      let words = this.#documents.get(t);
      if (!words) this.#documents.set(t, words = documentOf(t));
      return words;
    }));
    this.#index = { tools, index };
    return index;
  }
}
