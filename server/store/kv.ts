/**
 * The Deno KV store: a local SQLite file, Deno Deploy's managed KV, or denokv over KV Connect.
 * The only file that knows `Deno.openKv`. Values larger than one KV entry (64 KiB) are split into
 * chunks written in one atomic operation, up to `maxValueBytes`; beyond that they are rejected.
 *
 * Deno KV deletes expired keys lazily (tens of seconds late, or a minute), and reads do not hide
 * them, so a value written with `expireInMs` is stored with its deadline, `{ __exp, v }` (a large
 * value's chunk head carries `__exp` too), and every read checks it: an expired value is never
 * returned, listed or watched, and to `setIf` and `commit` it is absent. A value without expiry
 * is stored as it is, unless it looks like one of these wrappers, then it is wrapped with
 * `__exp: null`.
 *
 * @module
 */

import {
  DEFAULT_MAX_VALUE_BYTES,
  type SetOptions,
  type Store,
  type StoreKey,
  type StoreWrite,
  ValueTooLargeError,
  type WatchOptions,
} from "./store.ts";

const ROOT = "denomcp";
/** Below KV's 64 KiB value limit, leaving room for the envelope. */
const CHUNK_BYTES = 60_000;
/** Keys one `getMany` may read. */
const GET_MANY = 10;
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

/** The head of a value stored in chunks. */
interface Chunked {
  __chunks: number;
  /** Expiry time (ms since the epoch), when the value expires. */
  __exp?: number;
}

/** A value stored with its expiry time (ms since the epoch; null: never, for a value that looks like a wrapper). */
interface Expiring {
  __exp: number | null;
  v: unknown;
}

/** What a stored KV value holds: the value, or the chunk count of a large one, and its expiry. */
interface Stored {
  value: unknown;
  chunks?: number;
  expiresAt?: number;
}

function decode(raw: unknown): Stored {
  if (raw === null || typeof raw !== "object") return { value: raw };
  if (typeof (raw as Chunked).__chunks === "number") {
    const head = raw as Chunked;
    return { value: undefined, chunks: head.__chunks, expiresAt: head.__exp ?? undefined };
  }
  if ("__exp" in raw && "v" in raw) {
    const wrapped = raw as Expiring;
    return { value: wrapped.v, expiresAt: wrapped.__exp ?? undefined };
  }
  return { value: raw };
}

function encode(value: unknown, expiresAt: number | undefined): unknown {
  if (expiresAt !== undefined) return { __exp: expiresAt, v: value } satisfies Expiring;
  // A value that looks like a wrapper is wrapped, so that it is never mistaken for one.
  if (value !== null && typeof value === "object" && ("__exp" in value || "__chunks" in value)) {
    return { __exp: null, v: value } satisfies Expiring;
  }
  return value;
}

function expired(stored: Stored, now = Date.now()): boolean {
  return stored.expiresAt !== undefined && stored.expiresAt <= now;
}

/** True when an entry is there and not expired. */
function present(entry: Deno.KvEntryMaybe<unknown>): boolean {
  return entry.versionstamp !== null && !expired(decode(entry.value));
}

/**
 * The versionstamp an atomic check needs so that a write lands only when the key still holds
 * `version` (null: absent, or expired though still stored: then its actual versionstamp, so that
 * no other write can slip in between); false when the key does not hold it now.
 */
function checkFor(entry: Deno.KvEntryMaybe<unknown>, version: string | null): string | null | false {
  const live = present(entry);
  if (version === null) return live ? false : entry.versionstamp;
  return live && entry.versionstamp === version ? version : false;
}

