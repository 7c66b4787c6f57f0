/**
 * `ResponseCachingMiddleware`: answers repeated listings, tool calls, resource reads and prompts
 * from the server's store (so replicas on a shared store share the cache). Every entry is
 * partitioned by the caller: its principal (issuer, client, subject), else one anonymous
 * partition, and the session when the session has its own visibility, so that no caller is ever
 * answered with another's result (FastMCP's 3.3 fix, vulnerability #11 of the auth research).
 *
 * @module
 */

import { principalKey } from "../../auth/access_token.ts";
import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { tokenKey } from "../../auth/token_cache.ts";
import { exchangeOf } from "../context.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";

/** Settings of one cached method. */
export interface MethodCacheSettings {
  /** Cache it. Default true. */
  enabled?: boolean;
  /** How long an entry is kept, in ms. Default 5 minutes for listings, 1 hour otherwise. */
  ttlMs?: number;
}

/** Settings of `tools/call` caching. */
export interface CallToolCacheSettings extends MethodCacheSettings {
  /** Only these tools are cached. */
  includedTools?: string[];
  /** These tools are never cached. */
  excludedTools?: string[];
}

/** Options of {@link ResponseCachingMiddleware}. */
export interface ResponseCachingOptions {
  /** `tools/list`. */
  listToolsSettings?: MethodCacheSettings;
  /** `resources/list` and `resources/templates/list`. */
  listResourcesSettings?: MethodCacheSettings;
  /** `prompts/list`. */
  listPromptsSettings?: MethodCacheSettings;
  /** `resources/read`. */
  readResourceSettings?: MethodCacheSettings;
  /** `prompts/get`. */
  getPromptSettings?: MethodCacheSettings;
  /** `tools/call`. */
  callToolSettings?: CallToolCacheSettings;
  /** Largest result stored, in bytes of its JSON (UTF-8); larger ones are answered, not kept. Default 1 MiB. */
  maxItemSize?: number;
}

/** Counts of one method. */
export interface CacheMethodStatistics {
  /** Answered from the cache. */
  hits: number;
  /** Not found in the cache. */
  misses: number;
  /** Results stored. */
  stores: number;
  /** Results too large to store. */
  tooLarge: number;
}

const FIVE_MINUTES = 5 * 60_000;
const ONE_HOUR = 60 * 60_000;
const LISTS: Record<string, keyof ResponseCachingOptions> = {
  "tools/list": "listToolsSettings",
  "resources/list": "listResourcesSettings",
  "resources/templates/list": "listResourcesSettings",
  "prompts/list": "listPromptsSettings",
};
const CALLS: Record<string, keyof ResponseCachingOptions> = {
  "resources/read": "readResourceSettings",
  "prompts/get": "getPromptSettings",
  "tools/call": "callToolSettings",
};
const LISTS_OF_KIND = {
  tools: ["tools/list"],
  resources: ["resources/list", "resources/templates/list"],
  prompts: ["prompts/list"],
} as const;

/** What an entry holds: the whole key (a hash names the entry), the result and its deadline. */
interface Entry {
  key: string;
  result: JsonObject;
  expiresAt: number;
}

const UTF8 = new TextEncoder();
/** Entries this isolate keeps a copy of. */
const LOCAL_ENTRIES = 1000;

/**
 * Caches results in the server's store, partitioned by caller. Not cached: errors and tool
 * results with `isError`, tasks, input-required rounds and their continuations, and results
 * over `maxItemSize`. On 2026-07-28 a result's `ttlMs` (when set) bounds how long it is kept, and
 * what the cache answers carries the time it has left (`ttlMs`) and `cacheScope: "private"` when
 * it belongs to one caller. Listings are dropped when a list changes.
 *
 * @example
 * ```ts
 * import { FastMCP, ResponseCachingMiddleware } from "@denomcp/denomcp";
 * const cache = new ResponseCachingMiddleware({
 *   callToolSettings: { ttlMs: 60_000, excludedTools: ["now"] },
 *   listToolsSettings: { enabled: false },
 * });
 * const mcp = new FastMCP({ name: "weather", store: "kv", middleware: [cache] });
 * console.log(cache.statistics());
 * ```
 */
export class ResponseCachingMiddleware implements Middleware {
  readonly #options: ResponseCachingOptions;
  readonly #maxItemSize: number;
  readonly #stats = new Map<string, CacheMethodStatistics>();
  /** This isolate's copy of recent entries, by whole key: a hit here needs no store read. */
  readonly #local = new Map<string, Entry>();
  #host?: MiddlewareHost;

