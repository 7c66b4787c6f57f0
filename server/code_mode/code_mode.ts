/**
 * `CodeMode`: a transform that hides a server's tools behind discovery tools and `execute`,
 * which runs TypeScript a model wrote, calling tools as functions, in a sandbox with no Deno
 * permissions (see `sandbox.ts`).
 *
 * @module
 */

import type { Tool } from "../../protocol/types.ts";
import type { JsonSchema } from "../components/schema.ts";
import { ToolComponent, type ToolHandler } from "../components/tool.ts";
import type { Context } from "../context.ts";
import { ToolError } from "../errors.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import { AddedTools, FullCatalog } from "../transforms/search_common.ts";
import type { GetNext, Transform } from "../transforms/transform.ts";
import type { VersionSpec } from "../transforms/versions.ts";
import { callBridge } from "./call_bridge.ts";
import { type DiscoveryCatalog, listTool, schemaTool, searchTool, tagsTool } from "./discovery_tools.ts";
import { moduleSource } from "./module_source.ts";
import { SandboxPool } from "./pool.ts";
import type { SandboxOutcome } from "./sandbox.ts";

/** The tools Code Mode adds, by their default names. */
export type CodeModeTool = "search" | "get_schema" | "tags" | "list_tools" | "execute";

/**
 * Options of {@link CodeMode}. Each limit is on by default and `null` turns it off.
 *
 * @example
 * ```ts
 * import { CodeMode, type CodeModeOptions } from "@denomcp/denomcp";
 * const options: CodeModeOptions = { timeoutMs: 10_000, maxToolCalls: 20, discovery: ["search", "get_schema", "tags"] };
 * const codeMode = new CodeMode(options);
 * void codeMode;
 * ```
 */
export interface CodeModeOptions {
  /** Wall time of one execution, from the start of the code, in ms. Default 30,000. */
  timeoutMs?: number | null;
  /**
   * Memory of one execution in MB: the sandbox's V8 heap limit, and how far its resident memory
   * may grow beyond what it held before the code started (ArrayBuffers live outside the heap).
   * Default 100.
   */
  memoryLimitMb?: number | null;
  /** `callTool()` calls per execution; the next one is refused. Default 50. */
  maxToolCalls?: number | null;
  /**
   * Console output kept per execution (the rest is cut, with a note), and the largest result, in
   * bytes. Default 65,536. Off (`null`), results and output are still bounded by the 8 MiB one
   * message between the sandbox and the server may take.
   */
  maxOutputBytes?: number | null;
  /** The largest code `execute` accepts, in bytes. Default 100,000. */
  maxCodeBytes?: number | null;
  /** Executions running at once; more wait their turn. Default 4. */
  maxConcurrentExecutions?: number;
  /** Sandboxes kept started ahead of need, from the first execution on. Default 1; 0 starts each on demand. */
  warmSandboxes?: number;
  /** The discovery tools offered beside `execute`. Default `["search", "get_schema"]`. */
  discovery?: ("search" | "get_schema" | "tags" | "list_tools")[];
  /** Results `search` returns at most. Default 50. */
  searchMaxResults?: number;
  /** Other names for the added tools (when the server already uses one). */
  toolNames?: Partial<Record<CodeModeTool, string>>;
  /** Arguments added to every call from code, for tools that take them and were not given them. */
  defaultArguments?: Record<string, unknown>;
  /** The `deno` executable that runs sandboxes. Default: the one running the server (required in a compiled binary). */
  denoPath?: string;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  memoryLimitMb: 100,
  maxToolCalls: 50,
  maxOutputBytes: 65_536,
  maxCodeBytes: 100_000,
};

/**
 * Collapses a server's tools into discovery tools (`search`, ranked by BM25 over names,
 * descriptions and argument names; `get_schema`, with TypeScript declarations of the tools named;
 * optionally `tags` and `list_tools`) and `execute({ code })`, which runs TypeScript or JavaScript
 * with `callTool(name, args)` and a console in scope. The result is the value of a top-level
 * `return`, or of the last expression, with what the code printed; a tool's structured content
 * comes back as it is (a wrapped `{ result }` unwrapped), else its text.
 *
 * **Security model.** Each execution runs in its own `deno` process started with no permissions
 * at all (no read, write, net, env, run, ffi, sys, no remote or npm imports, no config), so the
 * code cannot reach files, the network, the environment, processes or the server's memory. Its
 * only way out is `callTool`, and every call goes through the server's normal path: middleware,
 * the caller's auth checks and argument validation, and only tools the caller may list. Limits
 * (wall time, memory, calls, output) are enforced from outside the code: the process is killed.
 * Cancelling the `execute` call kills it at once. The server needs `--allow-run` for the `deno`
 * executable; the constructor says so when it is missing.
 *
 * @example
 * ```ts
 * import { CodeMode, FastMCP } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "many-tools" });
 * mcp.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => a + b);
 * mcp.tool("square", { input: z.object({ n: z.number() }) }, async ({ n }) => n * n);
 * // Clients see search, get_schema and execute; execute({ code: 'return await callTool("add", { a: 1, b: 2 })' })
 * mcp.addTransform(new CodeMode({ timeoutMs: 10_000 }));
 * ```
 */
