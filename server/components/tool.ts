/**
 * Tools: a definition compiled once (JSON Schemas, validators, the `tools/list` entry). Running
 * one call is the engine's (`engine/tool_runner.ts`).
 *
 * @module
 */

import type { Tool as WireTool, ToolAnnotations } from "../../protocol/types.ts";
import type { Context } from "../context.ts";
import {
  type CompiledSchema,
  compileSchema,
  EMPTY_OBJECT_SCHEMA,
  type Infer,
  type SchemaLike,
} from "./schema.ts";
import { checkName, Component, type ComponentOptions, withMetadata } from "./common.ts";
import { toolAppMeta, type ToolAppOptions } from "../apps/apps.ts";
import { isAsyncFunction } from "../workers/module_capture.ts";
import type { TaskSupport } from "../tasks/wire.ts";
import { HEADER_TOKEN, MIRRORABLE } from "../../protocol/routing_headers.ts";

/** A tool's handler: parsed arguments and the request's context in, any convertible value out. */
export type ToolHandler<S> = (args: Infer<S>, ctx: Context) => unknown;

/**
 * Options of a tool.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.tool("add", {
 *   description: "Add two numbers",
 *   input: z.object({ a: z.number(), b: z.number() }),
 *   annotations: { readOnlyHint: true },
 * }, ({ a, b }) => a + b);
 * ```
 */
export interface ToolOptions<S extends SchemaLike | undefined = SchemaLike | undefined>
  extends ComponentOptions {
  /** Argument schema: zod (or any Standard JSON Schema) object, or a plain JSON Schema. */
  input?: S;
  /** Schema of `structuredContent`; results are checked against it. Non-object schemas are wrapped in `{ result }`. */
  output?: SchemaLike;
  /** Behaviour hints for clients. */
  annotations?: ToolAnnotations;
  /**
   * Fails the call with a timeout error after this many milliseconds (a worker running it is
   * terminated). A synchronous handler on the main thread (`runInThread: false`) cannot be
   * interrupted: one that returns late still fails as timed out, with a warning. Synchronous
   * tools in workers otherwise get `limits.workerJobTimeoutMs`.
   */
  timeoutMs?: number;
  /**
   * Whether a synchronous handler runs in the Worker pool (the default), so that a slow or
   * CPU-bound tool never stalls the server. `false` keeps it in the main isolate, where it shares
   * module state with async tools. Async handlers always run in the main isolate.
   */
  runInThread?: boolean;
  /**
   * The MCP App it is shown with (`_meta.ui`): the `ui://` resource hosts render, and whether the
   * model, the app or both call it. A server with such a tool declares the Apps extension.
   */
  app?: ToolAppOptions;
  /**
   * The module that defines the tool, for the worker to import (`import.meta.url`). Captured from
   * the stack when omitted.
   */
  module?: string;
  /**
   * Whether the tool runs as an MCP task: the client gets a task id at once and polls for the
   * result, while the work runs on the server's task queue (any instance sharing the store).
   * `true` or `"optional"`: a task when the client asks for one (2025-11-25 `params.task`) or
   * negotiated tasks (2026-07-28 extension), a plain call otherwise. `"required"`: only as a task.
   * `"forbidden"` (the default): never. The object form adds per-tool settings.
   */
  task?: boolean | TaskSupport | ToolTaskOptions;
}

/**
 * Task settings of a tool.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.tool("crunch", { task: { mode: "required", ttlMs: 24 * 3_600_000 } }, async (_args, ctx) => {
 *   await ctx.reportProgress(1, 2);
 *   return "done";
 * });
 * ```
 */
export interface ToolTaskOptions {
  /** `"optional"` (default) or `"required"`, as for the short form. */
  mode?: "optional" | "required";
  /**
   * The handler begins in the request and the task starts where it calls `ctx.startTask()`, so
   * that questions asked before it (`ctx.elicit()`) are answered before the client gets its task.
   */
  prelude?: boolean;
  /** How long the finished task is kept; at most the server's `maxTaskTtlMs`. */
  ttlMs?: number;
}

/** A tool compiled for serving. */
export class ToolComponent extends Component {
  /** Component kind: listed by `tools/list`. */
  readonly kind = "tools" as const;
  /** Held in the registry's tool map. */
  readonly slot = "tools" as const;
  /** Tool name. */
  readonly name: string;
  /** @internal the compiled argument schema */
  readonly input: CompiledSchema;
  /** @internal the compiled output schema, if any */
  readonly output?: CompiledSchema;
  /** True when the output schema was wrapped in `{ result }` because it is not an object. */
  readonly wrapsResult: boolean;
  /** Per-call timeout. */
  readonly timeoutMs?: number;
  /** The `tools/list` entry, built once. */
  readonly listing: WireTool;
  /** The handler. */
  readonly handler: ToolHandler<unknown>;
  /** True when the handler is synchronous and did not opt out of the worker pool. */
  readonly runsInThread: boolean;
  /** The module a pool worker imports to find this tool; undefined runs it inline. */
  module?: string;
  /** How the tool takes part in MCP tasks. */
  readonly taskSupport: TaskSupport;
  /** True when the handler begins in the request and starts its task with `ctx.startTask()`. */
  readonly taskPrelude: boolean;
  /** Retention of the tool's finished tasks, when not the server default. */
  readonly taskTtlMs?: number;

