/**
 * Turns the `store` option into an open store: a Store as given, `"memory"`, `"kv"` (the
 * runtime's default database, or Deno Deploy's), a `redis://` or `rediss://` URL, or a path or
 * URL for `Deno.openKv`.
 *
 * @module
 */

import { KV_FLAG_HINT, kvAvailable, kvStore, openKv } from "./kv.ts";
import { redisStore } from "./redis.ts";
import { memoryStore } from "./memory.ts";
import { type Store, withoutCredentials } from "./store.ts";

/** What the `store` option accepts. */
export type StoreOption = Store | "memory" | "kv" | string;

/** True for a Redis URL (`redis://`, `rediss://`). */
function isRedisUrl(option: string): boolean {
  return /^rediss?:\/\//i.test(option);
}

/** Fails at start-up, with the exact flag to add, when KV is asked for but not enabled. */
export function checkStoreOption(option: StoreOption | undefined): void {
  if (option === undefined || option === "memory" || typeof option !== "string" || isRedisUrl(option)) return;
  if (!kvAvailable()) throw new Error(KV_FLAG_HINT);
}

/**
 * How messages name the store an option means: its path or URL (a URL without its credentials),
 * `"kv"`, `"memory"`, or the kind of a `Store` given as is.
 */
export function storeName(option: StoreOption | undefined): string {
  if (option === undefined) return "memory";
  if (typeof option !== "string") return option.kind;
  return withoutCredentials(option);
}

/** The error of a store that cannot open: `cannot open store '<where>': <reason>`, the cause kept. */
export function storeOpenError(option: StoreOption | undefined, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`cannot open store '${storeName(option)}': ${reason}`, { cause: error });
}

/** Opens the store an option names; a failure is {@link storeOpenError}'s error. */
export async function openStore(option: StoreOption | undefined): Promise<Store> {
  if (option === undefined || option === "memory") return memoryStore();
  if (typeof option !== "string") return option;
  if (isRedisUrl(option)) {
    const store = redisStore(option);
    try {
      await store.connect();
    } catch (error) {
      store.close();
      throw storeOpenError(option, error);
    }
    return store;
  }
  try {
    const kv = await openKv(option === "kv" ? undefined : option);
    return kvStore(kv, { closeKv: true });
  } catch (error) {
    throw storeOpenError(option, error);
  }
}
