/**
 * JWT access tokens verified with `jose`: signature with a pinned algorithm list, issuer and
 * audience always (RFC 8707: the audience is this server's canonical URL), `exp` and `nbf`, and
 * access tokens told apart from refresh tokens. Keys come from a JWKS (fetched through the
 * guarded fetcher, cached, refetched on an unknown `kid` at most once per cool-down), a public
 * key, or, for HS* algorithms only, a shared secret.
 *
 * @module
 */

import { errors, importJWK, importSPKI, type JWK, type JWTPayload, jwtVerify } from "jose";
import { type AccessToken, AuthError, checkScopes, scopesOf, type TokenVerifier } from "./access_token.ts";
import type { GuardedFetchOptions } from "./guarded_fetch.ts";
import { KEY_ALGORITHMS, KeySetUnavailableError, RemoteKeySet } from "./jwks.ts";
import { TokenCache } from "./token_cache.ts";

/** Options of {@link JWTVerifier}. */
export interface JWTVerifierOptions {
  /** Where the signing keys are published (RFC 7517 JWKS). One of `jwksUri`, `publicKey`, `secret`. */
  jwksUri?: string;
  /** A public key: PEM (SPKI), a JWK, or a `CryptoKey`. */
  publicKey?: string | JsonWebKey | CryptoKey;
  /** A shared secret, for HS256/384/512 only. */
  secret?: string | Uint8Array;
  /** The issuer (`iss`) accepted. Mandatory. */
  issuer: string | string[];
  /** The audience (`aud`) this server is: its canonical URL. Mandatory (RFC 8707). */
  audience: string | string[];
  /**
   * Algorithms accepted. Default: RS256, PS256, ES256, EdDSA with keys; HS256 with a secret.
   * HS* is never accepted with a JWKS or a public key (an attacker would sign with the public key).
   */
  algorithms?: string[];
  /** Scopes every token must carry. */
  requiredScopes?: string[];
  /** Leeway for `exp`/`nbf`/`iat`, in seconds. Default 30. */
  clockToleranceSec?: number;
  /** How long a fetched JWKS is used before it is fetched again. Default 10 minutes. */
  jwksCacheMs?: number;
  /** Least time between two fetches caused by unknown `kid`s (key rotation). Default 30 s. */
  jwksCooldownMs?: number;
  /** Limits of the JWKS fetch. */
  fetch?: GuardedFetchOptions;
  /**
   * How long a verified token is remembered (by its digest), never past its `exp`: a client
   * sending the same token on every request pays for the signature once. Default 5 minutes;
   * 0 verifies every time.
   */
  cacheTtlMs?: number;
  /** Most tokens remembered. Default 10,000. */
  cacheSize?: number;
}

/** `typ` values of access tokens (RFC 9068) and of plain JWTs. */
const ACCESS_TYPES = new Set(["at+jwt", "application/at+jwt", "jwt"]);

/**
 * Verifies JWT access tokens.
 *
 * @example
 * ```ts
 * import { JWTVerifier } from "@denomcp/denomcp/auth";
 * const verifier = new JWTVerifier({
 *   jwksUri: "https://idp.example.com/.well-known/jwks.json",
 *   issuer: "https://idp.example.com",
 *   audience: "https://mcp.example.com/mcp",
 *   requiredScopes: ["mcp"],
 * });
 * ```
 */
export class JWTVerifier implements TokenVerifier {
  /** Scopes every token must carry (the `requiredScopes` option). */
  readonly requiredScopes: readonly string[];
  readonly #options: JWTVerifierOptions;
  readonly #algorithms: string[];
  #key?: Promise<CryptoKey | Uint8Array>;
  readonly #jwks?: RemoteKeySet;
  readonly #cache: TokenCache;

