/**
 * Where OAuth state is kept between runs: tokens and client registrations, keyed by server URL
 * and, inside, by the authorization server's issuer (2026-07-28 §client-registration: credentials
 * are bound to the issuer that issued them).
 *
 * @module
 */

/** What is stored for one MCP server. Values are JSON. */
export interface StoredAuth {
  /** Token sets by authorization-server issuer. */
  tokens?: Record<string, Record<string, unknown>>;
  /** Client registrations by authorization-server issuer. */
  clients?: Record<string, Record<string, unknown>>;
  /** Issuer of the token set saved last (used when no issuer is known yet). */
  lastIssuer?: string;
}

/**
 * A pluggable store for OAuth state.
 *
 * @example
 * ```ts
 * import { MemoryTokenStore } from "@denomcp/denomcp/client";
 * const store = new MemoryTokenStore();
 * await store.set("https://example.com/mcp", { lastIssuer: "https://auth.example.com" });
 * console.log((await store.get("https://example.com/mcp"))?.lastIssuer);
 * ```
 */
export interface TokenStore {
  /** The state stored for a server, if any. */
  get(key: string): Promise<StoredAuth | undefined>;
  /** Replaces the state stored for a server. */
  set(key: string, value: StoredAuth): Promise<void>;
  /** Forgets a server. */
  delete(key: string): Promise<void>;
}

/**
 * Keeps OAuth state in memory, for one process (the default).
 *
 * @example
 * ```ts
 * import { MemoryTokenStore } from "@denomcp/denomcp/client";
 * const store = new MemoryTokenStore();
 * console.log(await store.get("https://example.com/mcp")); // undefined
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  readonly #entries = new Map<string, string>();

  /** The state stored for a server, if any (a copy). */
  get(key: string): Promise<StoredAuth | undefined> {
    const value = this.#entries.get(key);
    return Promise.resolve(value === undefined ? undefined : JSON.parse(value));
  }

  /** Replaces the state stored for a server. */
  set(key: string, value: StoredAuth): Promise<void> {
    this.#entries.set(key, JSON.stringify(value));
    return Promise.resolve();
  }

  /** Forgets a server. */
  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }
}

/** The user's configuration directory (`$XDG_CONFIG_HOME`, `~/.config`, `%APPDATA%`, macOS Application Support). */
export function userConfigDir(): string {
  const env = (name: string) => Deno.env.get(name);
  if (Deno.build.os === "windows") {
    const appData = env("APPDATA");
    if (appData) return appData;
  }
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg) return xdg;
  const home = env("HOME") ?? env("USERPROFILE");
  if (!home) throw new Error("cannot find the user's configuration directory: HOME is not set");
  return Deno.build.os === "darwin" ? `${home}/Library/Application Support` : `${home}/.config`;
}

/**
 * Keeps OAuth state in one JSON file, readable by its owner only (mode 0600, in a 0700
 * directory). The default file is `denomcp/oauth.json` under the user's configuration directory.
 *
 * @example
 * ```ts ignore
 * import { FileTokenStore } from "@denomcp/denomcp/client";
 * const store = new FileTokenStore(); // ~/.config/denomcp/oauth.json on Linux
 * console.log(store.path);
 * ```
 */
export class FileTokenStore implements TokenStore {
  readonly #path?: string;

  /** Uses `path`, or the default file under the user's configuration directory (resolved on first use). */
  constructor(path?: string) {
    this.#path = path;
  }

  /** The file's path. */
  get path(): string {
    return this.#path ?? `${userConfigDir()}/denomcp/oauth.json`;
  }

  async #read(): Promise<Record<string, StoredAuth>> {
    try {
      return JSON.parse(await Deno.readTextFile(this.path));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return {};
      throw err;
    }
  }

  async #write(all: Record<string, StoredAuth>): Promise<void> {
    const path = this.path;
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true, mode: 0o700 });
    // Write a private temporary file and rename it, so the file is never readable by others nor torn.
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, JSON.stringify(all, null, 2), { mode: 0o600 });
    if (Deno.build.os !== "windows") await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, path);
  }

  /** The state stored for a server, if any. */
  async get(key: string): Promise<StoredAuth | undefined> {
    return (await this.#read())[key];
  }

  /** Replaces the state stored for a server. */
  async set(key: string, value: StoredAuth): Promise<void> {
    const all = await this.#read();
    all[key] = value;
    await this.#write(all);
  }

  /** Forgets a server. */
  async delete(key: string): Promise<void> {
    const all = await this.#read();
    delete all[key];
    await this.#write(all);
  }
}

/**
 * Keeps OAuth state in Deno KV under `["denomcp", "oauth", key]`: a local file, Deno Deploy's
 * KV, or a remote denokv. The store does not close a `Deno.Kv` it was given; one it opened from
 * a path is closed by `close()`.
 *
 * @example
 * ```ts ignore
 * import { KvTokenStore } from "@denomcp/denomcp/client";
 * await using store = new KvTokenStore("./oauth.kv");
 * console.log(await store.get("https://example.com/mcp"));
 * ```
 */
export class KvTokenStore implements TokenStore, AsyncDisposable {
  readonly #given?: Deno.Kv;
  readonly #path?: string;
  #opened?: Promise<Deno.Kv>;

  /** Uses an open `Deno.Kv`, or opens one from a path (or the default database) on first use. */
  constructor(kv?: Deno.Kv | string) {
    if (typeof kv === "string") this.#path = kv;
    else this.#given = kv;
  }

  #kv(): Promise<Deno.Kv> {
    if (this.#given) return Promise.resolve(this.#given);
    return this.#opened ??= Deno.openKv(this.#path);
  }

  /** The state stored for a server, if any. */
  async get(key: string): Promise<StoredAuth | undefined> {
    const entry = await (await this.#kv()).get<StoredAuth>(["denomcp", "oauth", key]);
    return entry.value ?? undefined;
  }

  /** Replaces the state stored for a server. */
  async set(key: string, value: StoredAuth): Promise<void> {
    await (await this.#kv()).set(["denomcp", "oauth", key], value);
  }

  /** Forgets a server. */
  async delete(key: string): Promise<void> {
    await (await this.#kv()).delete(["denomcp", "oauth", key]);
  }

  /** Closes the database if this store opened it. */
  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    if (opened) (await opened).close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