  /** Creates the cache; throws a TypeError for a TTL or size that is not positive. */
  constructor(options: ResponseCachingOptions = {}) {
    this.#options = options;
    this.#maxItemSize = options.maxItemSize ?? 1024 * 1024;
    if (!(this.#maxItemSize > 0)) {
      throw new TypeError("ResponseCachingMiddleware: maxItemSize must be positive");
    }
    for (const key of [...Object.values(LISTS), ...Object.values(CALLS)]) {
      const ttl = (options[key] as MethodCacheSettings | undefined)?.ttlMs;
      if (ttl !== undefined && !(ttl > 0)) {
        throw new TypeError(`ResponseCachingMiddleware: ${key}.ttlMs must be positive`);
      }
    }
  }

  /** Keeps the server's store, and drops cached listings when a list changes. */
  install(host: MiddlewareHost): void {
    this.#host = host;
    host.onListChanged((kind) => void this.#dropListings(kind));
  }

  /** Counts per method, since the middleware was created (this instance's). */
  statistics(): Record<string, CacheMethodStatistics> {
    return Object.fromEntries([...this.#stats].map(([method, stats]) => [method, { ...stats }]));
  }

  /**
   * Answers from the cache, or runs the request and keeps what it answered. A hit on this
   * isolate's copy is answered synchronously (the chain stays synchronous); the store is asked
   * otherwise.
   */
  onRequest(context: MiddlewareContext, next: Next): ReturnType<Next> {
    const host = this.#host;
    const ttl = host ? this.#ttlOf(context) : undefined;
    if (!host || ttl === undefined) return next(context);
    const { key, partitioned } = this.#keyOf(context);
    const stats = this.#statsOf(context.method);
    const local = this.#local.get(key);
    if (local) {
      const left = local.expiresAt - Date.now();
      if (left > 0) {
        stats.hits++;
        return this.#answer(context, local.result, left, partitioned);
      }
      this.#local.delete(key);
    }
    return this.#viaStore(host, context, next, key, partitioned, ttl, stats);
  }

  async #viaStore(
    host: MiddlewareHost,
    context: MiddlewareContext,
    next: Next,
    key: string,
    partitioned: boolean,
    ttl: number,
    stats: CacheMethodStatistics,
  ): Promise<JsonObject | undefined> {
    const storeKey = ["cache", context.method, String(tokenKey(key)), String(key.length)];
    const found = await host.store.get<Entry>(storeKey).catch(() => undefined);
    const now = Date.now();
    if (found && found.key === key && found.expiresAt > now) {
      stats.hits++;
      this.#remember(found);
      return this.#answer(context, found.result, found.expiresAt - now, partitioned);
    }
    stats.misses++;
    const result = await next(context);
    if (!result || !cacheable(result)) return result;
    const hinted = typeof result.ttlMs === "number" && result.ttlMs > 0 ? Math.min(ttl, result.ttlMs) : ttl;
    const size = UTF8.encode(JSON.stringify(result)).byteLength;
    if (size > this.#maxItemSize) {
      stats.tooLarge++;
      host.log("debug", `cache: ${context.method} result of ${size} bytes is over maxItemSize; not stored`);
      return result;
    }
    const entry: Entry = { key, result, expiresAt: now + hinted };
    try {
      await host.store.set(storeKey, entry, { expireInMs: hinted });
      stats.stores++;
      this.#remember(entry);
    } catch (error) {
      // A store that cannot take it (too large for it, or down) only costs the next call a miss.
      host.log(
        "debug",
        `cache: ${context.method} not stored: ${error instanceof Error ? error.message : error}`,
      );
    }
    return this.#hinted(context, result, hinted, partitioned);
  }

  /** A cached result as an answer: always a copy (the cached one is never handed out to be changed). */
  #answer(context: MiddlewareContext, result: JsonObject, leftMs: number, partitioned: boolean): JsonObject {
    return context.era === "modern" ? this.#hinted(context, result, leftMs, partitioned) : { ...result };
  }

  /** Keeps an entry in this isolate's bounded copy (the oldest goes first). */
  #remember(entry: Entry): void {
    if (this.#local.size >= LOCAL_ENTRIES) this.#local.delete(this.#local.keys().next().value!);
    this.#local.set(entry.key, entry);
  }

  /** How long `context`'s result is kept, or undefined when it is not cached. */
  #ttlOf(context: MiddlewareContext): number | undefined {
    if (context.type !== "request") return undefined;
    const method = context.method;
    const listing = LISTS[method];
    const settingsKey = listing ?? CALLS[method];
    if (!settingsKey) return undefined;
    const settings = this.#options[settingsKey] as CallToolCacheSettings | undefined;
    if (settings?.enabled === false) return undefined;
    if (method === "tools/call") {
      const name = String(context.params.name);
      if (settings?.includedTools && !settings.includedTools.includes(name)) return undefined;
      if (settings?.excludedTools?.includes(name)) return undefined;
      // A call that asks to become a task, or answers a previous round, is not a repeatable answer.
      if (context.params.task !== undefined) return undefined;
    }
    if (context.params.inputResponses !== undefined || context.params.requestState !== undefined) {
      return undefined;
    }
    return settings?.ttlMs ?? (listing ? FIVE_MINUTES : ONE_HOUR);
  }

  /**
   * The whole key: method, partition, and what of the params names the answer (the tool, prompt
   * or URI, the arguments, the cursor, the component version a client may ask for); the rest of
   * `_meta` (progress tokens, client info) is left out.
   */
  #keyOf(context: MiddlewareContext): { key: string; partitioned: boolean } {
    const principal = context.facts?.principal;
    const partition = principal ? principalKey(principal) : "__anonymous__";
    // Sessions exist on the 2025 wire only; one with its own visibility sees its own listings.
    const session = context.sessionId !== undefined && context.context
      ? exchangeOf(context.context).session
      : undefined;
    const personal = session?.visibility?.length ? session.id : "";
    const p = context.params;
    const version = (p._meta as { fastmcp?: { version?: unknown } } | undefined)?.fastmcp?.version;
    const key = JSON.stringify([
      context.method,
      partition,
      personal,
      version ?? null,
      p.name ?? p.uri ?? null,
      canonical(p.arguments ?? null),
      p.cursor ?? null,
    ]);
    return { key, partitioned: principal !== undefined || personal !== "" };
  }

