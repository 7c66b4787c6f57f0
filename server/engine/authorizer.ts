/**
 * Per-component authorization in the engine: the server-wide checks (`AuthMiddleware`) and each
 * component's own (`auth:`), run where a component is resolved for a request (calls, reads,
 * prompts, listings, completions, and a tool's run inside its task), so that nothing reaches a
 * component around them. Requests over stdio are not checked: the process is its user's own, as
 * in FastMCP (an in-process `Client` speaks HTTP, and is checked).
 *
 * @module
 */

import type { Principal } from "../../auth/access_token.ts";
import {
  type AuthCheck,
  AuthorizationError,
  authorize,
  grantedScopes,
  InsufficientScopeError,
  type Refusal,
} from "../../auth/authorization.ts";
import type { Component } from "../components/common.ts";
import { errorMessage } from "../errors.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import type { RequestFacts } from "./facts.ts";

const ANONYMOUS: ReadonlySet<string> = Object.freeze(new Set<string>());
const HIDDEN: Refusal = Object.freeze({ kind: "hidden" });

/** The authorization of one server. */
export class Authorizer {
  readonly #serverChecks: AuthCheck[] = [];
  #merged = new WeakMap<Component, readonly AuthCheck[]>();
  readonly #granted = new WeakMap<Principal, ReadonlySet<string>>();

  /**
   * Creates the authorizer: `hierarchy` widens held scopes, `authenticates` says whether a caller
   * could present a token (else a scope shortfall cannot be cured, and hides), `warn` hears checks
   * that failed.
   */
  constructor(
    private readonly hierarchy: () => Readonly<Record<string, readonly string[]>> | undefined,
    private readonly authenticates: () => boolean,
    private readonly warn: (message: string) => void,
  ) {}

  /** The server-wide checks, in the order they were added. */
  get serverChecks(): readonly AuthCheck[] {
    return this.#serverChecks;
  }

  /** Adds server-wide checks (an `AuthMiddleware`), after those added before. */
  add(checks: readonly AuthCheck[]): void {
    this.#serverChecks.push(...checks);
    this.#merged = new WeakMap();
  }

  /** Whether a request's listing must be filtered for its caller (`guarded`: some entry has checks). */
  applies(facts: RequestFacts | undefined, guarded: boolean): boolean {
    if (!facts || facts.transport !== "http") return false;
    return guarded || this.#serverChecks.length > 0;
  }

  /**
   * Why the request's caller may not use `component`, or undefined when it may. Synchronous (and
   * nearly free) when there are no checks; a promise only when a check returns one.
   */
  check(component: Component, facts: RequestFacts): MaybePromise<Refusal | undefined> {
    if (facts.transport !== "http") return undefined;
    if (this.#serverChecks.length === 0 && component.auth.length === 0 && !component.delegate) {
      return undefined;
    }
    const checks = this.#checksOf(component);
    if (checks.length === 0) return undefined;
    const principal = facts.principal;
    const refusal = authorize(checks, {
      token: principal,
      scopes: principal ? this.#scopesOf(principal) : ANONYMOUS,
      component,
    }, (error) => this.warn(`an auth check of '${component.identifier}' failed: ${errorMessage(error)}`));
    if (principal || this.authenticates()) return refusal;
    // A server without auth: no caller can get scopes, so a component needing some is unseen.
    return then(refusal, (r) => r?.kind === "scopes" ? HIDDEN : r);
  }

  /** `component` when the caller may use it; else throws what the refusal calls for. */
  admit<T extends Component>(
    component: T,
    facts: RequestFacts,
    what: string,
    notFound: () => Error,
  ): MaybePromise<T> {
    return then(this.check(component, facts), (refusal) => {
      if (refusal) throw refusalError(refusal, what, notFound);
      return component;
    });
  }

  /** The entries of a listing whose component the caller may use (`items[i]` lists `components[i]`). */
  filter<T>(items: readonly T[], components: readonly Component[], facts: RequestFacts): MaybePromise<T[]> {
    const refusals = components.map((c) => this.check(c, facts));
    const keep = (all: readonly (Refusal | undefined)[]) => items.filter((_, i) => all[i] === undefined);
    return refusals.some((r) => r instanceof Promise)
      ? Promise.all(refusals).then(keep)
      : keep(refusals as Refusal[]);
  }

  /**
   * This server's checks, then those of the servers a mounted component comes from (outermost
   * first), then the component's own (a mount's `auth` included).
   */
  #checksOf(component: Component): readonly AuthCheck[] {
    const inherited = inheritedChecks(component);
    if (inherited.length) return [...this.#serverChecks, ...inherited, ...component.auth];
    if (this.#serverChecks.length === 0) return component.auth;
    let merged = this.#merged.get(component);
    if (!merged) this.#merged.set(component, merged = [...this.#serverChecks, ...component.auth]);
    return merged;
  }

  #scopesOf(principal: Principal): ReadonlySet<string> {
    let scopes = this.#granted.get(principal);
    if (!scopes) this.#granted.set(principal, scopes = grantedScopes(principal.scopes, this.hierarchy()));
    return scopes;
  }
}

/** The server-wide checks of the mounted servers a component comes from, outermost first. */
function inheritedChecks(component: Component): readonly AuthCheck[] {
  let out: AuthCheck[] | undefined;
  for (let c: Component | undefined = component; c?.delegate; c = c.delegate.component) {
    const server = c.delegate.target as { authorizer?: Authorizer };
    const checks = server.authorizer?.serverChecks;
    if (checks?.length) (out ??= []).push(...checks);
  }
  return out ?? [];
}

/**
 * The error a refusal answers with: an unseen component is not found (the very answer an unknown
 * name gets), an explicit refusal says so, and missing scopes are named (HTTP makes that a 403).
 */
export function refusalError(refusal: Refusal, what: string, notFound: () => Error): Error {
  switch (refusal.kind) {
    case "hidden":
      return notFound();
    case "explicit":
      return new AuthorizationError(`${what} is not permitted: ${refusal.message}`);
    case "scopes":
      return new InsufficientScopeError(
        refusal.scopes,
        `${what} needs the scopes ${refusal.scopes.join(" ")}`,
      );
  }
}
