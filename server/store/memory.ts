/**
 * The in-memory store: the default for one process. Nothing is shared with other isolates.
 *
 * @module
 */

import {
  bytesOver,
  DEFAULT_MAX_VALUE_BYTES,
  type SetOptions,
  type Store,
  type StoreKey,
  type StoreWrite,
  ValueTooLargeError,
  type WatchOptions,
} from "./store.ts";

interface Entry {
  value: unknown;
  expiresAt?: number;
  version: string;
}

const SEP = "\u0000";
/** Writes between two sweeps of expired entries, at least (more when the store holds more). */
const PURGE_EVERY = 1_000;

/** Entry counts of memory stores, for tests: expired entries are swept, not kept forever. */
const counts = new WeakMap<Store, () => number>();

/** How many entries a memory store holds, expired ones not yet swept included (undefined for other stores). */
export function storedEntryCount(store: Store): number | undefined {
  return counts.get(store)?.();
}

const NOT_PLAIN = Symbol("not plain");

/**
 * Plain JSON-like data copied by hand: `structuredClone` cost ~9 µs for a two-field object here,
 * most of a rate limit's update. Anything else (dates, maps, typed arrays, class instances, deep or
 * cyclic values) goes to `structuredClone`, which also throws for what cannot be kept.
 */
function copyOf(value: unknown): unknown {
  const copy = plainCopy(value, 0);
  return copy === NOT_PLAIN ? structuredClone(value) : copy;
}

