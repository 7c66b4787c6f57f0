/**
 * `Extension`: a protocol extension (SEP-2133) a server serves: its identifier and settings under
 * `capabilities.extensions`, the capabilities it implies, the methods it adds to the method table,
 * middleware that may intercept calls, and whether clients must declare it to use its methods.
 * The tasks and skills extensions are built on it; so can an application's own.
 *
 * @module
 */

import { ErrorCode, isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import type { ServerCapabilities } from "../../protocol/types.ts";
import type { Era } from "../../protocol/versions.ts";
import type { Context } from "../context.ts";
import type { Exchange } from "../engine/exchange.ts";
import { McpError } from "../errors.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import type { Middleware } from "../middleware/middleware.ts";

/**
 * A method an extension adds.
 *
 * @example
 * ```ts
 * import type { ExtensionMethod } from "@denomcp/denomcp";
 * const echo: ExtensionMethod = { handler: (params) => ({ echoed: params }), eras: ["modern"] };
 * ```
 */
export interface ExtensionMethod {
  /** Answers the request: its params, and the request's context (auth, listings, state). */
  handler(params: JsonObject, ctx: Context): MaybePromise<JsonObject>;
  /**
   * The wire eras the method exists on: `legacy` (2025-11-25 and older, with sessions) and
   * `modern` (2026-07-28). Default both.
   */
  eras?: readonly Era[];
  /** The param a 2026 HTTP client mirrors in `Mcp-Name` (SEP-2243), checked like `tools/call`'s `name`. */
  nameParam?: string;
  /** Whether 2026 results carry the cache hints (`ttlMs`, `cacheScope`) of `CacheableResult`. */
  cacheable?: boolean;
}

/**
 * A protocol extension, added with `mcp.addExtension()` (or brought by a provider that needs it).
 *
 * @example
 * ```ts
 * import { type Extension, FastMCP } from "@denomcp/denomcp";
 * const clock: Extension = {
 *   id: "com.example/clock",
 *   settings: { precision: "ms" },
 *   methods: { "clock/now": { handler: () => ({ now: Date.now() }) } },
 * };
 * const mcp = new FastMCP({ name: "timekeeper" });
 * mcp.addExtension(clock); // capabilities.extensions["com.example/clock"] = { precision: "ms" }
 * ```
 */
export interface Extension {
  /** The identifier, a reverse-domain name with a path (`io.modelcontextprotocol/skills`). */
  readonly id: string;
  /** The value under `capabilities.extensions[id]`. Default `{}`. */
  readonly settings?: JsonObject;
  /** The eras on which it is declared under `capabilities.extensions`. Default both. */
  readonly declaredOn?: readonly Era[];
  /** Capabilities it implies, merged into the server's (the skills extension needs `resources`). */
  readonly capabilities?: ServerCapabilities;
  /** Methods it adds, by name; a name the server or another extension has is an error. */
  readonly methods?: Readonly<Record<string, ExtensionMethod>>;
  /** Middleware it brings (to intercept tool calls, say), added inside the server's own. */
  readonly middleware?: Middleware;
  /**
   * When true, its methods refuse a client that did not declare the extension in its own
   * capabilities, with `-32021` (missing client capability) naming what to declare.
   */
  readonly requireClient?: boolean;
}

/** An extension method in the method table, with the extension it belongs to. */
export interface ExtensionEntry {
  readonly extension: Extension;
  readonly method: ExtensionMethod;
}

/**
 * Handlers of built-in extension methods that need the request itself rather than its context
 * (the tasks service's). Not part of the package's API.
 */
export const EXCHANGE_HANDLERS: WeakMap<ExtensionMethod, (exchange: Exchange) => MaybePromise<JsonObject>> =
  new WeakMap();

/** Throws -32021 when the request's client did not declare the extension `id`. */
export function requireDeclared(exchange: Exchange, id: string): void {
  const declared = (exchange.facts.clientCapabilities as { extensions?: unknown }).extensions;
  if (isObject(declared) && isObject(declared[id])) return;
  throw new McpError(
    ErrorCode.MissingClientCapability,
    `this method needs the ${id} extension; declare it in the client's capabilities`,
    {
      data: { requiredCapabilities: { extensions: { [id]: {} } } },
      logLevel: "info",
    },
  );
}

const IDENTIFIER = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+\/[a-z0-9][a-z0-9._\/-]*$/i;

/** The extensions of one server and what they add to its capabilities. */
export class Extensions {
  readonly #byId = new Map<string, Extension>();
  readonly #methods = new Map<string, ExtensionEntry>();

  /**
   * Adds an extension; `taken(method)` says whether the server already has a method of that
   * name. Adding the same extension object twice is a no-op; another with the same id, an
   * invalid id, or a method name already in use is an error.
   */
  add(extension: Extension, taken: (method: string) => boolean): boolean {
    const known = this.#byId.get(extension.id);
    if (known === extension) return false;
    if (known) throw new TypeError(`an extension '${extension.id}' is already added`);
    if (!IDENTIFIER.test(extension.id)) {
      throw new TypeError(`extension id '${extension.id}' must be a reverse-domain name with a path`);
    }
    const methods = Object.entries(extension.methods ?? {});
    for (const [name] of methods) {
      if (taken(name) || this.#methods.has(name)) {
        throw new TypeError(`extension '${extension.id}': the method '${name}' is already served`);
      }
    }
    this.#byId.set(extension.id, extension);
    for (const [name, method] of methods) this.#methods.set(name, { extension, method });
    return true;
  }

  /** Every extension, in the order added. */
  list(): Extension[] {
    return [...this.#byId.values()];
  }

  /** The extension with that id, if added. */
  get(id: string): Extension | undefined {
    return this.#byId.get(id);
  }

  /** The extension method of that name, if any. */
  method(name: string): ExtensionEntry | undefined {
    return this.#methods.get(name);
  }

  /** `base` with the extensions declared on `era` and the capabilities they imply. */
  capabilities(base: ServerCapabilities, era: Era): ServerCapabilities {
    let out = base;
    for (const extension of this.#byId.values()) {
      if (extension.declaredOn && !extension.declaredOn.includes(era)) continue;
      out = {
        ...mergeCapabilities(out, extension.capabilities ?? {}),
        extensions: { ...out.extensions, [extension.id]: extension.settings ?? {} },
      };
    }
    return out;
  }
}

/** `a` with the capabilities of `b` added; a capability both have keeps `a`'s settings and gains `b`'s. */
function mergeCapabilities(a: ServerCapabilities, b: ServerCapabilities): ServerCapabilities {
  const out: ServerCapabilities = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    out[key] = isPlain(mine) && isPlain(value) ? { ...value, ...mine } : mine ?? value;
  }
  return out;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
