/**
 * What a session keeps besides its record: the values handlers store (`ctx.getState()` and
 * friends, in the store under the session's id, or per request on stateless 2026 requests), and
 * its own visibility rules (`ctx.enableComponents()` and friends).
 *
 * @module
 */

import type { ComponentKind } from "../components/common.ts";
import type { Exchange } from "../engine/exchange.ts";
import { ToolError } from "../errors.ts";
import type { LogSink } from "../logger.ts";
import type { Store } from "../store/store.ts";
import { affectedTypes, type VisibilityRule } from "../transforms/visibility.ts";
import type { Session } from "./session.ts";
import { jsonBytes } from "../../protocol/size.ts";
import type { Limits } from "../limits.ts";

/**
 * Handler state: per session in the store, per request where there is no session. What a session
 * keeps is counted in bytes in this isolate (`limits.maxStateBytesPerSession`): the store bounds
 * one value, this bounds their sum.
 */
export class SessionState {
  readonly #perRequest = new WeakMap<Exchange, Map<string, unknown>>();
  /** Bytes of each kept value, by session then key. */
  readonly #bytes = new Map<string, Map<string, number>>();
  /** Sum of {@link #bytes} per session. */
  readonly #totals = new Map<string, number>();

  /** Creates the state of a server; `store` gives its store once open. */
  constructor(
    private readonly store: () => Store,
    private readonly limits: Pick<Limits, "sessionIdleTimeoutMs" | "maxStateBytesPerSession">,
    private readonly log: LogSink,
  ) {}

  /** Bytes of state held by all sessions of this isolate. */
  get heldBytes(): number {
    let sum = 0;
    for (const total of this.#totals.values()) sum += total;
    return sum;
  }

  /** A kept value. */
  get(exchange: Exchange, key: string): Promise<unknown> {
    const session = exchange.facts.sessionId;
    if (!session) return Promise.resolve(this.#requestMap(exchange).get(key));
    return this.store().get(["state", session, key]);
  }

  /** Keeps a value, for `ttlMs` (default: the session idle timeout). */
  set(exchange: Exchange, key: string, value: unknown, ttlMs?: number): Promise<void> {
    const session = exchange.facts.sessionId;
    if (!session) {
      this.#requestMap(exchange).set(key, value);
      return Promise.resolve();
    }
    const bytes = jsonBytes(value);
    const keys = this.#bytes.get(session);
    const total = (this.#totals.get(session) ?? 0) - (keys?.get(key) ?? 0) + bytes;
    const limit = this.limits.maxStateBytesPerSession;
    if (total > limit) {
      return Promise.reject(
        new ToolError(
          `state '${key}' (${bytes} bytes) would bring this session's state to ${total} bytes, ` +
            `over limits.maxStateBytesPerSession (${limit})`,
        ),
      );
    }
    return this.store().set(["state", session, key], value, {
      expireInMs: ttlMs ?? this.limits.sessionIdleTimeoutMs,
    }).then(() => {
      const held = this.#bytes.get(session) ?? new Map<string, number>();
      const before = held.get(key) ?? 0;
      held.set(key, bytes);
      this.#bytes.set(session, held);
      this.#totals.set(session, (this.#totals.get(session) ?? 0) - before + bytes);
    });
  }

  /** Forgets a kept value. */
  delete(exchange: Exchange, key: string): Promise<void> {
    const session = exchange.facts.sessionId;
    if (!session) {
      this.#requestMap(exchange).delete(key);
      return Promise.resolve();
    }
    return this.store().delete(["state", session, key]).then(() => {
      const held = this.#bytes.get(session);
      const before = held?.get(key);
      if (before === undefined) return;
      held!.delete(key);
      this.#totals.set(session, this.#totals.get(session)! - before);
    });
  }

  /**
   * Forgets what a session kept when it leaves this isolate; deletes it from the store when it has
   * `ended` (otherwise other instances may still serve it, and a shared record expires by itself).
   */
  async forget(session: Session, store: Store | undefined, ended: boolean): Promise<void> {
    this.#bytes.delete(session.id);
    this.#totals.delete(session.id);
    if (!store || !ended) return;
    try {
      for await (const { key } of store.list(["state", session.id])) await store.delete(key);
    } catch (error) {
      this.log("warning", `forgetting the state of session ${session.id}: ${error}`);
    }
  }

  #requestMap(exchange: Exchange): Map<string, unknown> {
    let map = this.#perRequest.get(exchange);
    if (!map) this.#perRequest.set(exchange, map = new Map());
    return map;
  }
}

/**
 * Adds visibility rules for the session of `exchange` (undefined: drops them all) and tells that
 * session's client which lists may have changed; no other client hears of it.
 */
export function changeSessionVisibility(
  exchange: Exchange,
  rules: VisibilityRule[] | undefined,
): Promise<void> {
  const session = exchange.session;
  if (!session) {
    return Promise.reject(
      new ToolError("per-session visibility needs a session: this request is stateless (2026-07-28)"),
    );
  }
  session.visibility = rules ? [...(session.visibility ?? []), ...rules] : undefined;
  session.save();
  const types = affectedTypes(rules ?? [{ enabled: true, filter: {}, all: true }]);
  const kinds = new Set<ComponentKind>();
  if (types.has("tool")) kinds.add("tools");
  if (types.has("resource") || types.has("template")) kinds.add("resources");
  if (types.has("prompt")) kinds.add("prompts");
  for (const kind of kinds) {
    session.unsolicited?.({ jsonrpc: "2.0", method: `notifications/${kind}/list_changed` });
  }
  return session.pendingSave ?? Promise.resolve();
}
