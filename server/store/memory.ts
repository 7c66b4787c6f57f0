/**
 * The in-memory store: the default for one process. Nothing is shared with other isolates.
 *
 * @module
 */

import type { SetOptions, Store, StoreKey, StoreWrite } from "./store.ts";

interface Entry {
  value: unknown;
  expiresAt?: number;
  version: string;
}

const SEP = "\u0000";

/**
 * A store in this isolate's memory.
 *
 * @example
 * ```ts
 * import { FastMCP, memoryStore } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo", store: memoryStore() });
 * ```
 */
export function memoryStore(): Store {
  const entries = new Map<string, Entry>();
  let clock = 0;
  const watchers = new Map<string, Set<(value: unknown) => void>>();
  const live = (id: string): Entry | undefined => {
    const entry = entries.get(id);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(id);
      return undefined;
    }
    return entry;
  };
  const put = (key: StoreKey, value: unknown, expireInMs: number | undefined) => {
    const id = key.join(SEP);
    entries.set(id, {
      value: structuredClone(value),
      expiresAt: expireInMs === undefined ? undefined : Date.now() + expireInMs,
      version: String(++clock),
    });
    for (const listener of watchers.get(id) ?? []) queueMicrotask(() => listener(structuredClone(value)));
  };
  return {
    kind: "memory",
    get<T>(key: StoreKey) {
      return Promise.resolve(live(key.join(SEP))?.value as T | undefined);
    },
    set(key, value, options: SetOptions = {}) {
      put(key, value, options.expireInMs);
      return Promise.resolve();
    },
    getVersioned<T>(key: StoreKey) {
      const entry = live(key.join(SEP));
      return Promise.resolve({ value: entry?.value as T | undefined, version: entry?.version ?? null });
    },
    setIf(key, version, value, options) {
      const current = live(key.join(SEP))?.version ?? null;
      if (current !== version) return Promise.resolve(false);
      return this.set(key, value, options).then(() => true);
    },
    commit(writes: readonly StoreWrite[]) {
      for (const w of writes) {
        if (w.version !== undefined && (live(w.key.join(SEP))?.version ?? null) !== w.version) {
          return Promise.resolve(false);
        }
      }
      for (const w of writes) {
        if (w.delete) entries.delete(w.key.join(SEP));
        else put(w.key, w.value, w.expireInMs);
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
    watch<T>(key: StoreKey, listener: (value: T) => void) {
      const id = key.join(SEP);
      let set = watchers.get(id);
      if (!set) watchers.set(id, set = new Set());
      const l = listener as (value: unknown) => void;
      set.add(l);
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
}
