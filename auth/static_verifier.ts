/**
 * Fixed tokens for development and tests. Every known token is compared with the presented one,
 * whichever matches, each in time that depends on the presented token only, so that neither a map lookup nor an early-exit compare leaks how much of a
 * guess was right.
 *
 * @module
 */

import { type AccessToken, AuthError, checkScopes, type TokenVerifier } from "./access_token.ts";
import { sameToken } from "./token_cache.ts";

/** What a static token stands for. */
export interface StaticToken {
  /** The client it speaks for. Default `"static"`. */
  clientId?: string;
  /** The user it speaks for. */
  subject?: string;
  /** Its scopes. */
  scopes?: string[];
  /** When it expires (seconds since the epoch). */
  expiresAt?: number;
  /** More claims (roles, say). */
  claims?: Record<string, unknown>;
}

/** Options of {@link StaticTokenVerifier}. */
export interface StaticTokenVerifierOptions {
  /** The accepted tokens and what each stands for. */
  tokens: Record<string, StaticToken>;
  /**
   * Let a server bound to a public address use it. Default false: static tokens are for
   * development, and `serve()` refuses them off loopback without this.
   */
  allowPublicBind?: boolean;
  /** Scopes every token must carry (a token without them is refused 403 `insufficient_scope`). */
  requiredScopes?: string[];
}

/**
 * Accepts a fixed set of tokens.
 *
 * @example
 * ```ts
 * import { StaticTokenVerifier } from "@denomcp/denomcp/auth";
 * const verifier = new StaticTokenVerifier({
 *   tokens: { "dev-token": { subject: "alice", scopes: ["read", "write"] } },
 * });
 * console.log((await verifier.verify("dev-token")).subject); // "alice"
 * ```
 */
export class StaticTokenVerifier implements TokenVerifier {
  readonly #entries: { token: string; value: StaticToken; verified: AccessToken }[];
  /** True when a public bind was allowed. */
  readonly allowPublicBind: boolean;
  /** Scopes every token must carry (the `requiredScopes` option). */
  readonly requiredScopes: readonly string[];

  /** Creates the verifier. */
  constructor(options: StaticTokenVerifierOptions) {
    this.allowPublicBind = options.allowPublicBind ?? false;
    this.requiredScopes = Object.freeze([...options.requiredScopes ?? []]);
    this.#entries = Object.entries(options.tokens).map(([token, value]) => ({
      token,
      value,
      // One object per token: what is derived from it (its principal) is derived once.
      verified: {
        token,
        clientId: value.clientId ?? "static",
        subject: value.subject,
        scopes: value.scopes ?? [],
        expiresAt: value.expiresAt,
        claims: { ...value.claims, sub: value.subject, scope: (value.scopes ?? []).join(" ") },
      },
    }));
  }

  /** Verifies a bearer token: its access token, or an {@link AuthError} naming why not. */
  verify(token: string): Promise<AccessToken> {
    try {
      return Promise.resolve(this.#verify(token));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The token's access token when it is accepted, without a promise (static tokens need none). */
  remembered(token: string): AccessToken | undefined {
    try {
      return this.#verify(token);
    } catch {
      return undefined;
    }
  }

  #verify(token: string): AccessToken {
    let found: { value: StaticToken; verified: AccessToken } | undefined;
    // Every entry is compared, whatever matched: the time taken says nothing about which.
    for (const entry of this.#entries) if (sameToken(entry.token, token)) found = entry;
    if (!found) throw new AuthError("invalid_token", "the token is not known");
    const { expiresAt } = found.value;
    if (expiresAt !== undefined && expiresAt <= Date.now() / 1000) {
      throw new AuthError("invalid_token", "the token has expired");
    }
    if (this.requiredScopes.length) checkScopes(found.verified, this.requiredScopes);
    return found.verified;
  }
}
