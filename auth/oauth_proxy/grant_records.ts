/**
 * The sealed records behind the OAuth proxy's access tokens, one per `jti`: the upstream tokens
 * (or a marker for a grant with no upstream session), sealed with a key derived from the proxy's
 * secret and bound to the `jti`, versioned so replicas refreshing them never overwrite each other,
 * and living no longer than what they point to. A record's presence is what keeps its access
 * token alive: revocation deletes it.
 *
 * @module
 */

import type { Store } from "../../server/store/store.ts";
import type { UpstreamTokens } from "./tokens.ts";
import type { TokenVault } from "./token_vault.ts";

const KEY = "oauth-proxy";

/** What the record of a grant without upstream tokens holds (sealed like any other). */
const NO_UPSTREAM = { noUpstream: true } as const;

/** The records of one proxy. */
export class GrantRecords {
  /** Records over the server's store; a grant lives at most `refreshTokenExpirySeconds`. */
  constructor(
    private readonly store: () => Store,
    private readonly vault: TokenVault,
    private readonly refreshTokenExpirySeconds: number,
  ) {}

  /** Writes the record of `jti` (no upstream tokens: a grant without an upstream session). */
  async put(jti: string, upstream: UpstreamTokens | undefined, lifetimeMs: number): Promise<void> {
    await this.store().set([KEY, "tokens", jti], await this.vault.seal(jti, upstream ?? NO_UPSTREAM), {
      expireInMs: lifetimeMs,
    });
  }

  /**
   * The upstream tokens behind `jti`, with the record's version; `found` is false when the record
   * is gone (revoked, refreshed away), and a record found without `upstream` is a grant without
   * an upstream session.
   */
  async upstreamOf(
    jti: string,
  ): Promise<{ found: boolean; upstream?: UpstreamTokens; version: string | null }> {
    const { value, version } = await this.store().getVersioned<string>([KEY, "tokens", jti]);
    const opened = value
      ? await this.vault.open(jti, value) as UpstreamTokens | typeof NO_UPSTREAM | undefined
      : undefined;
    const upstream = opened && "accessToken" in opened ? opened : undefined;
    return { found: opened !== undefined, ...(upstream ? { upstream } : {}), version };
  }

  /**
   * Replaces the upstream tokens behind `jti` if the record is still at `version` (false when
   * another replica changed it first: the caller reads again).
   */
  async replaceUpstream(jti: string, version: string | null, upstream: UpstreamTokens): Promise<boolean> {
    if (version === null) return false;
    return await this.store().setIf(
      [KEY, "tokens", jti],
      version,
      await this.vault.seal(jti, upstream),
      { expireInMs: this.lifetimeMs(upstream) },
    );
  }

  /** Deletes the record of `jti`: its access token stops working. */
  async remove(jti: string): Promise<void> {
    await this.store().delete([KEY, "tokens", jti]);
  }

  /**
   * Claims the right to refresh the upstream tokens behind `jti` for `ms`, across every replica
   * sharing the store: false when another holds it.
   */
  async claimRefresh(jti: string, ms: number): Promise<boolean> {
    return await this.store().setIf([KEY, "refreshing", jti], null, true, { expireInMs: ms });
  }

  /** Gives up a claim of {@link claimRefresh}. */
  async releaseRefresh(jti: string): Promise<void> {
    await this.store().delete([KEY, "refreshing", jti]);
  }

  /**
   * How long a grant's records live: the proxy's refresh token lifetime, but never past the
   * upstream refresh token's expiry, nor (with no upstream refresh token) past the upstream access
   * token's: a record never outlives what it points to (FastMCP 3.4's rule, inverted to bound it).
   */
  lifetimeMs(upstream: UpstreamTokens): number {
    let ms = this.refreshTokenExpirySeconds * 1000;
    const end = upstream.refreshToken ? upstream.refreshExpiresAt : upstream.expiresAt;
    if (end !== undefined) ms = Math.min(ms, end - Date.now());
    return Math.max(ms, 1_000);
  }
}
