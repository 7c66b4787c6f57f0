/**
 * The Redis (or Valkey) store, on node-redis (`npm:@redis/client`, the official client, no
 * runtime dependencies; loaded only when a Redis store is asked for). For several instances of a
 * server anywhere: sessions, state, caches, rate limits and the task queue shared through one
 * Redis, several servers kept apart by a key prefix.
 *
 * Layout under the prefix `P` (a Redis Cluster hash tag, `{P}`, so one slot holds it all):
 * `{P}:v:<key>` the value as `<version>|<json>` (with `PX` when it expires: Redis never returns
 * an expired key, so expiry is exact), `{P}:i` a lexicographic index of keys for `list`,
 * `{P}:s` the version counter, and the channel `{P}:w:<key>` on which every write is published
 * for `watch`. A key's segments are URI-encoded and joined by `/`, so a prefix is a range.
 *
 * Commands are not queued while the connection is down: they fail at once with
 * {@link StoreUnavailableError}, naming the store, while the client reconnects with backoff.
 *
 * @module
 */

import {
  bytesOver,
  DEFAULT_MAX_VALUE_BYTES,
  type SetOptions,
  type Store,
  type StoreHealth,
  type StoreKey,
  StoreUnavailableError,
  type StoreWrite,
  ValueTooLargeError,
  type WatchOptions,
  withoutCredentials,
} from "./store.ts";
import { COMMIT, DELETE, LIST_PAGE, SET, SET_IF } from "./redis_scripts.ts";

/**
 * The part of a node-redis client (`createClient()` from `npm:redis` or `npm:@redis/client`) the
 * store uses; any node-redis v5/v6 client fits.
 */
export interface RedisClient {
  /** The socket is open (perhaps still handshaking). */
  readonly isOpen: boolean;
  /** Connected and ready for commands. */
  readonly isReady: boolean;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Sends one command. */
  sendCommand(args: readonly string[]): Promise<unknown>;
  /** A new client with the same options (for pub/sub). */
  duplicate(): RedisClient;
  /** Subscribes to a channel. */
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  /** Removes a channel's listener (unsubscribing when it was the last). */
  unsubscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  /** Closes the connection at once. */
  destroy(): void;
  /** Listens for `error`, `ready`, `end` and `reconnecting`. */
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Key prefix, so that several servers can share one Redis. Default `"denomcp"`. */
  prefix?: string;
  /** Largest value accepted (bytes of its JSON); larger ones throw `ValueTooLargeError`. Default 512 KiB. */
  maxValueBytes?: number;
  /** Longest wait for a connection, in ms. Default 5 000. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts, in ms (the pause doubles from 50 ms). Default 5 000. */
  maxReconnectDelayMs?: number;
  /** How often the index is swept of keys that expired without being listed, in ms. Default 60 000. */
  sweepMs?: number;
  /** Extra trusted CA certificates (PEM) for a `rediss://` URL, beside the system's. */
  caCerts?: string[];
}

/** A Redis store: a {@link Store} that can be connected ahead of its first use. */
export interface RedisStore extends Store {
  /** Connects (the first operation does it otherwise); rejects with the store's name when it cannot. */
  connect(): Promise<void>;
}

const LIST_PAGE_SIZE = 256;

/** The key as an index member: URI-encoded segments, each followed by `/`. */
function member(key: StoreKey): string {
  let out = "";
  for (const segment of key) out += encodeURIComponent(segment) + "/";
  return out;
}

function keyOf(member: string): string[] {
  return member.slice(0, -1).split("/").map(decodeURIComponent);
}

/** The version and JSON of a stored `<version>|<json>`. */
function parse(stored: string): { version: string; json: string } {
  const bar = stored.indexOf("|");
  return { version: stored.slice(0, bar), json: stored.slice(bar + 1) };
}

