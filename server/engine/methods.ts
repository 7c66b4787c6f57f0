/**
 * The method table: one handler per MCP method, the same for both wire eras, and the handlers
 * of the methods that are not `tools/call` (lists, reads, prompts, completion, logging level,
 * subscriptions, discovery). Components are resolved through the server's catalog, once per
 * request.
 *
 * @module
 */

import { ProtocolError } from "../../protocol/errors.ts";
import { ErrorCode, isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import { SERVER_INFO_KEY } from "../../protocol/meta_keys.ts";
import type { ResourceContents } from "../../protocol/types.ts";
import { type Era, MODERN_PROTOCOL_VERSIONS, negotiatedLegacyVersion } from "../../protocol/versions.ts";
import type { Component } from "../components/common.ts";
import { toPromptResult } from "../components/prompt.ts";
import { toResourceContents } from "../components/resource.ts";
import { Context } from "../context.ts";
import { errorMessage, logLevelOf, McpError, NotFoundError } from "../errors.ts";
import { isLogLevel } from "../logger.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import type { Slot } from "../providers/catalog.ts";
import { subscriptionProblem } from "../sessions/subscriptions.ts";
import { requestedVersion } from "../transforms/versions.ts";
import type { Exchange } from "./exchange.ts";
import { InputRequired, InputRequiredSignal } from "./input_state.ts";
import { invalidParams, validateOwn } from "./outcome.ts";
import type { ServerCore } from "./server_core.ts";
import { EXCHANGE_HANDLERS, type Extension, requireDeclared } from "../extensions/extension.ts";

type Handler = (exchange: Exchange) => MaybePromise<JsonObject>;

interface MethodEntry {
  handler: Handler;
  legacy: boolean;
  modern: boolean;
  /** Results carrying 2026 cache hints. */
  cacheable?: boolean;
}

/** Routes requests to handlers. */
export class Methods {
  readonly #methods = new Map<string, MethodEntry>();
  /** Shared by every 2026 result (frozen: results are serialised, never edited after stamping). */
  readonly #serverInfoMeta: JsonObject;

  /** Builds the table for a server. */
  constructor(private readonly core: ServerCore) {
    this.#serverInfoMeta = Object.freeze({ [SERVER_INFO_KEY]: core.serverInfo });
    const add = (
      name: string,
      eras: { legacy: boolean; modern: boolean },
      handler: Handler,
      cacheable = false,
    ) => this.#methods.set(name, { handler, ...eras, cacheable });
    const both = { legacy: true, modern: true };
    const legacy = { legacy: true, modern: false };
    const modern = { legacy: false, modern: true };
    add("ping", legacy, () => ({}));
    add("logging/setLevel", legacy, (ex) => this.#setLevel(ex));
    add("resources/subscribe", legacy, (ex) => this.#subscribe(ex, true));
    add("resources/unsubscribe", legacy, (ex) => this.#subscribe(ex, false));
    add("server/discover", modern, () => this.discover(), true);
    add("tools/list", both, (ex) => this.#list(ex, "tools", "tools"), true);
    add("tools/call", both, (ex) => core.callTool(ex));
    add("resources/list", both, (ex) => this.#list(ex, "resources", "resources"), true);
    add("resources/templates/list", both, (ex) => this.#list(ex, "templates", "resourceTemplates"), true);
    add("resources/read", both, (ex) => core.rounds.run(ex, (e) => this.readResource(e)), true);
    add("prompts/list", both, (ex) => this.#list(ex, "prompts", "prompts"), true);
    add("prompts/get", both, (ex) => core.rounds.run(ex, (e) => this.getPrompt(e)));
    add("completion/complete", both, (ex) => this.#complete(ex));
  }

  /** Whether the table has a method of that name, on either era. */
  taken(method: string): boolean {
    return this.#methods.has(method);
  }

  /** Adds the methods of an extension (checked by the server's {@link Extensions} first). */
  addExtension(extension: Extension): void {
    for (const [name, method] of Object.entries(extension.methods ?? {})) {
      const eras = method.eras ?? ["legacy", "modern"];
      const own = EXCHANGE_HANDLERS.get(method);
      const answer: Handler = own ?? ((ex) => method.handler(ex.params, new Context(ex, this.core)));
      const handler: Handler = extension.requireClient
        ? (ex) => {
          requireDeclared(ex, extension.id);
          return answer(ex);
        }
        : answer;
      this.#methods.set(name, {
        handler,
        legacy: eras.includes("legacy"),
        modern: eras.includes("modern"),
        cacheable: method.cacheable === true,
      });
    }
  }

  /** {@link handle}, bound (the default handler of `serveRequest`). */
  readonly handler = (exchange: Exchange): MaybePromise<JsonObject> => this.handle(exchange);

  /** True when `method` exists in `era`. */
  has(method: string, era: Era): boolean {
    const entry = this.#methods.get(method);
    return entry !== undefined && (era === "legacy" ? entry.legacy : entry.modern);
  }

  /**
   * Runs a request. Protocol errors are thrown as `McpError`; on 2026-07-28 the result is stamped
   * with `resultType`, server info and, where required, cache hints. A handler that finishes
   * synchronously is answered synchronously: each promise on this path costs throughput.
   */
  handle(exchange: Exchange): MaybePromise<JsonObject> {
    const { method, era } = exchange.facts;
    const entry = this.#methods.get(method);
    if (!entry || !(era === "legacy" ? entry.legacy : entry.modern)) {
      throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`, { logLevel: "info" });
    }
    const result = entry.handler(exchange);
    if (era !== "modern") return result;
    const cacheable = entry.cacheable === true;
    return result instanceof Promise
      ? result.then((r) => this.#stamp(r, cacheable))
      : this.#stamp(result, cacheable);
  }

  #stamp(result: JsonObject, cacheable: boolean): JsonObject {
    if (result.resultType === undefined) result.resultType = "complete";
    const meta = result._meta as JsonObject | undefined;
    result._meta = meta ? { ...meta, ...this.#serverInfoMeta } : this.#serverInfoMeta;
    if (cacheable && result.resultType === "complete") {
      if (result.ttlMs === undefined) result.ttlMs = this.core.cacheHints.ttlMs;
      if (result.cacheScope === undefined) result.cacheScope = this.core.cacheHints.cacheScope;
    }
    return result;
  }

  /** The result of `initialize` for a requested version. */
  initializeResult(requestedVersion: unknown): JsonObject {
    const result: JsonObject = {
      protocolVersion: negotiatedLegacyVersion(requestedVersion),
      capabilities: this.core.legacyCapabilities,
      serverInfo: this.core.serverInfo,
    };
    if (this.core.instructions !== undefined) result.instructions = this.core.instructions;
    return result;
  }

  /** The result of `server/discover`. */
  discover(): JsonObject {
    const result: JsonObject = {
      supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
      capabilities: this.core.modernCapabilities,
    };
    if (this.core.instructions !== undefined) result.instructions = this.core.instructions;
    return result;
  }

  #setLevel(exchange: Exchange): JsonObject {
    const level = exchange.params.level;
    if (!isLogLevel(level)) throw invalidParams(`logging/setLevel: unknown level ${JSON.stringify(level)}`);
    if (exchange.session) {
      exchange.session.logLevel = level;
      exchange.session.save();
    }
    return {};
  }

  #subscribe(exchange: Exchange, on: boolean): JsonObject {
    const uri = exchange.params.uri;
    if (typeof uri !== "string") throw invalidParams("a resource uri is required");
    const subscriptions = exchange.session?.subscriptions;
    if (on && subscriptions && !subscriptions.has(uri)) {
      const problem = subscriptionProblem([...subscriptions, uri], this.core.limits);
      if (problem) throw invalidParams(problem);
    }
    if (on) exchange.session?.subscriptions.add(uri);
    else exchange.session?.subscriptions.delete(uri);
    exchange.session?.save();
    return {};
  }

  /**
   * The entries of a slot the request's caller may use (visible to its session, allowed by auth),
   * before paging; `fresh` bypasses the catalog's cache (see `Catalog.listing`).
   */
  usable(exchange: Exchange, slot: Slot, fresh = false): MaybePromise<readonly unknown[]> {
    return then(this.core.catalog.listing(slot, exchange.session?.visibility, fresh), (all) => {
      const { authorizer } = this.core;
      if (!authorizer.applies(exchange.facts, all.guarded)) return all.items;
      // Only what the caller may use is listed (per caller, so never cached).
      return authorizer.filter(all.items, all.components, exchange.facts);
    });
  }

  /** The components behind {@link usable}'s entries, fresh (see `ServerCore.listFor`). */
  usableComponents(exchange: Exchange, slot: Slot): MaybePromise<readonly Component[]> {
    return then(this.core.catalog.listing(slot, exchange.session?.visibility, true), (all) => {
      const { authorizer } = this.core;
      if (!authorizer.applies(exchange.facts, all.guarded)) return all.components;
      return authorizer.filter(all.components, all.components, exchange.facts);
    });
  }

  /** A page of `items` at the request's cursor (`listPageSize` per page), under `key`. */
  page(exchange: Exchange, items: readonly unknown[], key: string): JsonObject {
    const size = this.core.listPageSize;
    const cursor = exchange.params.cursor;
    let offset = 0;
    if (cursor !== undefined) {
      offset = typeof cursor === "string" && /^\d+$/.test(cursor) ? Number(cursor) : NaN;
      if (!Number.isSafeInteger(offset) || offset > items.length) {
        throw invalidParams(`Invalid cursor: ${JSON.stringify(cursor)}`);
      }
    }
    if (size === undefined || size <= 0) return { [key]: offset ? items.slice(offset) : items };
    const page = items.slice(offset, offset + size);
    const result: JsonObject = { [key]: page };
    if (offset + size < items.length) result.nextCursor = String(offset + size);
    return result;
  }

  #list(exchange: Exchange, slot: Slot, key: string): MaybePromise<JsonObject> {
    return then(this.usable(exchange, slot), (items) => this.page(exchange, items, key));
  }

  /** `prompts/get` without input rounds (a mounted server runs it for its parent). */
  async getPrompt(exchange: Exchange): Promise<JsonObject | InputRequired> {
    const { name } = exchange.params;
    if (typeof name !== "string") throw invalidParams("prompts/get needs a prompt name");
    const prompt = await this.core.catalog.prompt(
      name,
      requestedVersion(exchange.params),
      exchange.session?.visibility,
    );
    const notFound = () => new NotFoundError(`Unknown prompt: '${name}'`);
    if (!prompt) throw notFound();
    await this.core.authorizer.admit(prompt, exchange.facts, `Prompt '${name}'`, notFound);
    if (prompt.delegate) return await this.core.delegated(prompt.delegate, exchange, "prompts/get");
    const rawArgs = exchange.params.arguments ?? {};
    if (!isObject(rawArgs)) throw invalidParams(`prompts/get '${name}': arguments must be an object`);
    const checked = await validateOwn(prompt.args, prompt.coerce(rawArgs));
    if (!checked.ok) throw invalidParams(`Invalid arguments for prompt '${name}': ${checked.message}`);
    let value: unknown;
    try {
      value = await prompt.handler(checked.value as never, new Context(exchange, this.core));
    } catch (error) {
      throw this.#handlerError(error, `Error rendering prompt '${name}'`);
    }
    if (value instanceof InputRequired) return value;
    return toPromptResult(value, prompt.options.description) as unknown as JsonObject;
  }

  /** `resources/read` without input rounds. */
  async readResource(exchange: Exchange): Promise<JsonObject | InputRequired> {
    const { uri } = exchange.params;
    if (typeof uri !== "string") throw invalidParams("resources/read needs a uri");
    const contents = await this.read(uri, new Context(exchange, this.core), exchange);
    return contents instanceof InputRequired ? contents : { contents };
  }

  /** Reads a resource by URI (also used by `ctx.readResource`). */
  async read(uri: string, ctx: Context, exchange: Exchange): Promise<ResourceContents[] | InputRequired> {
    const { catalog } = this.core;
    const version = requestedVersion(exchange.params);
    const rules = exchange.session?.visibility;
    const resource = await catalog.resource(uri, version, rules);
    const match = resource ? undefined : await catalog.template(uri, version, rules);
    // SEP-2164: 2026 reports a missing resource as invalid params; 2025 used its own code.
    const code = ctx.era === "modern" ? ErrorCode.InvalidParams : ErrorCode.ResourceNotFound;
    const notFound = () => new McpError(code, "Resource not found", { data: { uri }, logLevel: "info" });
    const component = resource ?? match?.template;
    if (!component) throw notFound();
    await this.core.authorizer.admit(component, exchange.facts, `Resource '${uri}'`, notFound);
    const delegate = resource?.delegate ?? match?.template.delegate;
    if (delegate) {
      const childUri = resource ? delegate.component.identifier : match?.uri ?? uri;
      const out = await this.core.delegated(delegate, exchange, "resources/read", childUri);
      if (out instanceof InputRequired) return out;
      // Contents carry the URI the client asked for, not the child's own name for it.
      return (out.contents as ResourceContents[]).map((c) => c.uri === childUri ? { ...c, uri } : c);
    }
    try {
      if (resource) {
        const value = await resource.handler({}, ctx);
        if (value instanceof InputRequired) return value;
        return toResourceContents(value, uri, resource.options.mimeType, resource.options.meta);
      }
      if (match) {
        const value = await match.template.handler(match.params, ctx);
        if (value instanceof InputRequired) return value;
        return toResourceContents(value, uri, match.template.options.mimeType, match.template.options.meta);
      }
    } catch (error) {
      throw this.#handlerError(error, `Error reading resource '${uri}'`);
    }
    throw notFound();
  }

  async #complete(exchange: Exchange): Promise<JsonObject> {
    const ref = exchange.params.ref as JsonObject | undefined;
    const argument = exchange.params.argument as { name?: unknown; value?: unknown } | undefined;
    if (!isObject(ref) || !isObject(argument) || typeof argument.name !== "string") {
      throw invalidParams("completion/complete needs ref and argument.name");
    }
    // The client's arguments, without a prototype: a handler reading one it did not send (a
    // variable named `constructor`, say) gets undefined, not Object.prototype's member.
    const sent = isObject(exchange.params.context) ? exchange.params.context.arguments : undefined;
    const context = {
      arguments: Object.assign(Object.create(null), isObject(sent) ? sent : {}) as Record<string, string>,
    };
    const { catalog } = this.core;
    const rules = exchange.session?.visibility;
    let handlers: Record<string, (v: string, c: typeof context) => string[] | Promise<string[]>> | undefined;
    // Completing for a component the caller may not use would tell it exists: such a
    // component is unknown here, whatever the refusal.
    const usable = async <T extends Component>(c: T | undefined) =>
      c && (await this.core.authorizer.check(c, exchange.facts)) === undefined ? c : undefined;
    if (ref.type === "ref/prompt") {
      const prompt = typeof ref.name === "string"
        ? await usable(await catalog.prompt(ref.name, undefined, rules))
        : undefined;
      if (!prompt) throw new NotFoundError(`Unknown prompt: '${ref.name}'`);
      handlers = prompt.options.complete;
    } else if (ref.type === "ref/resource") {
      const uri = String(ref.uri);
      const templates = await usable(await catalog.templatesNamed(uri, rules));
      if (templates) handlers = templates.options.complete;
      else if (!(await usable(await catalog.resource(uri, undefined, rules)))) {
        throw new NotFoundError(`Unknown resource or template: '${uri}'`);
      }
    } else throw invalidParams(`completion/complete: unknown ref type ${JSON.stringify(ref.type)}`);
    // The argument name is the client's: only the completions the definition owns count.
    const handler = handlers && Object.hasOwn(handlers, argument.name) ? handlers[argument.name] : undefined;
    const values = handler ? await handler(String(argument.value ?? ""), context) : [];
    return {
      completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 },
    };
  }

  #handlerError(error: unknown, fallback: string): ProtocolError | InputRequiredSignal {
    if (error instanceof ProtocolError || error instanceof InputRequiredSignal) return error;
    this.core.log(logLevelOf(error), `${fallback}: ${errorMessage(error)}`);
    const message = this.core.maskErrorDetails ? fallback : `${fallback}: ${errorMessage(error)}`;
    return new McpError(ErrorCode.InternalError, message, { cause: error });
  }
}
