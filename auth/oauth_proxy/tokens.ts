/**
 * The OAuth proxy's own tokens (FastMCP's "token factory" design): authorization codes (single
 * use, PKCE-bound, short-lived), access tokens that are short reference JWTs whose `jti` names
 * the sealed upstream tokens (they never leave the proxy: §5 #9), and opaque refresh tokens kept
 * only as hashes and rotated on use. A grant the proxy makes on its own word (an identity
 * assertion's, SEP-990) has no upstream tokens: its record says so, and it gets no refresh token. An access token is for one resource (`aud`, §5 #8), typed
 * `at+jwt` so that nothing else the proxy signs passes for one (§5 #10).
 *
 * @module
 */

import { jwtVerify, SignJWT } from "jose";
import type { Store } from "../../server/store/store.ts";
import { sameResource } from "./authorize_request.ts";
import { base64url, randomToken } from "./base64url.ts";
import { GrantRecords } from "./grant_records.ts";
import { deriveKey } from "./keys.ts";
import type { TokenVault } from "./token_vault.ts";

/** What a user granted a client: carried from the code to the tokens. */
export interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** The user, as the upstream identity provider named them. */
  readonly subject: string;
}

/** Tokens the upstream identity provider gave, kept sealed. */
export interface UpstreamTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** When the upstream access token expires (ms since the epoch), if it said. */
  readonly expiresAt?: number;
  /** When the upstream refresh token expires (ms since the epoch), if it said (`refresh_expires_in`). */
  readonly refreshExpiresAt?: number;
}

/** The token endpoint's answer (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** The answer for a grant without an upstream session (an identity assertion's): no refresh token. */
export type AccessTokenResponse = Omit<TokenResponse, "refresh_token">;

/** A token request the proxy refuses; `code` is the RFC 6749 §5.2 error. */
export class TokenError extends Error {
  /** Creates the error. */
  constructor(
    readonly code: "invalid_grant" | "invalid_request" | "invalid_client" | "invalid_target",
    message: string,
  ) {
    super(message);
    this.name = "TokenError";
  }
}

/** Settings of the token factory, each named. */
export interface TokenFactoryOptions {
  readonly store: () => Store;
  readonly vault: TokenVault;
  /** The secret the signing key is derived from (at least 32 bytes). */
  readonly secret: string;
  /** The proxy's issuer. */
  readonly issuer: string;
  /** Lifetime of an access token, in seconds. Default 3,600. */
  readonly accessTokenExpirySeconds?: number;
  /** Lifetime of a refresh token, in seconds. Default 30 days. */
  readonly refreshTokenExpirySeconds?: number;
  /** Lifetime of an authorization code, in seconds. Default 60. */
  readonly codeExpirySeconds?: number;
}

interface CodeRecord {
  readonly grant: Grant;
  readonly codeChallenge: string;
  readonly upstream: string;
  readonly used?: true;
}

interface RefreshRecord {
  readonly grant: Grant;
  readonly jti: string;
}

const KEY = "oauth-proxy";

/** The proxy's codes and tokens. */
export class TokenFactory {
  readonly #options: Required<Omit<TokenFactoryOptions, "store" | "vault" | "secret" | "issuer">>;
  #key?: Promise<CryptoKey>;
  /** The sealed records behind the tokens. */
  readonly records: GrantRecords;

  /** A factory; see {@link TokenFactoryOptions}. */
  constructor(private readonly options: TokenFactoryOptions) {
    this.#options = {
      accessTokenExpirySeconds: options.accessTokenExpirySeconds ?? 3_600,
      refreshTokenExpirySeconds: options.refreshTokenExpirySeconds ?? 30 * 24 * 3_600,
      codeExpirySeconds: options.codeExpirySeconds ?? 60,
    };
    this.records = new GrantRecords(options.store, options.vault, this.#options.refreshTokenExpirySeconds);
  }

