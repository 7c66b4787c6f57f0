/**
 * Components that stand for an upstream server's: listed exactly as the upstream lists them
 * (schemas, annotations, `_meta`, icons), not validated here (the upstream validates), and run
 * by forwarding through the proxy's client with the upstream's result passed on untouched.
 *
 * @module
 */

import { trace } from "@opentelemetry/api";
import { ClientError } from "../../../client/errors.ts";
import type { Client } from "../../../client/client.ts";
import type { CallOptions } from "../../../client/types.ts";
import { ErrorCode, type JsonObject } from "../../../protocol/jsonrpc.ts";
import type {
  Prompt as WirePrompt,
  Resource as WireResource,
  ResourceTemplate as WireTemplate,
  Tool as WireTool,
} from "../../../protocol/types.ts";
import { ToolResult } from "../../components/content.ts";
import { PromptComponent } from "../../components/prompt.ts";
import { ResourceComponent, TemplateComponent } from "../../components/resource.ts";
import { ToolComponent } from "../../components/tool.ts";
import { type Context, exchangeOf } from "../../context.ts";
import { InputRequired } from "../../engine/input_state.ts";
import { McpError } from "../../errors.ts";
import type { Relay } from "./relay.ts";
import { mayLog } from "../../engine/facts.ts";
import { LOG_LEVEL_KEY } from "../../../protocol/meta_keys.ts";
import { isModernVersion } from "../../../protocol/versions.ts";
import { type SkillInfo, SkillMainResource } from "../../skills/resources.ts";

/** What a proxied component needs of its proxy. */
export interface Upstream {
  /** The client of the downstream request's upstream (shared, or this session's). */
  client(ctx: Context): Promise<Client>;
  /** The relay of upstream questions. */
  readonly relay: Relay;
  /** Timeout of a forwarded request, in ms. */
  readonly timeoutMs?: number;
  /** Name of the upstream, for messages. */
  readonly label: string;
  /** Downstream request headers sent on (lowercase names). */
  readonly forwardHeaders: readonly string[];
}

