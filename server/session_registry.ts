/**
 * The 2025-era sessions of one server, kept in memory, with a cap and idle expiry.
 *
 * @module
 */

import { Session } from "./session.ts";

/** Sessions by id. */
export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  #sweeper?: ReturnType<typeof setInterval>;
  readonly #closeListeners = new Set<(session: Session) => void>();
  /** Sessions tied to a connection's lifetime (stdio), which idleness must not end. */
  readonly #unexpiring = new WeakSet<Session>();

  /** Creates a registry with a cap and an idle timeout. */
  constructor(private readonly maxSessions: number, private readonly idleTimeoutMs: number) {}

  /** Number of live sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Creates a session; undefined when the cap is reached. */
  create(protocolVersion: string): Session | undefined {
    if (this.#sessions.size >= this.maxSessions) return undefined;
    const session = new Session(crypto.randomUUID(), protocolVersion);
    this.#sessions.set(session.id, session);
    this.#startSweeper();
    return session;
  }

  /** Registers a session created by a transport (stdio), so broadcasts reach it. */
  adopt(session: Session): void {
    this.#sessions.set(session.id, session);
    this.#unexpiring.add(session);
  }

  /** A live session by id, marked active. */
  get(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastActiveMs = Date.now();
    return session;
  }

  /** Every live session. */
  all(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** Ends a session and frees what it held. */
  delete(id: string): boolean {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    session.close();
    for (const listener of this.#closeListeners) listener(session);
    if (this.#sessions.size === 0) this.#stopSweeper();
    return true;
  }

  /** Hears every session that ends (deleted, expired or closed at shutdown). */
  onClose(listener: (session: Session) => void): void {
    this.#closeListeners.add(listener);
  }

  /** Ends every session. */
  closeAll(): void {
    for (const id of [...this.#sessions.keys()]) this.delete(id);
    this.#stopSweeper();
  }

  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    const every = Math.max(1000, Math.min(60_000, Math.floor(this.idleTimeoutMs / 4)));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    // Expiry is housekeeping; it must not keep a finished process alive.
    Deno.unrefTimer(this.#sweeper as unknown as number);
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #sweep(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const [id, session] of this.#sessions) {
      if (session.lastActiveMs < cutoff && session.inflight.size === 0 && !this.#unexpiring.has(session)) {
        this.delete(id);
      }
    }
  }
}
