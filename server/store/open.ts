/**
 * Turns the `store` option into an open store: a Store as given, `"memory"`, `"kv"` (the
 * runtime's default database, or Deno Deploy's), or a path or URL for `Deno.openKv`.
 *
 * @module
 */

import { KV_FLAG_HINT, kvAvailable, kvStore, openKv } from "./kv.ts";
import { memoryStore } from "./memory.ts";
import type { Store } from "./store.ts";

/** What the `store` option accepts. */
export type StoreOption = Store | "memory" | "kv" | string;

/** Fails at start-up, with the exact flag to add, when KV is asked for but not enabled. */
export function checkStoreOption(option: StoreOption | undefined): void {
  if (option === undefined || option === "memory" || typeof option !== "string") return;
  if (!kvAvailable()) throw new Error(KV_FLAG_HINT);
}

/** Opens the store an option names. */
export async function openStore(option: StoreOption | undefined): Promise<Store> {
  if (option === undefined || option === "memory") return memoryStore();
  if (typeof option !== "string") return option;
  const kv = await openKv(option === "kv" ? undefined : option);
  return kvStore(kv, { closeKv: true });
}
