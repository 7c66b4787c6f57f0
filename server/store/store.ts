/**
 * One interface for everything the server keeps beyond a request: sessions, session state,
 * messages between instances. Memory by default; Deno KV (a local file, Deno Deploy's managed KV,
 * or denokv over KV Connect) when several isolates or instances serve one client.
 *
 * @module
 */

/** A key: a path of strings. */
export type StoreKey = readonly string[];

/** Options of {@link Store.set}. */
export interface SetOptions {
  /**
   * Forget the value after this long. Both stores stop returning the value at that moment (from
   * `get`, `getVersioned`, `list` and `watch`; to `setIf` and `commit` it is absent), even when
   * the storage underneath frees the space later.
   */
  expireInMs?: number;
}

/** Options of {@link Store.watch}. */
export interface WatchOptions {
  /**
   * Also deliver the value the key holds once the watch is in place (at most once, and never the
   * same version twice). For a key that is written once and may be written before the watcher
   * is listening: an answer that can come back faster than a shared store sets up its watch.
   */
  current?: boolean;
}

/**
 * One write of {@link Store.commit}: a set (with `value`) or a delete, optionally checked.
 *
 * @example
 * ```ts
 * import { memoryStore, type StoreWrite } from "@denomcp/denomcp";
 * const store = memoryStore();
 * const { version } = await store.getVersioned(["job", "1"]);
 * const writes: StoreWrite[] = [
 *   { key: ["job", "1"], version, value: { state: "claimed" } },
 *   { key: ["ready", "1"], delete: true },
 * ];
 * console.log(await store.commit(writes)); // true: both landed
 * ```
 */
export interface StoreWrite {
  /** The key written. */
  key: StoreKey;
  /** Set this value; absent with `delete`. */
  value?: unknown;
  /** Delete the key instead of setting it. */
  delete?: true;
  /** Commit only if the key still has this version (null: it must not exist). */
  version?: string | null;
  /** Forget the value after this long. */
  expireInMs?: number;
}

/**
 * Where the server keeps state that outlives a request.
 *
 * @example
 * ```ts
 * import { memoryStore } from "@denomcp/denomcp";
 * const store = memoryStore();
 * await store.set(["greeting"], "hello", { expireInMs: 60_000 });
 * console.log(await store.get(["greeting"])); // "hello"
 * store.close();
 * ```
 */
export interface Store {
  /** `"memory"` (this isolate only), `"kv"` or `"redis"` (shared by every instance that opens it). */
  readonly kind: "memory" | "kv" | "redis";
  /** Reads a value. */
  get<T = unknown>(key: StoreKey): Promise<T | undefined>;
  /** Writes a value. Values over the store's size limit are rejected with a clear error. */
  set(key: StoreKey, value: unknown, options?: SetOptions): Promise<void>;
  /** Deletes a value. */
  delete(key: StoreKey): Promise<void>;
  /** Every entry under a prefix. */
  list<T = unknown>(prefix: StoreKey): AsyncIterable<{ key: string[]; value: T }>;
  /**
   * Calls `listener` with each new value written to `key` (by this or any other instance) until
   * the returned function is called. A shared store starts watching a moment after the call
   * returns: a write in that moment may be missed, unless `options.current` asks for the value
   * the key holds once the watch is in place.
   */
  watch<T = unknown>(key: StoreKey, listener: (value: T) => void, options?: WatchOptions): () => void;
  /** Reads a value with its version, for {@link Store.setIf}. */
  getVersioned<T = unknown>(key: StoreKey): Promise<{ value: T | undefined; version: string | null }>;
  /**
   * Writes only if the key still has `version` (null: the key must not exist). The building block
   * of leases: of two instances claiming one task, exactly one wins. False when another write won.
   */
  setIf(key: StoreKey, version: string | null, value: unknown, options?: SetOptions): Promise<boolean>;
  /**
   * Several writes as one: all land or none does. False when a checked version moved. Values
   * must fit one store entry (no chunking): a record and its index entry, a claim and the
   * removal of its index entry.
   */
  commit(writes: readonly StoreWrite[]): Promise<boolean>;
  /** Whether the store can be reached now (a store over the network; the others are always there). */
  health?(): StoreHealth;
  /** Releases the store. */
  close(): void;
}

/** What {@link Store.health} reports. */
export interface StoreHealth {
  /** Connected and answering. */
  connected: boolean;
  /** The last connection error, while not connected. */
  error?: string;
}

/** True for a store that other isolates or instances share (every kind but memory). */
export function isShared(store: Store): boolean {
  return store.kind !== "memory";
}

/**
 * A store's path or URL as messages may show it: a URL's user name and password removed,
 * anything else as given.
 */
export function withoutCredentials(where: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) return where;
  try {
    const url = new URL(where);
    if (!url.username && !url.password) return where;
    url.username = "";
    url.password = "";
    return url.href;
  } catch {
    // Not a URL after all: named as given.
    return where;
  }
}

/** Thrown when a store over the network cannot be reached; the message names the store. */
export class StoreUnavailableError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/**
 * The largest value either store accepts by default, in bytes of its JSON text (UTF-8): 512 KiB.
 * A KV store splits values over one entry into chunks up to this size.
 */
export const DEFAULT_MAX_VALUE_BYTES: number = 512 * 1024;

const encoder = new TextEncoder();

/**
 * The size stores count a value at: the bytes of its JSON text in UTF-8. Returns the size only
 * when it is over `limit` (undefined when the value fits), which spares most of the work in the
 * common case: a number, boolean or null is a few bytes (under 32); a string's JSON takes at most
 * 6 bytes per UTF-16 code unit (`\u0000`) plus its quotes, so a short one fits unserialized; and
 * UTF-8 takes at most 3 bytes per code unit, so a JSON text of at most `limit / 3` code units
 * fits without being encoded. Throws what `JSON.stringify` throws (BigInt, cycles).
 */
export function bytesOver(value: unknown, limit: number): number | undefined {
  if (typeof value === "string") {
    if (value.length * 6 + 2 <= limit) return undefined;
  } else if ((value === null || typeof value !== "object") && limit >= 32) return undefined;
  const json = JSON.stringify(value);
  if (json === undefined || json.length * 3 <= limit) return undefined;
  const bytes = encoder.encode(json).byteLength;
  return bytes > limit ? bytes : undefined;
}

/** Thrown when a value is larger than a store accepts. */
export class ValueTooLargeError extends Error {
  /** Creates the error. */
  constructor(key: StoreKey, bytes: number, limit: number) {
    super(`the value for [${key.join(", ")}] is ${bytes} bytes, over the store's limit of ${limit} bytes`);
    this.name = "ValueTooLargeError";
  }
}
