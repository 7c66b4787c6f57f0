/**
 * The pool worker's entry: imports the module that defined a tool, finds the tool among the
 * module's standalone exports or by server and tool name, runs it with a worker-side context, and
 * posts the converted result back.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { toCallToolResult } from "../components/content.ts";
import { errorMessage, ToolError } from "../errors.ts";
import { InputRequired } from "../engine/input_state.ts";
import type { RunMessage, WorkerMessage } from "./messages.ts";
import { serverRegistry } from "./server_registry.ts";
import { exportedTool } from "../components/standalone.ts";
import { staleVersion } from "./module_version.ts";
import { Context } from "../context.ts";
import { WorkerExchange, WorkerHost } from "./worker_context.ts";

const post = (message: WorkerMessage) => self.postMessage(message);
/** Modules imported here whose file held the text the server loaded. */
const verified = new Set<string>();

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as object).constructor?.name ?? "object";
}

async function run(message: RunMessage): Promise<void> {
  const { job, tool: name } = message;
  const tool = await find(message);
  if (!tool) return;
  post({ type: "started", job });
  const started = performance.now();
  try {
    const exchange = new WorkerExchange(message.facts, message.input, job, name, post);
    const ctx = new Context(exchange, new WorkerHost(name));
    let value = tool.handler(message.args as never, ctx as never);
    if (value instanceof Promise) value = await value;
    if (value instanceof InputRequired) {
      return post({ type: "input", job, init: value.init, durationMs: performance.now() - started });
    }
    try {
      structuredClone(value);
    } catch {
      throw new Error(`tool '${name}' returned a value that cannot leave its worker: ${typeOf(value)}`);
    }
    const result = toCallToolResult(value, tool.wrapsResult);
    post({ type: "result", job, result, durationMs: performance.now() - started });
  } catch (error) {
    post({
      type: "error",
      job,
      message: errorMessage(error),
      toolError: error instanceof ToolError,
      logLevel: error instanceof ToolError ? error.logLevel : undefined,
    });
  }
}

/** The tool, or undefined after reporting that this module cannot provide it. */
async function find(message: RunMessage) {
  const unavailable = (why: string) =>
    void post({ type: "error", job: message.job, message: why, toolError: false, unavailable: true });
  let exports: Record<string, unknown>;
  try {
    // A versioned module (a FileSystemProvider's) edited since the server loaded it would run other
    // code than the server lists: the server runs that version itself instead. Checked around the import.
    const checked = verified.has(message.module);
    const stale = checked ? undefined : await staleVersion(message.module);
    if (stale) return unavailable(stale);
    exports = await import(message.module);
    const changed = checked ? undefined : await staleVersion(message.module);
    if (changed) return unavailable(changed);
    verified.add(message.module);
  } catch (error) {
    return unavailable(`${message.module} cannot be imported in a worker: ${errorMessage(error)}`);
  }
  // A standalone tool (a FileSystemProvider's) belongs to no server in this isolate: its module exports it.
  const tool = exportedTool(exports, message.tool, message.version) ??
    serverRegistry().get(message.server)?.definedTool(message.tool, message.version);
  if (!tool) {
    return unavailable(
      `${message.module} does not define tool '${message.tool}' of server '${message.server}' (nor export it) when imported`,
    );
  }
  return tool;
}

self.onmessage = (event: MessageEvent<RunMessage>) => void run(event.data);