  /** Creates a verifier; throws a TypeError for a missing issuer or audience, or a key and algorithm mismatch. */
  constructor(options: JWTVerifierOptions) {
    const sources = [options.jwksUri, options.publicKey, options.secret].filter((s) => s !== undefined);
    if (sources.length !== 1) {
      throw new TypeError("JWTVerifier: give exactly one of jwksUri, publicKey, secret");
    }
    if (!nonEmpty(options.issuer)) throw new TypeError("JWTVerifier: issuer is required");
    if (!nonEmpty(options.audience)) {
      throw new TypeError("JWTVerifier: audience is required (this server's canonical URL, RFC 8707)");
    }
    const symmetric = options.secret !== undefined;
    this.#algorithms = options.algorithms ?? (symmetric ? ["HS256"] : [...KEY_ALGORITHMS]);
    this.requiredScopes = Object.freeze([...options.requiredScopes ?? []]);
    for (const alg of this.#algorithms) {
      if (alg === "none") throw new TypeError("JWTVerifier: the algorithm 'none' is never accepted");
      if (alg.startsWith("HS") !== symmetric) {
        throw new TypeError(
          symmetric
            ? `JWTVerifier: a secret verifies HS* algorithms only, not ${alg}`
            : `JWTVerifier: ${alg} needs a shared secret; a JWKS or public key verifies asymmetric algorithms only`,
        );
      }
    }
    if (options.jwksUri !== undefined) {
      this.#jwks = new RemoteKeySet(options.jwksUri, {
        cacheMs: options.jwksCacheMs,
        cooldownMs: options.jwksCooldownMs,
        fetch: options.fetch,
      });
    }
    this.#options = options;
    this.#cache = new TokenCache(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 300_000);
  }

  /** A token verified before and still valid (`exp` and the cache TTL), without a promise. */
  remembered(token: string): AccessToken | undefined {
    return this.#cache.get(token);
  }

  /** Verifies a bearer token: its access token, or an {@link AuthError} naming why not. */
  verify(token: string): Promise<AccessToken> {
    return this.#cache.verified(token, (t) => this.#verifyToken(t));
  }

  async #verifyToken(token: string): Promise<AccessToken> {
    const options = this.#options;
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      ({ payload, protectedHeader: { typ } } = await this.#verify(token));
    } catch (error) {
      throw refusal(error);
    }
    if (typ !== undefined && !ACCESS_TYPES.has(typ.toLowerCase())) {
      throw new AuthError("invalid_token", `a token of type '${typ}' is not an access token`);
    }
    const use = payload.token_use ?? payload.token_type;
    if (use !== undefined && use !== "access" && use !== "access_token") {
      throw new AuthError("invalid_token", `a ${String(use)} token is not an access token`);
    }
    const claims = payload as Record<string, unknown>;
    const accessToken: AccessToken = {
      token,
      clientId: String(claims.client_id ?? claims.azp ?? claims.cid ?? ""),
      subject: payload.sub,
      scopes: scopesOf(claims),
      expiresAt: payload.exp,
      claims,
      issuer: payload.iss,
      audience: payload.aud,
    };
    if (options.requiredScopes?.length) checkScopes(accessToken, options.requiredScopes);
    return accessToken;
  }

  async #verify(token: string) {
    const options = {
      issuer: this.#options.issuer,
      audience: this.#options.audience,
      algorithms: this.#algorithms,
      clockTolerance: this.#options.clockToleranceSec ?? 30,
    };
    // A key set refetches on an unknown kid (the keys may have rotated), at most once per cool-down.
    if (this.#jwks) return await this.#jwks.verify(token, options);
    return await jwtVerify(token, await this.#keyOrSecret(), options);
  }

  #keyOrSecret(): Promise<CryptoKey | Uint8Array> {
    const { publicKey, secret } = this.#options;
    if (secret !== undefined) {
      return Promise.resolve(typeof secret === "string" ? new TextEncoder().encode(secret) : secret);
    }
    return this.#key ??= importKey(publicKey!, this.#algorithms[0]);
  }
}

function nonEmpty(value: string | string[] | undefined): boolean {
  return Array.isArray(value) ? value.length > 0 && value.every((v) => v !== "") : !!value;
}

function importKey(key: string | JsonWebKey | CryptoKey, alg: string): Promise<CryptoKey | Uint8Array> {
  if (typeof key === "string") return importSPKI(key, alg);
  if (key instanceof CryptoKey) return Promise.resolve(key);
  return importJWK(key as JWK, alg);
}

/** The refusal of a token jose rejected: a reason safe to show, never the token. */
function refusal(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  // The token may be fine: the keys could not be had. Still a refusal, but say why.
  if (error instanceof KeySetUnavailableError) return new AuthError("invalid_token", error.message);
  if (error instanceof errors.JWTExpired) return new AuthError("invalid_token", "the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    const why = error.claim === "nbf"
      ? "the token is not valid yet"
      : `the token's '${error.claim}' claim is not accepted`;
    return new AuthError("invalid_token", why);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError("invalid_token", "the token's algorithm is not accepted");
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError("invalid_token", "no known key signed the token");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError("invalid_token", "the token's signature does not verify");
  }
  return new AuthError("invalid_token", "the token is malformed");
}