  /** What the cache answers on 2026: the time its entry has left, and the scope of a caller's own entry. */
  #hinted(context: MiddlewareContext, result: JsonObject, leftMs: number, partitioned: boolean): JsonObject {
    if (context.era !== "modern") return result;
    const ttlMs = Math.max(0, Math.floor(leftMs));
    return partitioned ? { ...result, ttlMs, cacheScope: "private" } : { ...result, ttlMs };
  }

  #statsOf(method: string): CacheMethodStatistics {
    let stats = this.#stats.get(method);
    if (!stats) this.#stats.set(method, stats = { hits: 0, misses: 0, stores: 0, tooLarge: 0 });
    return stats;
  }

  async #dropListings(kind: keyof typeof LISTS_OF_KIND): Promise<void> {
    for (const method of LISTS_OF_KIND[kind]) {
      const prefix = JSON.stringify([method]).slice(0, -1) + ",";
      for (const key of this.#local.keys()) if (key.startsWith(prefix)) this.#local.delete(key);
    }
    const host = this.#host;
    if (!host) return;
    try {
      const store = host.store;
      for (const method of LISTS_OF_KIND[kind]) {
        const keys: string[][] = [];
        for await (const { key } of store.list(["cache", method])) keys.push(key);
        await Promise.all(keys.map((key) => store.delete(key)));
      }
    } catch {
      // Not started yet (no store): nothing is cached either.
    }
  }
}

/** Whether a result is a repeatable answer (not an error, a task or an input-required round). */
function cacheable(result: JsonObject): boolean {
  if (result.isError === true) return false;
  const type = result.resultType;
  return type === undefined || type === "complete";
}

/** `value` with object keys sorted, so that equal arguments make equal keys. */
function canonical(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.some(isObject) ? value.map(canonical) : value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // The common case, flat arguments already in order, is its own canonical form: no copy.
  let ordered = true;
  for (let i = 0; i < keys.length && ordered; i++) {
    ordered = (i === 0 || keys[i - 1] < keys[i]) && !isObject(record[keys[i]]);
  }
  if (ordered) return value;
  // Without a prototype: a client's `__proto__` key is a key like any other.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of keys.sort()) out[key] = canonical(record[key]);
  return out;
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === "object";
}