export class CodeMode implements Transform {
  readonly #added: AddedTools;
  readonly #catalog = new FullCatalog();
  readonly #pool: SandboxPool;
  readonly #limits: typeof DEFAULTS extends infer D ? { [K in keyof D]: number | null } : never;
  readonly #searchMaxResults: number;
  readonly #defaults: Record<string, unknown>;
  /** Tags of the tools by name, as of the last full listing (tags are not on the wire). */
  #tags = new Map<string, readonly string[]>();

  /** Creates the transform; see {@link CodeModeOptions}. Throws when the server cannot start sandboxes. */
  constructor(options: CodeModeOptions = {}) {
    const limit = (key: keyof typeof DEFAULTS): number | null => {
      const value = options[key] === undefined ? DEFAULTS[key] : options[key];
      if (value !== null && (!Number.isSafeInteger(value) || value < 1)) {
        throw new TypeError(`CodeMode: ${key} must be a positive integer or null`);
      }
      return value;
    };
    this.#limits = {
      timeoutMs: limit("timeoutMs"),
      memoryLimitMb: limit("memoryLimitMb"),
      maxToolCalls: limit("maxToolCalls"),
      maxOutputBytes: limit("maxOutputBytes"),
      maxCodeBytes: limit("maxCodeBytes"),
    };
    const count = (name: string, value: number, min: number) => {
      if (!Number.isSafeInteger(value) || value < min) {
        throw new TypeError(`CodeMode: ${name} must be an integer ≥ ${min}`);
      }
      return value;
    };
    this.#searchMaxResults = count("searchMaxResults", options.searchMaxResults ?? 50, 1);
    this.#defaults = { ...options.defaultArguments };
    this.#pool = new SandboxPool(
      {
        denoPath: sandboxDeno(options.denoPath),
        memoryLimitMb: this.#limits.memoryLimitMb,
        // A call's arguments and the result travel as one line each; the bound is the output's,
        // with room for large arguments.
        maxMessageBytes: Math.max(this.#limits.maxOutputBytes ?? 0, 4 * 1024 * 1024) * 2,
      },
      count("warmSandboxes", options.warmSandboxes ?? 1, 0),
      count("maxConcurrentExecutions", options.maxConcurrentExecutions ?? 4, 1),
    );
    const names = {
      search: "search",
      get_schema: "get_schema",
      tags: "tags",
      list_tools: "list_tools",
      execute: "execute",
      ...options.toolNames,
    };
    const discovery = new Set(options.discovery ?? ["search", "get_schema"]);
    const catalog: DiscoveryCatalog = {
      tools: (ctx) => this.#tools(ctx),
      tagsOf: (name) => this.#tags.get(name),
    };
    const tools = [
      discovery.has("search") && searchTool(names.search, catalog, this.#searchMaxResults),
      discovery.has("get_schema") && schemaTool(names.get_schema, catalog),
      discovery.has("tags") && tagsTool(names.tags, catalog),
      discovery.has("list_tools") && listTool(names.list_tools, catalog),
      this.#executeTool(names.execute, names.get_schema),
    ].filter((t): t is ToolComponent => t !== false);
    this.#added = new AddedTools("CodeMode", tools);
  }

  /** Lists the discovery tools and `execute` in place of the server's tools. */
  listTools(tools: readonly ToolComponent[]): readonly ToolComponent[] {
    if (this.#catalog.listing) {
      this.#tags = new Map(tools.map((t) => [t.name, [...t.tags]]));
      return tools;
    }
    this.#added.checkFree(tools);
    return this.#added.tools;
  }