/** How many times a checked write is tried when an expired entry it checked may have been swept. */
const ATTEMPTS = 3;

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
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const pollMs = options.watchPollMs ?? 100;
  const full = (key: StoreKey): Deno.KvKey => [ROOT, ...key];
  const chunkKey = (key: StoreKey, i: number): Deno.KvKey => [ROOT, "__chunks", ...key, i];
  const deadline = (expireInMs: number | undefined) =>
    expireInMs === undefined ? undefined : Date.now() + expireInMs;
  /** Reads any number of keys (`getMany` takes at most 10). */
  const getAll = async (keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<unknown>[]> => {
    if (keys.length <= GET_MANY) return await kv.getMany(keys);
    const batches: Deno.KvKey[][] = [];
    for (let i = 0; i < keys.length; i += GET_MANY) batches.push(keys.slice(i, i + GET_MANY));
    return (await Promise.all(batches.map((batch) => kv.getMany(batch)))).flat();
  };
  /** The value a stored entry holds, its chunks read; undefined when it expired or a chunk is gone. */
  const load = async (key: StoreKey, stored: Stored): Promise<unknown> => {
    if (expired(stored)) return undefined;
    if (stored.chunks === undefined) return stored.value;
    const parts = await getAll(Array.from({ length: stored.chunks }, (_, i) => chunkKey(key, i)));
    if (parts.some((p) => typeof p.value !== "string")) return undefined;
    return JSON.parse(parts.map((p) => p.value as string).join(""));
  };
  /** A value `setIf` or `commit` writes: one entry, no chunks. */
  const single = (key: StoreKey, value: unknown, expireInMs: number | undefined): unknown => {
    const bytes = encoder.encode(JSON.stringify(value)).byteLength;
    // Leases and task records stay small; a chunked value cannot be swapped in one checked write.
    if (bytes > CHUNK_BYTES) throw new ValueTooLargeError(key, bytes, CHUNK_BYTES);
    return encode(value, deadline(expireInMs));
  };
  let closed = false;
  const store: Store = {
    kind: "kv",
    async get<T>(key: StoreKey) {
      const entry = await kv.get(full(key));
      return ((await load(key, decode(entry.value))) ?? undefined) as T | undefined;
    },
    async set(key, value, setOptions: SetOptions = {}) {
      const expireIn = setOptions.expireInMs;
      const json = JSON.stringify(value);
      const bytes = encoder.encode(json).byteLength;
      if (bytes > maxValueBytes) throw new ValueTooLargeError(key, bytes, maxValueBytes);
      const expiresAt = deadline(expireIn);
      if (bytes <= CHUNK_BYTES) {
        await kv.set(full(key), encode(value, expiresAt), { expireIn });
        return;
      }
      // Split by characters so that each chunk stays well under the byte limit even for wide text.
      const step = Math.floor(CHUNK_BYTES / 4);
      const chunks: string[] = [];
      for (let i = 0; i < json.length; i += step) chunks.push(json.slice(i, i + step));
      const op = kv.atomic();
      chunks.forEach((chunk, i) => op.set(chunkKey(key, i), chunk, { expireIn }));
      const head: Chunked = expiresAt === undefined
        ? { __chunks: chunks.length }
        : { __chunks: chunks.length, __exp: expiresAt };
      op.set(full(key), head, { expireIn });
      const result = await op.commit();
      if (!result.ok) throw new Error(`writing [${key.join(", ")}] failed`);
    },
    async getVersioned<T>(key: StoreKey) {
      const entry = await kv.get(full(key));
      const stored = decode(entry.value);
      if (entry.versionstamp === null || expired(stored)) return { value: undefined, version: null };
      return {
        value: ((await load(key, stored)) ?? undefined) as T | undefined,
        version: entry.versionstamp,
      };
    },
    async setIf(key, version, value, setOptions: SetOptions = {}) {
      const stored = single(key, value, setOptions.expireInMs);
      for (let attempt = 1;; attempt++) {
        const entry = await kv.get(full(key));
        const versionstamp = checkFor(entry, version);
        if (versionstamp === false) return false;
        const result = await kv.atomic().check({ key: full(key), versionstamp })
          .set(full(key), stored, { expireIn: setOptions.expireInMs }).commit();
        if (result.ok) return true;
        // Only an expired entry that KV swept meanwhile is worth another look.
        if (versionstamp === null || version !== null || attempt >= ATTEMPTS) return false;
      }
    },
    async commit(writes: readonly StoreWrite[]) {
      const values = writes.map((w) => w.delete ? undefined : single(w.key, w.value, w.expireInMs));
      const checked = writes.filter((w) => w.version !== undefined);
      for (let attempt = 1;; attempt++) {
        const entries = checked.length ? await getAll(checked.map((w) => full(w.key))) : [];
        const op = kv.atomic();
        let sawExpired = false;
        for (const [i, w] of checked.entries()) {
          const versionstamp = checkFor(entries[i], w.version!);
          if (versionstamp === false) return false;
          if (versionstamp !== null && w.version === null) sawExpired = true;
          op.check({ key: full(w.key), versionstamp });
        }
        writes.forEach((w, i) => {
          if (w.delete) op.delete(full(w.key));
          else op.set(full(w.key), values[i], { expireIn: w.expireInMs });
        });
        if ((await op.commit()).ok) return true;
        // Only an expired entry that KV swept meanwhile is worth another look.
        if (!sawExpired || attempt >= ATTEMPTS) return false;
      }
    },
    async delete(key) {
      const entry = await kv.get(full(key));
      const op = kv.atomic().delete(full(key));
      const n = decode(entry.value).chunks ?? 0;
      for (let i = 0; i < n; i++) op.delete(chunkKey(key, i));
      await op.commit();
    },
    async *list<T>(prefix: StoreKey) {
      for await (const entry of kv.list({ prefix: full(prefix) })) {
        if (entry.key[1] === "__chunks") continue;
        const key = (entry.key.slice(1) as string[]).map(String);
        const value = await load(key, decode(entry.value));
        if (value !== undefined) yield { key, value: value as T };
      }
    },
    watch<T>(key: StoreKey, listener: (value: T) => void, options: WatchOptions = {}) {
      const k = full(key);
      let last: string | null | undefined;
      let stopped = false;
      const offer = (entry: Deno.KvEntryMaybe<unknown>) => {
        if (stopped || entry.versionstamp === last) return;
        const first = last === undefined;
        last = entry.versionstamp;
        // The first sighting is the value before the watch began: only later writes are news,
        // unless the caller asked for the current value.
        if ((first && !options.current) || entry.value === null) return;
        const stored = decode(entry.value);
        if (expired(stored)) return;
        if (stored.chunks === undefined) {
          if (stored.value !== null) listener(stored.value as T);
          return;
        }
        load(key, stored).then((value) => {
          if (!stopped && value !== undefined && value !== null) listener(value as T);
        }, () => {});
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
