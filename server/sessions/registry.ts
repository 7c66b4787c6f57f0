/**
 * The 2025-era sessions of one server: a local cache in this isolate, backed by the store when
 * the store is shared (Deno KV), so that a session opened on one isolate or instance is served
 * by any other. Capped per isolate, and closed when idle.
 *
 * @module
 */

import type { ClientCapabilities, Implementation, LoggingLevel } from "../../protocol/types.ts";
import type { JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import { Session } from "./session.ts";
import type { VisibilityRule } from "../transforms/visibility.ts";
import { isShared, type Store } from "../store/store.ts";
import type { Limits } from "../limits.ts";
import { jsonBytes } from "../../protocol/size.ts";

/** How long a local copy of a shared session is trusted before it is checked against the store. */
const SYNC_MS = 1000;

/** What the store keeps of a session. */
interface SessionRecord {
  id: string;
  protocolVersion: string;
  clientInfo?: Implementation;
  clientCapabilities: ClientCapabilities;
  logLevel?: LoggingLevel;
  initialized: boolean;
  subscriptions: string[];
  createdMs: number;
  visibility?: VisibilityRule[];
  principal?: string;
}

/** The limits a registry enforces. */
export type SessionLimits = Pick<Limits, "maxSessions" | "sessionIdleTimeoutMs" | "halfOpenSessionTimeoutMs">;

/**
 * Hears a session leave this isolate. `ended` is true when it is over everywhere (deleted,
 * evicted, or expired where no other instance can hold it), false when only the local copy goes
 * (shutdown, or idle here while the shared record lives on).
 */
export type CloseListener = (session: Session, ended: boolean) => void;

/**
 * Sessions by id. A session whose client never completed the handshake is "half-open": it expires
 * after `halfOpenSessionTimeoutMs` and is evicted first when the table is full, so a burst of
 * `initialize` cannot lock working clients out.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  #sweeper?: ReturnType<typeof setInterval>;
  readonly #closeListeners = new Set<CloseListener>();
  /** Sessions tied to a connection's lifetime (stdio), which idleness must not end. */
  readonly #unexpiring = new WeakSet<Session>();
  #store?: Store;
  #onError: (message: string) => void = () => {};

  /** Creates a registry with its limits. */
  constructor(private readonly limits: SessionLimits) {}

  get #idleTimeoutMs(): number {
    return this.limits.sessionIdleTimeoutMs;
  }

  /**
   * Backs the registry with a shared store (called once the store is open). A memory store is
   * not shared, so the local cache stays the only copy.
   */
  attach(store: Store, onError: (message: string) => void): void {
    if (!isShared(store)) return;
    this.#store = store;
    this.#onError = onError;
  }

  /** Number of sessions held in this isolate. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Bytes of JSON the sessions held here keep of their clients (`clientInfo`, capabilities, subscriptions). */
  heldBytes(): number {
    let sum = 0;
    for (const session of this.#sessions.values()) {
      sum += jsonBytes(session.clientInfo) + jsonBytes(session.clientCapabilities);
      for (const uri of session.subscriptions) sum += uri.length;
    }
    return sum;
  }

  /** Sessions held here whose client has not completed the handshake. */
  get halfOpen(): number {
    let n = 0;
    for (const session of this.#sessions.values()) if (this.#isHalfOpen(session)) n++;
    return n;
  }

  #isHalfOpen(session: Session): boolean {
    return !session.initialized && session.inflight.size === 0 && !this.#unexpiring.has(session);
  }

  /** Ends the oldest half-open session to make room; false when there is none. */
  #evictHalfOpen(): boolean {
    // Insertion order is creation order: the first half-open session found is the oldest.
    for (const session of this.#sessions.values()) {
      if (!this.#isHalfOpen(session)) continue;
      void Promise.resolve(this.delete(session.id)).catch((e) =>
        this.#onError(`evicting session ${session.id}: ${e}`)
      );
      return true;
    }
    return false;
  }

  /**
   * Seconds until a session of this isolate will be freed by expiry (for `Retry-After` when the
   * table is full), counted from the sweeps that actually free them.
   */
  retryAfterSeconds(): number {
    const now = Date.now();
    let soonest = Infinity;
    for (const session of this.#sessions.values()) {
      if (session.inflight.size > 0 || this.#unexpiring.has(session)) continue;
      const due = session.initialized
        ? session.lastActiveMs + this.#idleTimeoutMs
        : session.createdMs + this.limits.halfOpenSessionTimeoutMs;
      if (due < soonest) soonest = due;
    }
    const wait = soonest === Infinity ? this.#sweepEveryMs() : soonest - now + this.#sweepEveryMs();
    return Math.max(1, Math.ceil(wait / 1000));
  }

  /**
   * Creates a session; undefined when this isolate's cap is reached and no half-open session can
   * make room. Persisted with {@link save}.
   */
  create(protocolVersion: string): Session | undefined {
    if (this.#sessions.size >= this.limits.maxSessions && !this.#evictHalfOpen()) return undefined;
    const session = this.#install(new Session(crypto.randomUUID(), protocolVersion));
    this.#startSweeper();
    return session;
  }

  #install(session: Session): Session {
    this.#sessions.set(session.id, session);
    if (this.#store) {
      const store = this.#store;
      session.onSave = () => this.save(session).catch((e) => this.#onError(`saving session: ${e}`));
      session.awaitRemote = (requestId, deliver) =>
        // The answer may be written before the watch is in place: a fast client, a loaded instance.
        store.watch<JsonRpcResponse>(["responses", session.id, requestId], deliver, { current: true });
    }
    return session;
  }

  /** Writes a session to the shared store (a no-op with a memory store). */
  async save(session: Session): Promise<void> {
    if (!this.#store) return;
    const record: SessionRecord = {
      id: session.id,
      protocolVersion: session.protocolVersion,
      clientInfo: session.clientInfo,
      clientCapabilities: session.clientCapabilities,
      logLevel: session.logLevel,
      initialized: session.initialized,
      subscriptions: [...session.subscriptions],
      createdMs: session.createdMs,
    };
    if (session.visibility) record.visibility = session.visibility;
    if (session.principal !== undefined) record.principal = session.principal;
    session.syncedMs = Date.now();
    await this.#store.set(["sessions", session.id], record, { expireInMs: this.#idleTimeoutMs });
  }

  /**
   * Hands a client's answer to the isolate waiting for it, when that is not this one
   * (the answer arrived on another isolate or instance than the request went out from).
   */
  async forwardResponse(session: Session, response: JsonRpcResponse): Promise<void> {
    if (!this.#store || response.id === null) return;
    await this.#store.set(["responses", session.id, String(response.id)], response, { expireInMs: 60_000 });
  }

  /** Registers a session created by a transport (stdio), so broadcasts reach it. */
  adopt(session: Session): void {
    this.#sessions.set(session.id, session);
    this.#unexpiring.add(session);
  }

  /**
   * A live session by id, marked active. Synchronous from the local cache; with a shared store a
   * session unknown here, or not checked for a second, is read from the store (a session deleted
   * elsewhere is then dropped here too).
   */
  get(id: string): Session | undefined | Promise<Session | undefined> {
    const local = this.#sessions.get(id);
    if (local) local.lastActiveMs = Date.now();
    if (
      !this.#store || (local && local.lastActiveMs - local.syncedMs < SYNC_MS) || this.#unexpiringHas(local)
    ) {
      return local;
    }
    return this.#load(id, local);
  }

  #unexpiringHas(session: Session | undefined): boolean {
    return session !== undefined && this.#unexpiring.has(session);
  }

  async #load(id: string, local: Session | undefined): Promise<Session | undefined> {
    const record = await this.#store!.get<SessionRecord>(["sessions", id]);
    if (!record) {
      if (local) this.#drop(local, false);
      return undefined;
    }
    const session = local ?? this.#install(new Session(id, record.protocolVersion));
    session.protocolVersion = record.protocolVersion;
    session.clientInfo = record.clientInfo;
    session.clientCapabilities = record.clientCapabilities;
    session.logLevel = record.logLevel;
    session.initialized = record.initialized;
    session.visibility = record.visibility;
    session.principal = record.principal;
    session.subscriptions.clear();
    for (const uri of record.subscriptions) session.subscriptions.add(uri);
    (session as { createdMs: number }).createdMs = record.createdMs;
    session.lastActiveMs = Date.now();
    // Activity keeps the shared record alive; refreshing at a quarter of the timeout bounds the writes.
    if (Date.now() - session.syncedMs > this.#idleTimeoutMs / 4) await this.save(session);
    else session.syncedMs = Date.now();
    this.#startSweeper();
    return session;
  }

  /** The copy of a session held in this isolate, if any, without checking the store. */
  local(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Every live session in this isolate. */
  all(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** Ends a session everywhere and frees what it held here. */
  delete(id: string): boolean | Promise<boolean> {
    const session = this.#sessions.get(id);
    if (session) this.#drop(session, true);
    if (!this.#store) return session !== undefined;
    return this.#store.delete(["sessions", id]).then(() => true);
  }

  /** Frees a session in this isolate (it may live on elsewhere, or have ended there). */
  #drop(session: Session, ended: boolean): void {
    this.#sessions.delete(session.id);
    session.close();
    for (const listener of this.#closeListeners) listener(session, ended);
    if (this.#sessions.size === 0) this.#stopSweeper();
  }

  /** Hears every session that leaves this isolate (deleted, evicted, expired or closed at shutdown). */
  onClose(listener: CloseListener): void {
    this.#closeListeners.add(listener);
  }

  /** Frees every session of this isolate (shared records live on until they expire). */
  closeAll(): void {
    for (const session of [...this.#sessions.values()]) this.#drop(session, false);
    this.#stopSweeper();
  }

  #sweepEveryMs(): number {
    const due = Math.min(this.#idleTimeoutMs / 4, this.limits.halfOpenSessionTimeoutMs / 2);
    return Math.max(1000, Math.min(60_000, Math.floor(due)));
  }

  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => this.#sweep(), this.#sweepEveryMs());
    // Expiry is housekeeping; it must not keep a finished process alive.
    Deno.unrefTimer(this.#sweeper as unknown as number);
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #sweep(): void {
    const now = Date.now();
    const cutoff = now - this.#idleTimeoutMs;
    const halfOpenCutoff = now - this.limits.halfOpenSessionTimeoutMs;
    for (const session of [...this.#sessions.values()]) {
      if (this.#isHalfOpen(session) && session.createdMs < halfOpenCutoff) {
        void Promise.resolve(this.delete(session.id)).catch((e) =>
          this.#onError(`ending half-open session ${session.id}: ${e}`)
        );
      } else if (
        session.lastActiveMs < cutoff && session.inflight.size === 0 && !this.#unexpiring.has(session)
      ) {
        // With a shared store the record expires by itself; here only the local copy goes.
        this.#drop(session, this.#store === undefined);
      }
    }
  }
}