function forwardedHeaders(upstream: Upstream, ctx: Context): Record<string, string> | undefined {
  const request = upstream.forwardHeaders.length ? ctx.httpRequest : undefined;
  if (!request) return undefined;
  const headers: Record<string, string> = {};
  for (const name of upstream.forwardHeaders) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

/**
 * The `_meta` that asks a 2026-07-28 upstream for log messages, which it sends only to a request
 * naming a level: the downstream request's own level, or every level for a 2025 downstream session
 * that set none (the downstream context filters by the session's level as messages come back).
 * Nothing for a 2025 upstream (its session level stands) or a downstream that may not be sent logs.
 */
function logMeta(client: Client, ctx: Context): Record<string, unknown> | undefined {
  if (!isModernVersion(client.protocolVersion)) return undefined;
  const { facts } = exchangeOf(ctx);
  return mayLog(facts) ? { [LOG_LEVEL_KEY]: facts.logLevel ?? "debug" } : undefined;
}

/** What the upstream calls the component a request reaches: its name, or the URI read. */
type Backend = { name: string } | { uri: string; template?: string };

/**
 * Runs one forwarded request, relaying questions, progress and logs, and mapping client failures.
 * The span of the request names the backend (FastMCP's proxy attributes, under our prefix); the
 * client's own CLIENT span for the upstream request is its child.
 */
async function forward<T>(
  upstream: Upstream,
  ctx: Context,
  backend: Backend,
  send: (client: Client, options: CallOptions) => Promise<T>,
): Promise<T | InputRequired> {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) {
    span.setAttribute("denomcp.provider.type", "proxy");
    span.setAttribute("denomcp.proxy.upstream", upstream.label.replace(/^'|'$/g, ""));
    if ("name" in backend) span.setAttribute("denomcp.proxy.backend_name", backend.name);
    else {
      span.setAttribute("denomcp.proxy.backend_uri", backend.uri);
      if (backend.template) span.setAttribute("denomcp.proxy.backend_uri_template", backend.template);
    }
  }
  try {
    const client = await upstream.client(ctx);
    const headers = forwardedHeaders(upstream, ctx);
    const meta = logMeta(client, ctx);
    return await upstream.relay.run(ctx, (handlers, signal) =>
      send(client, {
        ...handlers,
        signal,
        ...(upstream.timeoutMs ? { timeoutMs: upstream.timeoutMs } : {}),
        ...(headers ? { headers } : {}),
        ...(meta ? { meta } : {}),
      }));
  } catch (error) {
    // The upstream's own JSON-RPC errors pass as they are; failing to reach it is the proxy's error.
    if (error instanceof ClientError) {
      throw new McpError(ErrorCode.InternalError, `upstream ${upstream.label}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function listed<T extends { listing: object }>(component: T, definition: object): T {
  (component as { listing: object }).listing = { ...definition };
  return component;
}

/** A tool that calls the upstream's; undefined for a name this server could not serve. */
export function proxyTool(definition: WireTool, upstream: Upstream): ToolComponent | undefined {
  const name = definition.name;
  // The upstream's task support is the proxy's: a downstream task runs an upstream task.
  const support = (definition as { execution?: { taskSupport?: unknown } }).execution?.taskSupport;
  const task = support === "optional" || support === "required" ? support : undefined;
  let tool: ToolComponent;
  try {
    tool = new ToolComponent(name, { runInThread: false, ...(task ? { task } : {}) }, async (args, ctx) => {
      const out = await forward(upstream, ctx, { name }, async (client, options) => {
        if (task === undefined || ctx.taskId === undefined) {
          return await client.callToolResult(name, args as Record<string, unknown>, options);
        }
        const running = await client.callTool(name, args as Record<string, unknown>, {
          ...options,
          task: true,
        });
        return await running.result();
      });
      return out instanceof InputRequired ? out : ToolResult.raw(out);
    });
  } catch {
    return undefined;
  }
  return listed(tool, definition);
}

/** A static resource read from the upstream. */
export function proxyResource(
  definition: WireResource,
  upstream: Upstream,
  skill?: SkillInfo,
): ResourceComponent | undefined {
  const uri = definition.uri;
  let resource: ResourceComponent;
  try {
    const read: ResourceComponent["handler"] = async (_params, ctx) => {
      const out = await forward(
        upstream,
        ctx,
        { uri },
        (client, options) => client.readResourceResult(uri, options),
      );
      return out instanceof InputRequired ? out : out.contents;
    };
    // An upstream skill's SKILL.md carries its entry here too, so skills/list passes it on.
    resource = skill ? new SkillMainResource(uri, {}, read, skill) : new ResourceComponent(uri, {}, read);
  } catch {
    return undefined;
  }
  return listed(resource, definition);
}

/** A resource template whose reads go to the upstream with the URI the client asked for. */
export function proxyTemplate(definition: WireTemplate, upstream: Upstream): TemplateComponent | undefined {
  let template: TemplateComponent;
  try {
    template = new TemplateComponent(definition.uriTemplate, {}, async (_params, ctx) => {
      const uri = exchangeOf(ctx).params.uri as string;
      const out = await forward(
        upstream,
        ctx,
        { uri, template: definition.uriTemplate },
        (client, options) => client.readResourceResult(uri, options),
      );
      return out instanceof InputRequired ? out : out.contents;
    });
  } catch {
    return undefined;
  }
  return listed(template, definition);
}

/** A prompt rendered by the upstream. */
export function proxyPrompt(definition: WirePrompt, upstream: Upstream): PromptComponent | undefined {
  const name = definition.name;
  let prompt: PromptComponent;
  try {
    prompt = new PromptComponent(name, {}, async (args, ctx) => {
      const out = await forward(
        upstream,
        ctx,
        { name },
        (client, options) => client.getPrompt(name, args as Record<string, string>, options),
      );
      return out instanceof InputRequired ? out : out as unknown as JsonObject;
    });
  } catch {
    return undefined;
  }
  return listed(prompt, definition);
}
