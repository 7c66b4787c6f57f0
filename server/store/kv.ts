/**
 * The Deno KV store: a local SQLite file, Deno Deploy's managed KV, or denokv over KV Connect.
 * The only file that knows `Deno.openKv`. Values larger than one KV entry (64 KiB) are split into
 * chunks written in one atomic operation, up to `maxValueBytes`; beyond that they are rejected.
 *
 * @module
 */

import { type SetOptions, type Store, type StoreKey, type StoreWrite, ValueTooLargeError } from "./store.ts";

const ROOT = "denomcp";
/** Below KV's 64 KiB value limit, leaving room for the envelope. */
const CHUNK_BYTES = 60_000;
const encoder = new TextEncoder();

/** Options of {@link kvStore}. */
export interface KvStoreOptions {
  /** Largest value accepted; larger ones throw `ValueTooLargeError`. Default 512 KiB (KV's atomic limit is 800 KiB). */
  maxValueBytes?: number;
  /** Close the KV handle when the store closes. Default: true when the store opened it. */
  closeKv?: boolean;
  /** How often a watch reads its key, to see writes from other processes (KV's own wake-ups stay within one). Default 100 ms. */
  watchPollMs?: number;
}

interface Chunked {
  __chunks: number;
}

/** The exact advice when KV is missing, because `deno check` passes without the flag. */
export const KV_FLAG_HINT =
  'Deno KV is not enabled: run with --unstable-kv, or add "unstable": ["kv"] to deno.json';

/** True when this runtime can open Deno KV. */
export function kvAvailable(): boolean {
  return typeof (Deno as { openKv?: unknown }).openKv === "function";
}

/** Opens Deno KV at a path or URL (default: the runtime's default database). Throws the flag hint without KV. */
export async function openKv(pathOrUrl?: string): Promise<Deno.Kv> {
  if (!kvAvailable()) throw new Error(KV_FLAG_HINT);
  return await Deno.openKv(pathOrUrl);
}

/**
 * A store on an open Deno KV handle.
 *
 * @example
 * ```ts ignore
 * import { FastMCP, kvStore } from "@denomcp/denomcp";
 * const kv = await Deno.openKv("./state.sqlite");
 * const mcp = new FastMCP({ name: "scaled", store: kvStore(kv) });
 * ```
 */