  /** Finds the added tools, and every other tool by name as the layers below do. */
  getTool(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined> {
    return this.#added.get(name, version, next);
  }

  /** Ends the sandboxes, warm and running. */
  async stop(): Promise<void> {
    await this.#pool.stop();
  }

  /** The tools the caller may list, without the added ones. */
  async #tools(ctx: Context): Promise<Tool[]> {
    return (await this.#catalog.list(ctx)).filter((t) => !this.#added.has(t.name));
  }

  #executeTool(name: string, schemaTool: string): ToolComponent {
    const { timeoutMs, memoryLimitMb, maxToolCalls } = this.#limits;
    const bounds = [
      timeoutMs !== null && `${timeoutMs / 1000} s`,
      memoryLimitMb !== null && `${memoryLimitMb} MB`,
      maxToolCalls !== null && `${maxToolCalls} tool calls`,
    ].filter(Boolean).join(", ");
    const handler: ToolHandler<unknown> = async (args, ctx) => {
      const module = await moduleSource((args as { code: string }).code, this.#limits.maxCodeBytes);
      let outcome: SandboxOutcome;
      try {
        outcome = await this.#pool.use(ctx.signal, (sandbox) =>
          sandbox.run({
            module,
            timeoutMs,
            maxOutputBytes: this.#limits.maxOutputBytes,
            signal: ctx.signal,
            callTool: callBridge(ctx, {
              tools: (c) => this.#tools(c),
              isOwn: (n) => this.#added.has(n),
              maxToolCalls: this.#limits.maxToolCalls,
              defaults: this.#defaults,
            }),
          }));
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        throw new ToolError(`the sandbox could not start: ${error instanceof Error ? error.message : error}`);
      }
      return this.#result(outcome);
    };
    return new ToolComponent(name, {
      description:
        "Run TypeScript (or JavaScript) that calls this server's tools, in a sandbox with no file, " +
        "network or environment access. In scope: `await callTool(name, args)`, which resolves to the tool's " +
        "structured result (or its text) and throws when the tool fails, and `console`. The result is the value " +
        `of a top-level \`return\` (or of the last expression), with what was printed. Use ${schemaTool} for the ` +
        `types of tools' arguments. Limits per execution: ${bounds || "none"}.`,
      input: {
        type: "object",
        properties: {
          code: { type: "string", description: "The code: statements, top-level await allowed" },
        },
        required: ["code"],
      },
      output: EXECUTE_OUTPUT,
    }, handler);
  }

  #result(outcome: SandboxOutcome): { result: unknown; output: string } {
    const { timeoutMs, memoryLimitMb, maxOutputBytes } = this.#limits;
    if (outcome.ok) {
      const bytes = new TextEncoder().encode(JSON.stringify(outcome.value)).length;
      if (maxOutputBytes !== null && bytes > maxOutputBytes) {
        throw new ToolError(
          `the result is ${bytes} bytes, over the limit of ${maxOutputBytes} (maxOutputBytes); return less` +
            printed(outcome.output),
        );
      }
      return { result: outcome.value, output: outcome.output };
    }
    const why = {
      code: `the code failed: ${outcome.message}`,
      timeout: `the code ran longer than ${timeoutMs} ms (timeoutMs) and was stopped`,
      memory: `the code used more than ${memoryLimitMb} MB of memory (memoryLimitMb) and was stopped`,
      cancelled: "the execution was cancelled",
      crashed: `the sandbox failed: ${outcome.message}`,
    }[outcome.reason];
    throw new ToolError(why + printed(outcome.output));
  }
}

const EXECUTE_OUTPUT: JsonSchema = {
  type: "object",
  properties: {
    result: { description: "The value the code returned (null when none)" },
    output: { type: "string", description: "What the code printed with console" },
  },
  required: ["result", "output"],
};

/** The `deno` a sandbox runs on, checked now so that a missing permission is found at start-up. */
function sandboxDeno(denoPath: string | undefined): string {
  // A compiled binary runs its own program, not `deno run`.
  const path = denoPath ?? (Deno.build.standalone ? undefined : Deno.execPath());
  if (path === undefined) {
    throw new TypeError(
      "CodeMode: in a compiled binary, set denoPath to a deno executable for the sandboxes",
    );
  }
  if (Deno.permissions.querySync({ name: "run", command: path }).state !== "granted") {
    throw new TypeError(
      `CodeMode runs code in a deno subprocess with no permissions; let the server start it with --allow-run=${path}`,
    );
  }
  return path;
}

function printed(output: string): string {
  return output ? `\n\nconsole output:\n${output}` : "";
}