async function sha1(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A store on Redis or Valkey: `redis://[user:pass@]host:port[/db]`, `rediss://` for TLS, or a
 * node-redis client of your own (connected or not; the store never closes a client it was given).
 *
 * @example
 * ```ts ignore
 * import { FastMCP, redisStore } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "scaled", store: redisStore("redis://127.0.0.1:6379/0", { prefix: "billing" }) });
 * // or: new FastMCP({ name: "scaled", store: "redis://127.0.0.1:6379/0" }), or DENOMCP_STORE=redis://…
 * ```
 */
export function redisStore(target: string | RedisClient, options: RedisStoreOptions = {}): RedisStore {
  const prefix = options.prefix ?? "denomcp";
  if (!/^[^{}]+$/.test(prefix)) {
    throw new TypeError(`redisStore: the prefix must be non-empty and without braces`);
  }
  const tag = `{${prefix}}`;
  const valueKey = (m: string) => `${tag}:v:${m}`;
  const channel = (m: string) => `${tag}:w:${m}`;
  const index = `${tag}:i`;
  const seq = `${tag}:s`;
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const name = typeof target === "string" ? withoutCredentials(target) : "redis";
  const owned = typeof target === "string";
  const health: StoreHealth = { connected: false };
  let everConnected = false;

  let client: RedisClient | undefined = typeof target === "string" ? undefined : target;
  let subscriber: RedisClient | undefined;
  let connecting: Promise<RedisClient> | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const shas = new Map<string, Promise<string>>();

  const unavailable = (error: unknown) =>
    new StoreUnavailableError(
      `store '${name}' is unavailable: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  const track = (c: RedisClient) => {
    c.on("error", (error: Error) => {
      health.connected = false;
      health.error = error.message;
    });
    c.on("ready", () => {
      everConnected = true;
      health.connected = true;
      delete health.error;
    });
    c.on("end", () => (health.connected = false));
    c.on("reconnecting", () => (health.connected = false));
  };

  if (client) track(client);

  const open = (): Promise<RedisClient> => {
    if (closed) return Promise.reject(unavailable(new Error("the store is closed")));
    if (client?.isReady) return Promise.resolve(client);
    return connecting ??= (async () => {
      try {
        if (!client) {
          const { createClient } = await import("@redis/client");
          const maxDelay = options.maxReconnectDelayMs ?? 5_000;
          client = createClient({
            url: target as string,
            // A command while the connection is down fails at once instead of waiting in a queue.
            disableOfflineQueue: true,
            socket: {
              ...((target as string).startsWith("rediss:")
                ? { tls: true, ...(options.caCerts ? { ca: options.caCerts } : {}) }
                : {}),
              connectTimeout: options.connectTimeoutMs ?? 5_000,
              // Until the first connection the store gives up at once (start-up says why); after
              // it, a lost connection is retried with backoff.
              reconnectStrategy: (retries: number, cause: Error) =>
                everConnected ? Math.min(50 * 2 ** retries, maxDelay) : cause,
            },
          }) as unknown as RedisClient;
          track(client);
        }
        if (!client.isOpen) {
          // node-redis retries a failed handshake (refused, wrong password) without end: bound the wait.
          const timeoutMs = options.connectTimeoutMs ?? 5_000;
          const connected = client.connect();
          connected.catch(() => {});
          let timer: ReturnType<typeof setTimeout> | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(health.error ?? `no connection within ${timeoutMs} ms`)),
              timeoutMs,
            );
          });
          try {
            await Promise.race([connected, timeout]);
          } finally {
            clearTimeout(timer);
          }
        }
        health.connected = client.isReady;
        startSweeper();
        return client;
      } catch (error) {
        if (owned && client && !client.isReady) {
          try {
            client.destroy();
          } catch {
            // Not open yet.
          }
        }
        if (owned) client = undefined;
        throw unavailable(error);
      } finally {
        connecting = undefined;
      }
    })();
  };

  /** Runs a script by its digest, loading it on first use (or after a server restart). */
  const script = async (source: string, keys: string[], args: string[]): Promise<unknown> => {
    const c = await open();
    let sha = shas.get(source);
    if (!sha) shas.set(source, sha = sha1(source));
    const digest = await sha;
    try {
      try {
        return await c.sendCommand(["EVALSHA", digest, String(keys.length), ...keys, ...args]);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await c.sendCommand(["EVAL", source, String(keys.length), ...keys, ...args]);
      }
    } catch (error) {
      throw isServerError(error) ? error : unavailable(error);
    }
  };
  const command = async (args: string[]): Promise<unknown> => {
    const c = await open();
    try {
      return await c.sendCommand(args);
    } catch (error) {
      throw isServerError(error) ? error : unavailable(error);
    }
  };

  const checkSize = (key: StoreKey, value: unknown): string => {
    const over = bytesOver(value, maxValueBytes);
    if (over !== undefined) throw new ValueTooLargeError(key, over, maxValueBytes);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`the value for [${key.join(", ")}] is not JSON`);
    return json;
  };
  const px = (expireInMs: number | undefined) =>
    expireInMs === undefined ? "" : String(Math.max(1, Math.ceil(expireInMs)));

  /** Drops index members whose values expired, a page at a time. */
  const sweep = async () => {
    let min = "-";
    for (;;) {
      const [last] = await script(LIST_PAGE, [index], [`${tag}:v:`, min, "+", "512"]) as [string, string[]];
      if (!last) return;
      min = "(" + last;
    }
  };
  const startSweeper = () => {
    if (sweeper !== undefined || closed) return;
    const timer = sweeper = setInterval(() => void sweep().catch(() => {}), options.sweepMs ?? 60_000);
    Deno.unrefTimer(timer);
  };

  /** One watched key: its listeners, and its subscription once it is in place. */
  interface Watched {
    watchers: Set<Watcher>;
    onMessage: (message: string) => void;
    subscribed: Promise<void>;
  }
  /** One listener, with the highest version it has heard (pub/sub and a catch-up read may both see a write). */
  interface Watcher {
    listener: (value: unknown) => void;
    heard: number;
  }
  const watched = new Map<string, Watched>();
  const offer = (w: Watcher, stored: string) => {
    const { version, json } = parse(stored);
    const v = Number(version);
    if (!(v > w.heard)) return;
    w.heard = v;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return;
    }
    w.listener(value);
  };
  let subscriberReady: Promise<RedisClient> | undefined;
  /** The one pub/sub connection, opened on the first watch (a failed attempt is retried by the next). */
  const pubsub = () =>
    subscriberReady ??= (async () => {
      const c = await open();
      const s = subscriber = c.duplicate();
      s.on("error", () => {});
      await s.connect();
      return s;
    })().catch((error) => {
      subscriberReady = undefined;
      throw error;
    });
  const startWatching = (m: string): Watched => {
    const watchers = new Set<Watcher>();
    const onMessage = (message: string) => {
      for (const w of watchers) offer(w, message);
    };
    const subscribed = pubsub().then((s) => s.subscribe(channel(m), onMessage)).then(() => {});
    subscribed.catch(() => {});
    const entry: Watched = { watchers, onMessage, subscribed };
    watched.set(m, entry);
    return entry;
  };
  /**
   * Sets a listener's starting point once its key's subscription is in place. A write made
   * between the watch call and the subscription taking effect is seen by pub/sub alone only if
   * it came after; the value read once subscribed catches the rest when its version is newer than
   * the one read when the watch began (or is delivered outright when the caller asked for the current value).
   */
  const catchUp = async (m: string, entry: Watched, w: Watcher, current: boolean) => {
    const before = current ? null : command(["GET", valueKey(m)]).then((v) => v as string | null, () => null);
    await entry.subscribed;
    const was = await before;
    if (was !== null) w.heard = Math.max(w.heard, Number(parse(was).version));
    const now = await command(["GET", valueKey(m)]) as string | null;
    if (now !== null && entry.watchers.has(w)) offer(w, now);
  };

  const store: RedisStore = {
    kind: "redis",
    connect: async () => {
      await open();
    },
    health: () => ({ ...health }),
    async get<T>(key: StoreKey) {
      const stored = await command(["GET", valueKey(member(key))]) as string | null;
      return stored === null ? undefined : JSON.parse(parse(stored).json) as T;
    },
    async set(key, value, setOptions: SetOptions = {}) {
      const json = checkSize(key, value);
      const m = member(key);
      await script(SET, [valueKey(m), index, seq], [m, json, px(setOptions.expireInMs), channel(m)]);
    },
    async delete(key) {
      const m = member(key);
      await script(DELETE, [valueKey(m), index], [m]);
    },
    async *list<T>(prefix: StoreKey) {
      const head = member(prefix);
      let min = "[" + head;
      const max = "(" + head + "\u00ff";
      for (;;) {
        const [last, pairs] = await script(LIST_PAGE, [index], [
          `${tag}:v:`,
          min,
          max,
          String(LIST_PAGE_SIZE),
        ]) as [string, string[]];
        for (let i = 0; i < pairs.length; i += 2) {
          // The prefix itself is not under the prefix (as in Deno KV).
          if (pairs[i] === head) continue;
          yield { key: keyOf(pairs[i]), value: JSON.parse(parse(pairs[i + 1]).json) as T };
        }
        if (!last) return;
        min = "(" + last;
      }
    },
    watch<T>(key: StoreKey, listener: (value: T) => void, watchOptions: WatchOptions = {}) {
      const m = member(key);
      const entry = watched.get(m) ?? startWatching(m);
      const w: Watcher = { listener: listener as (value: unknown) => void, heard: 0 };
      entry.watchers.add(w);
      catchUp(m, entry, w, watchOptions.current === true).catch(() => {});
      return () => {
        entry.watchers.delete(w);
        if (entry.watchers.size > 0 || watched.get(m) !== entry) return;
        watched.delete(m);
        // With its own listener, so that a new watch of the key made before Redis answers subscribes afresh.
        entry.subscribed.then(() => subscriber?.unsubscribe(channel(m), entry.onMessage)).catch(() => {});
      };
    },
    async getVersioned<T>(key: StoreKey) {
      const stored = await command(["GET", valueKey(member(key))]) as string | null;
      if (stored === null) return { value: undefined, version: null };
      const { version, json } = parse(stored);
      return { value: JSON.parse(json) as T, version };
    },
    async setIf(key, version, value, setOptions: SetOptions = {}) {
      const json = checkSize(key, value);
      const m = member(key);
      const written = await script(SET_IF, [valueKey(m), index, seq], [
        m,
        version ?? "",
        json,
        px(setOptions.expireInMs),
        channel(m),
      ]);
      return written === 1;
    },
    async commit(writes: readonly StoreWrite[]) {
      const keys = [index, seq];
      const args = [String(writes.length)];
      for (const w of writes) {
        const m = member(w.key);
        keys.push(valueKey(m));
        args.push(
          w.delete ? "d" : "s",
          w.version === undefined ? "0" : "1",
          w.version ?? "",
          m,
          w.delete ? "" : checkSize(w.key, w.value),
          w.delete ? "" : px(w.expireInMs),
          channel(m),
        );
      }
      return (await script(COMMIT, keys, args)) === 1;
    },
    close() {
      if (closed) return;
      closed = true;
      if (sweeper !== undefined) clearInterval(sweeper);
      watched.clear();
      subscriber?.destroy();
      subscriber = undefined;
      subscriberReady = undefined;
      if (owned) client?.destroy();
      health.connected = false;
    },
  };
  return store;
}

/** A reply error from Redis itself (a script error, a wrong type): not a connection problem. */
function isServerError(error: unknown): boolean {
  return error instanceof Error && error.constructor?.name === "ErrorReply";
}