export function kvStore(kv: Deno.Kv, options: KvStoreOptions = {}): Store {
  const maxValueBytes = options.maxValueBytes ?? 512 * 1024;
  const pollMs = options.watchPollMs ?? 100;
  const full = (key: StoreKey): Deno.KvKey => [ROOT, ...key];
  const chunkKey = (key: StoreKey, i: number): Deno.KvKey => [ROOT, "__chunks", ...key, i];
  let closed = false;
  const store: Store = {
    kind: "kv",
    async get<T>(key: StoreKey) {
      const entry = await kv.get(full(key));
      const value = entry.value as unknown;
      if (value && typeof value === "object" && "__chunks" in (value as object)) {
        const n = (value as Chunked).__chunks;
        const parts = await kv.getMany(Array.from({ length: n }, (_, i) => chunkKey(key, i)));
        if (parts.some((p) => typeof p.value !== "string")) return undefined;
        return JSON.parse(parts.map((p) => p.value as string).join("")) as T;
      }
      return (value ?? undefined) as T | undefined;
    },
    async set(key, value, setOptions: SetOptions = {}) {
      const expireIn = setOptions.expireInMs;
      const json = JSON.stringify(value);
      const bytes = encoder.encode(json).byteLength;
      if (bytes > maxValueBytes) throw new ValueTooLargeError(key, bytes, maxValueBytes);
      if (bytes <= CHUNK_BYTES) {
        await kv.set(full(key), value, { expireIn });
        return;
      }
      // Split by characters so that each chunk stays well under the byte limit even for wide text.
      const step = Math.floor(CHUNK_BYTES / 4);
      const chunks: string[] = [];
      for (let i = 0; i < json.length; i += step) chunks.push(json.slice(i, i + step));
      const op = kv.atomic();
      chunks.forEach((chunk, i) => op.set(chunkKey(key, i), chunk, { expireIn }));
      op.set(full(key), { __chunks: chunks.length } satisfies Chunked, { expireIn });
      const result = await op.commit();
      if (!result.ok) throw new Error(`writing [${key.join(", ")}] failed`);
    },
    async getVersioned<T>(key: StoreKey) {
      const entry = await kv.get(full(key));
      if (entry.value && typeof entry.value === "object" && "__chunks" in (entry.value as object)) {
        return { value: await store.get<T>(key), version: entry.versionstamp };
      }
      return { value: (entry.value ?? undefined) as T | undefined, version: entry.versionstamp };
    },
    async setIf(key, version, value, setOptions: SetOptions = {}) {
      const bytes = encoder.encode(JSON.stringify(value)).byteLength;
      // Leases and task records stay small; a chunked value cannot be swapped in one checked write.
      if (bytes > CHUNK_BYTES) throw new ValueTooLargeError(key, bytes, CHUNK_BYTES);
      const result = await kv.atomic().check({ key: full(key), versionstamp: version })
        .set(full(key), value, { expireIn: setOptions.expireInMs }).commit();
      return result.ok;
    },
    async commit(writes: readonly StoreWrite[]) {
      const op = kv.atomic();
      for (const w of writes) {
        if (w.version !== undefined) op.check({ key: full(w.key), versionstamp: w.version });
        if (w.delete) {
          op.delete(full(w.key));
          continue;
        }
        const bytes = encoder.encode(JSON.stringify(w.value)).byteLength;
        if (bytes > CHUNK_BYTES) throw new ValueTooLargeError(w.key, bytes, CHUNK_BYTES);
        op.set(full(w.key), w.value, { expireIn: w.expireInMs });
      }
      return (await op.commit()).ok;
    },
    async delete(key) {
      const entry = await kv.get<Chunked>(full(key));
      const op = kv.atomic().delete(full(key));
      const n = entry.value && typeof entry.value === "object" ? entry.value.__chunks ?? 0 : 0;
      for (let i = 0; i < n; i++) op.delete(chunkKey(key, i));
      await op.commit();
    },
    async *list<T>(prefix: StoreKey) {
      for await (const entry of kv.list({ prefix: full(prefix) })) {
        if (entry.key[1] === "__chunks") continue;
        const key = (entry.key.slice(1) as string[]).map(String);
        const value = entry.value && typeof entry.value === "object" && "__chunks" in (entry.value as object)
          ? await store.get<T>(key)
          : entry.value as T;
        if (value !== undefined) yield { key, value };
      }
    },
    watch<T>(key: StoreKey, listener: (value: T) => void) {
      const k = full(key);
      let last: string | null | undefined;
      let stopped = false;
      const offer = (entry: Deno.KvEntryMaybe<unknown>) => {
        if (stopped || entry.versionstamp === last) return;
        const first = last === undefined;
        last = entry.versionstamp;
        // The first sighting is the value before the watch began: only later writes are news.
        if (!first && entry.value !== null) listener(entry.value as T);
      };
      // kv.watch wakes at once within this process; another process writing the same file is
      // only seen by reading, so a slow poll covers it.
      const reader = kv.watch([k]).getReader();
      (async () => {
        try {
          while (!stopped) {
            const { value, done } = await reader.read();
            if (done) break;
            offer(value[0]);
          }
        } catch {
          // The handle closed under the watch: nothing more will arrive.
        }
      })();
      const poll = setInterval(() => {
        kv.get(k).then(offer, () => {});
      }, pollMs);
      Deno.unrefTimer(poll as unknown as number);
      return () => {
        stopped = true;
        clearInterval(poll);
        reader.cancel().catch(() => {});
      };
    },
    close() {
      if (closed) return;
      closed = true;
      if (options.closeKv) kv.close();
    },
  };
  return store;
}