function plainCopy(value: unknown, depth: number): unknown {
  if (value === null) return null;
  const type = typeof value;
  if (type === "function" || type === "symbol") return NOT_PLAIN;
  if (type !== "object") return value;
  if (depth > 32) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return NOT_PLAIN;
      const item = plainCopy(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.keys(value as object)) {
    const item = plainCopy((value as Record<string, unknown>)[key], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    // defineProperty: a `__proto__` key is copied as the data it is, not as a prototype.
    Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A store in this isolate's memory.
 *
 * Values are limited to `maxValueBytes` (default 524 288, 512 KiB: the largest value a KV store
 * accepts by default, chunked), counted as the bytes of their JSON text in UTF-8, as the KV store
 * counts them; `set`, `setIf` and `commit` refuse a larger value with `ValueTooLargeError`
 * (a refused `commit` writes nothing). A KV store further limits `setIf` and `commit` to one KV
 * entry (60 000 bytes); this store does not. Values JSON cannot express (BigInt, cycles) are
 * not counted.
 *
 * Expired values are never returned; they are swept from memory as writes go on (every
 * 1 000 writes, or every `n` writes in a store of `n` entries), so they do not pile up.
 *
 * @example
 * ```ts
 * import { FastMCP, memoryStore, ValueTooLargeError } from "@denomcp/denomcp";
 * const store = memoryStore({ maxValueBytes: 64 * 1024 });
 * try {
 *   await store.set(["blob"], "x".repeat(100_000));
 * } catch (error) {
 *   console.log(error instanceof ValueTooLargeError); // true
 * }
 * const mcp = new FastMCP({ name: "demo", store });
 * ```
 */
export function memoryStore(options: { maxValueBytes?: number } = {}): Store {
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const entries = new Map<string, Entry>();
  let clock = 0;
  let writes = 0;
  /** No entry expires before this (a lower bound: sweeping is pointless until then). */
  let earliest = Infinity;
  const watchers = new Map<string, Set<(value: unknown) => void>>();
  const live = (id: string): Entry | undefined => {
    const entry = entries.get(id);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(id);
      return undefined;
    }
    return entry;
  };
  const purge = (now: number) => {
    writes = 0;
    earliest = Infinity;
    for (const [id, entry] of entries) {
      if (entry.expiresAt === undefined) continue;
      if (entry.expiresAt <= now) entries.delete(id);
      else if (entry.expiresAt < earliest) earliest = entry.expiresAt;
    }
  };
  const check = (key: StoreKey, value: unknown) => {
    let bytes: number | undefined;
    try {
      bytes = bytesOver(value, maxValueBytes);
    } catch {
      // Not JSON (BigInt, a cycle): structuredClone decides whether it can be kept.
      return;
    }
    if (bytes !== undefined) throw new ValueTooLargeError(key, bytes, maxValueBytes);
  };
  /** Writes a value already cloned (this store keeps its own copy of what it is given). */
  const put = (key: StoreKey, value: unknown, expireInMs: number | undefined) => {
    const id = key.join(SEP);
    const now = Date.now();
    const expiresAt = expireInMs === undefined ? undefined : now + expireInMs;
    entries.set(id, { value, expiresAt, version: String(++clock) });
    if (expiresAt !== undefined && expiresAt < earliest) earliest = expiresAt;
    if (++writes >= Math.max(PURGE_EVERY, entries.size) && earliest <= now) purge(now);
    const listeners = watchers.get(id);
    if (!listeners) return;
    for (const listener of listeners) {
      queueMicrotask(() => {
        // A value that expired before it could be delivered is not delivered.
        if (expiresAt === undefined || expiresAt > Date.now()) listener(structuredClone(value));
      });
    }
  };
  const store: Store = {
    kind: "memory",
    get<T>(key: StoreKey) {
      return Promise.resolve(live(key.join(SEP))?.value as T | undefined);
    },
    set(key, value, options: SetOptions = {}) {
      try {
        check(key, value);
        put(key, copyOf(value), options.expireInMs);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve();
    },
    getVersioned<T>(key: StoreKey) {
      const entry = live(key.join(SEP));
      return Promise.resolve({ value: entry?.value as T | undefined, version: entry?.version ?? null });
    },
    setIf(key, version, value, options: SetOptions = {}) {
      try {
        check(key, value);
        const current = live(key.join(SEP))?.version ?? null;
        if (current !== version) return Promise.resolve(false);
        put(key, copyOf(value), options.expireInMs);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(true);
    },
    commit(writes: readonly StoreWrite[]) {
      try {
        for (const w of writes) if (!w.delete) check(w.key, w.value);
        for (const w of writes) {
          if (w.version !== undefined && (live(w.key.join(SEP))?.version ?? null) !== w.version) {
            return Promise.resolve(false);
          }
        }
        // Cloned before anything lands, so that a value that cannot be cloned lands nothing.
        const values = writes.map((w) => w.delete ? undefined : copyOf(w.value));
        writes.forEach((w, i) => {
          if (w.delete) entries.delete(w.key.join(SEP));
          else put(w.key, values[i], w.expireInMs);
        });
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(true);
    },
    delete(key) {
      entries.delete(key.join(SEP));
      return Promise.resolve();
    },
    async *list<T>(prefix: StoreKey) {
      const head = prefix.length ? prefix.join(SEP) + SEP : "";
      for (const id of [...entries.keys()]) {
        if (!id.startsWith(head)) continue;
        const entry = live(id);
        if (entry) yield { key: id.split(SEP), value: entry.value as T };
      }
    },
    watch<T>(key: StoreKey, listener: (value: T) => void, options: WatchOptions = {}) {
      const id = key.join(SEP);
      let set = watchers.get(id);
      if (!set) watchers.set(id, set = new Set());
      const l = listener as (value: unknown) => void;
      set.add(l);
      const current = options.current ? live(id) : undefined;
      // Delivered after watch() returns, as a shared store would, so the caller can keep the stop function first.
      if (current) queueMicrotask(() => set.has(l) && l(structuredClone(current.value)));
      return () => {
        set.delete(l);
        if (set.size === 0) watchers.delete(id);
      };
    },
    close() {
      entries.clear();
      watchers.clear();
    },
  };
  counts.set(store, () => entries.size);
  return store;
}