  #signingKey(): Promise<CryptoKey> {
    return this.#key ??= deriveKey(
      this.options.secret,
      "access tokens",
      { name: "HMAC", hash: "SHA-256", length: 256 },
      ["sign", "verify"],
    );
  }

  /** A code for `grant`, redeemable once with the verifier of `codeChallenge`; the upstream tokens ride along sealed. */
  async createCode(grant: Grant, codeChallenge: string, upstream: UpstreamTokens): Promise<string> {
    const code = randomToken();
    const record: CodeRecord = {
      grant,
      codeChallenge,
      upstream: await this.options.vault.seal(code, upstream),
    };
    await this.options.store().set([KEY, "codes", await hash(code)], record, {
      expireInMs: this.#options.codeExpirySeconds * 1000,
    });
    return code;
  }

  /**
   * Redeems a code for tokens: the same client and redirect URI it was issued for, and the PKCE
   * verifier of its challenge. A code works once; of two concurrent redemptions one wins.
   */
  async redeemCode(
    code: string,
    request: { clientId: string; redirectUri: string; codeVerifier: string; resource?: string },
  ): Promise<TokenResponse> {
    const key = [KEY, "codes", await hash(code)];
    const { value, version } = await this.options.store().getVersioned<CodeRecord>(key);
    if (!value || value.used) {
      throw new TokenError("invalid_grant", "the code is unknown, expired or already used");
    }
    // Marked used before anything else can go wrong, so that a code never works twice.
    if (!await this.options.store().setIf(key, version, { ...value, used: true }, { expireInMs: 60_000 })) {
      throw new TokenError("invalid_grant", "the code is already used");
    }
    if (value.grant.clientId !== request.clientId || value.grant.redirectUri !== request.redirectUri) {
      throw new TokenError("invalid_grant", "the code was issued to another client or redirect URI");
    }
    if (await pkceChallenge(request.codeVerifier) !== value.codeChallenge) {
      throw new TokenError("invalid_grant", "the code_verifier does not match the code_challenge");
    }
    checkResource(request.resource, value.grant);
    const upstream = await this.options.vault.open(code, value.upstream) as UpstreamTokens | undefined;
    if (!upstream) throw new TokenError("invalid_grant", "the code's record cannot be read");
    return await this.issue(value.grant, upstream);
  }

  /** Tokens for a grant: a new `jti` whose record holds the sealed upstream tokens. */
  async issue(grant: Grant, upstream: UpstreamTokens): Promise<TokenResponse> {
    const jti = randomToken();
    const lifetimeMs = this.records.lifetimeMs(upstream);
    await this.records.put(jti, upstream, lifetimeMs);
    const store = this.options.store();
    const refreshToken = randomToken();
    const refresh: RefreshRecord = { grant, jti };
    await store.set([KEY, "refresh", await hash(refreshToken)], refresh, { expireInMs: lifetimeMs });
    let expiresIn = this.#options.accessTokenExpirySeconds;
    // Nothing can renew an upstream token without a refresh token: the proxy's ends with it.
    if (!upstream.refreshToken && upstream.expiresAt !== undefined) {
      expiresIn = Math.max(1, Math.min(expiresIn, Math.floor((upstream.expiresAt - Date.now()) / 1000)));
    }
    return {
      access_token: await this.#sign(grant, jti, expiresIn),
      token_type: "Bearer",
      expires_in: expiresIn,
      refresh_token: refreshToken,
      scope: grant.scopes.join(" "),
    };
  }

  /**
   * An access token for a grant with no upstream session behind it (an identity assertion's):
   * its record, which lives as long as the token, holds no upstream tokens, and there is no
   * refresh token (the client presents a new assertion instead).
   */
  async issueWithoutUpstream(
    grant: Omit<Grant, "redirectUri">,
    expiresInSeconds: number,
    claims: Record<string, string> = {},
  ): Promise<AccessTokenResponse> {
    const jti = randomToken();
    await this.records.put(jti, undefined, expiresInSeconds * 1000);
    return {
      access_token: await this.#sign(grant, jti, expiresInSeconds, claims),
      token_type: "Bearer",
      expires_in: expiresInSeconds,
      scope: grant.scopes.join(" "),
    };
  }

  async #sign(
    grant: Omit<Grant, "redirectUri">,
    jti: string,
    expiresInSeconds: number,
    claims: Record<string, string> = {},
  ) {
    return await new SignJWT({ ...claims, client_id: grant.clientId, scope: grant.scopes.join(" ") })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setIssuer(this.options.issuer)
      .setAudience(grant.resource)
      .setSubject(grant.subject)
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(`${expiresInSeconds}s`)
      .sign(await this.#signingKey());
  }

  /**
   * Rotates a refresh token: the old one stops working, the access token's record moves to a new
   * `jti`. `renew` brings the upstream tokens up to date first (refreshing them upstream when
   * they are expiring) and throws when the upstream session has ended.
   */
  async refresh(
    refreshToken: string,
    clientId: string,
    resource: string | undefined,
    renew: (jti: string, upstream: UpstreamTokens) => Promise<UpstreamTokens> = (_, upstream) =>
      Promise.resolve(upstream),
  ): Promise<TokenResponse> {
    const store = this.options.store();
    const key = [KEY, "refresh", await hash(refreshToken)];
    const { value, version } = await store.getVersioned<RefreshRecord>(key);
    if (!value) {
      throw new TokenError("invalid_grant", "the refresh token is unknown, expired or already used");
    }
    if (value.grant.clientId !== clientId) {
      throw new TokenError("invalid_grant", "the refresh token is another client's");
    }
    checkResource(resource, value.grant);
    if (!await store.commit([{ key, version, delete: true }])) {
      throw new TokenError("invalid_grant", "the refresh token is already used");
    }
    const { upstream } = await this.records.upstreamOf(value.jti);
    if (!upstream) throw new TokenError("invalid_grant", "the grant behind the refresh token is gone");
    let renewed: UpstreamTokens;
    try {
      renewed = await renew(value.jti, upstream);
    } catch (error) {
      await this.records.remove(value.jti);
      throw new TokenError(
        "invalid_grant",
        `the identity provider's session has ended: ${(error as Error).message}`,
      );
    }
    await this.records.remove(value.jti);
    return await this.issue(value.grant, renewed);
  }

  /**
   * The claims and upstream tokens (none for a grant without an upstream session) of one of the
   * proxy's access tokens for `resource`, or undefined: a bad signature, another issuer or
   * audience, another type, an expired token, or one whose record is gone (revoked, refreshed away).
   */
  async verify(
    token: string,
    resource: string,
  ): Promise<{ claims: Record<string, unknown>; jti: string; upstream?: UpstreamTokens } | undefined> {
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, await this.#signingKey(), {
        issuer: this.options.issuer,
        audience: resource,
        typ: "at+jwt",
        algorithms: ["HS256"],
      }));
    } catch {
      return undefined;
    }
    const jti = claims.jti;
    if (typeof jti !== "string") return undefined;
    const { found, upstream } = await this.records.upstreamOf(jti);
    return found ? { claims, jti, ...(upstream ? { upstream } : {}) } : undefined;
  }

  /**
   * Revokes an access token (its record) or a refresh token (and its access token's record);
   * resolves with the upstream tokens that stood behind it, for revoking them upstream too.
   */
  async revoke(token: string): Promise<UpstreamTokens | undefined> {
    const store = this.options.store();
    const refreshKey = [KEY, "refresh", await hash(token)];
    const refresh = await store.get<RefreshRecord>(refreshKey);
    let jti = refresh?.jti;
    if (refresh) await store.delete(refreshKey);
    else if (token.split(".").length === 3) {
      try {
        const { payload } = await jwtVerify(token, await this.#signingKey(), {
          issuer: this.options.issuer,
          typ: "at+jwt",
          algorithms: ["HS256"],
          // A revoked token may be expired already; its record goes either way.
          clockTolerance: Number.MAX_SAFE_INTEGER,
        });
        if (typeof payload.jti === "string") jti = payload.jti;
      } catch {
        // Not one of ours: nothing to revoke (RFC 7009 §2.2 answers 200 all the same).
      }
    }
    if (!jti) return undefined;
    const { upstream } = await this.records.upstreamOf(jti);
    await this.records.remove(jti);
    return upstream;
  }
}

/**
 * A `resource` named at the token endpoint must be the one granted (RFC 8707 §2.2): a token is
 * never minted for another audience than the user consented to (§5 #8).
 */
function checkResource(resource: string | undefined, grant: Grant): void {
  if (resource && !sameResource(resource, grant.resource)) {
    throw new TokenError("invalid_target", `the grant is for ${grant.resource}, not another resource`);
  }
}

/** The S256 challenge of a PKCE verifier (RFC 7636 §4.2). */
export function pkceChallenge(verifier: string): Promise<string> {
  return hash(verifier);
}

/**
 * The base64url SHA-256 of a text: how codes, refresh tokens and spent assertions are stored, a
 * PKCE challenge, and how client secrets are compared.
 */
export async function hash(text: string): Promise<string> {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