  /** Compiles a tool definition; throws a TypeError naming the tool for bad schemas or names. */
  constructor(name: string, options: ToolOptions, handler: ToolHandler<unknown>) {
    super(options);
    checkName("tool", name);
    this.name = name;
    this.handler = handler;
    this.timeoutMs = options.timeoutMs;
    this.runsInThread = options.runInThread !== false && !isAsyncFunction(handler);
    this.module = options.module;
    const task = options.task;
    const settings: ToolTaskOptions = typeof task === "object" ? task : {};
    this.taskSupport = task === true
      ? "optional"
      : typeof task === "string"
      ? task
      : typeof task === "object"
      ? settings.mode ?? "optional"
      : "forbidden";
    if (!["forbidden", "optional", "required"].includes(this.taskSupport)) {
      throw new TypeError(`tool '${name}': task must be true, "optional", "required" or "forbidden"`);
    }
    this.taskPrelude = settings.prelude === true;
    this.taskTtlMs = settings.ttlMs;
    this.input = options.input ? compileSchema(options.input, `tool '${name}' input`) : EMPTY_OBJECT_SCHEMA;
    if (this.input.jsonSchema.type !== "object") {
      throw new TypeError(`tool '${name}': the input schema must describe an object`);
    }
    let wrapsResult = false;
    if (options.output) {
      const output = compileSchema(options.output, `tool '${name}' output`, "output");
      wrapsResult = output.jsonSchema.type !== "object";
      this.output = wrapsResult ? wrapOutputSchema(output) : output;
    }
    this.wrapsResult = wrapsResult;
    checkMirroredHeaders(name, this.input.jsonSchema);
    const listing: WireTool = { name, inputSchema: this.input.jsonSchema };
    if (this.output) listing.outputSchema = this.output.jsonSchema;
    if (this.taskSupport !== "forbidden") {
      listing.execution = { taskSupport: this.taskSupport };
    }
    this.listing = withMetadata(
      listing,
      options.app ? { ...options, meta: { ...options.meta, ...toolAppMeta(name, options.app) } } : options,
    );
  }

  /** The tool name. */
  get identifier(): string {
    return this.name;
  }

  /** Sets the identifier of a derived copy and rebuilds its listing. */
  protected renamed(name: string): void {
    (this as { name: string }).name = name;
    (this as { listing: WireTool }).listing = { ...this.listing, name };
  }
}

function wrapOutputSchema(inner: CompiledSchema): CompiledSchema {
  return {
    // The marker is FastMCP's: it tells a client (and Code Mode) to unwrap the result.
    jsonSchema: {
      type: "object",
      properties: { result: inner.jsonSchema },
      required: ["result"],
      "x-fastmcp-wrap-result": true,
    },
    validate(value) {
      const result = (value as { result?: unknown } | undefined)?.result;
      const checked = inner.validate(result);
      const wrap = (
        v: Awaited<typeof checked>,
      ) => (v.ok ? { ok: true as const, value: { result: v.value } } : v);
      return checked instanceof Promise ? checked.then(wrap) : wrap(checked);
    },
  };
}

/**
 * Checks `x-mcp-header` annotations (SEP-2243) at definition time: clients drop tools whose
 * annotations are invalid, so a bad one is an error here rather than a tool that silently vanishes.
 * Only properties reachable through `properties` may carry one, with a token name unique
 * case-insensitively, on a scalar type.
 */
function checkMirroredHeaders(tool: string, schema: Record<string, unknown>): void {
  const seen = new Set<string>();
  const walk = (node: Record<string, unknown>, path: string) => {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    if (!properties || typeof properties !== "object") return;
    for (const [key, child] of Object.entries(properties)) {
      if (typeof child !== "object" || child === null) continue;
      const header = child["x-mcp-header"];
      const where = `tool '${tool}': x-mcp-header on ${path}${key}`;
      if (header !== undefined) {
        if (typeof header !== "string" || !HEADER_TOKEN.test(header)) {
          throw new TypeError(`${where} must be an HTTP token`);
        }
        if (seen.has(header.toLowerCase())) throw new TypeError(`${where} repeats '${header}'`);
        if (!MIRRORABLE.has(child.type as string)) {
          throw new TypeError(`${where} needs a string, integer or boolean property`);
        }
        seen.add(header.toLowerCase());
      }
      walk(child, `${path}${key}.`);
    }
  };
  walk(schema, "");
}
