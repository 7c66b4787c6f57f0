/**
 * The upstream session behind each of the proxy's tokens, kept alive on use: an upstream access
 * token that has expired, or will within the threshold, is refreshed before the request goes on,
 * and one the configured verifier refuses is refreshed once (a provider may end tokens early).
 * Refreshes of one token are serialised: in this process by a lock per token (bounded: the oldest
 * lock is dropped past `maxLocks`), across replicas by a claim in the store, whose losers wait for
 * the winner's tokens instead of refreshing again (a rotated refresh token works once); the
 * record's versioned write is the last guard.
 *
 * @module
 */

import { type AccessToken, AuthError, type TokenVerifier } from "../access_token.ts";
import type { GrantRecords } from "./grant_records.ts";
import type { UpstreamTokens } from "./tokens.ts";

/** Settings of {@link UpstreamSessions}. */
export interface UpstreamSessionOptions {
  /** Refreshes upstream tokens at the provider. */
  readonly refresh: (current: UpstreamTokens) => Promise<UpstreamTokens>;
  /** An upstream token counts as expired this many seconds early. */
  readonly thresholdSeconds: number;
  /** Checks the upstream access token on each use, when set. */
  readonly verifier?: TokenVerifier;
  /** Most refresh locks held at once. Default 10,000. */
  readonly maxLocks?: number;
  /** Longest one refresh may hold its claim, and another replica wait for it, in ms. Default 15,000. */
  readonly claimMs?: number;
}

/** The upstream tokens of a request, and what the upstream verifier said of them. */
export interface CurrentUpstream {
  readonly tokens: UpstreamTokens;
  readonly verified?: AccessToken;
}

const ENDED = "the identity provider's session has ended: sign in again";

/** Keeps the upstream tokens behind the proxy's tokens current. */
export class UpstreamSessions {
  readonly #locks = new Map<string, Promise<UpstreamTokens>>();

  /** Sessions over the factory's records. */
  constructor(private readonly records: GrantRecords, private readonly options: UpstreamSessionOptions) {}

  /** The current upstream tokens behind `jti`, refreshed when due; an `invalid_token` refusal when the session has ended. */
  async current(jti: string, upstream: UpstreamTokens): Promise<CurrentUpstream> {
    let tokens = this.#expiring(upstream) ? await this.renew(jti, upstream) : upstream;
    const { verifier } = this.options;
    if (!verifier) return { tokens };
    try {
      return { tokens, verified: await verifier.verify(tokens.accessToken) };
    } catch (error) {
      if (!(error instanceof AuthError) || !this.#canRefresh(tokens)) {
        throw new AuthError("invalid_token", ENDED);
      }
    }
    tokens = await this.renew(jti, tokens, true);
    try {
      return { tokens, verified: await verifier.verify(tokens.accessToken) };
    } catch {
      throw new AuthError("invalid_token", ENDED);
    }
  }

  /**
   * Refreshes the upstream tokens behind `jti` if they are (still) due, or when `force`d and no
   * one has refreshed them since `seen`; resolves with the current ones.
   */
  renew(jti: string, seen: UpstreamTokens, force = false): Promise<UpstreamTokens> {
    const held = this.#locks.get(jti);
    if (held) return held;
    const renewal = this.#renew(jti, seen, force).finally(() => {
      if (this.#locks.get(jti) === renewal) this.#locks.delete(jti);
    });
    if (this.#locks.size >= (this.options.maxLocks ?? 10_000)) {
      // Dropping the oldest lock costs only its de-duplication: the store's versioned write still
      // lets one refresh win.
      this.#locks.delete(this.#locks.keys().next().value!);
    }
    this.#locks.set(jti, renewal);
    return renewal;
  }

  async #renew(jti: string, seen: UpstreamTokens, force: boolean): Promise<UpstreamTokens> {
    const { upstream: stored, version } = await this.records.upstreamOf(jti);
    if (!stored) throw new AuthError("invalid_token", "the token has been revoked");
    const changed = stored.accessToken !== seen.accessToken;
    if (changed && !this.#expiring(stored)) return stored;
    if (!force && !this.#expiring(stored)) return stored;
    if (!this.#canRefresh(stored)) throw new AuthError("invalid_token", ENDED);
    const claimMs = this.options.claimMs ?? 15_000;
    if (!await this.records.claimRefresh(jti, claimMs)) return await this.#theirs(jti, stored, claimMs);
    try {
      const renewed = await this.options.refresh(stored);
      if (await this.records.replaceUpstream(jti, version, renewed)) return renewed;
    } catch {
      // Refused or unreachable: the tokens stay as they are.
    } finally {
      await this.records.releaseRefresh(jti);
    }
    return await this.#theirs(jti, stored, 0);
  }

  /** Another replica's refreshed tokens, waiting up to `waitMs` for them. */
  async #theirs(jti: string, stored: UpstreamTokens, waitMs: number): Promise<UpstreamTokens> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { upstream } = await this.records.upstreamOf(jti);
      if (!upstream) throw new AuthError("invalid_token", "the token has been revoked");
      if (upstream.accessToken !== stored.accessToken) return upstream;
      if (Date.now() >= deadline) throw new AuthError("invalid_token", ENDED);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  #expiring(tokens: UpstreamTokens): boolean {
    return tokens.expiresAt !== undefined &&
      tokens.expiresAt <= Date.now() + this.options.thresholdSeconds * 1000;
  }

  #canRefresh(tokens: UpstreamTokens): boolean {
    return !!tokens.refreshToken &&
      (tokens.refreshExpiresAt === undefined || tokens.refreshExpiresAt > Date.now());
  }
}
