/**
 * Opaque access tokens verified by asking the authorization server (RFC 7662 token
 * introspection). An opaque token says nothing by itself; only its issuer knows whether it is
 * active, for whom and for what, and whether it was revoked a moment ago. So every unknown token
 * is posted to the introspection endpoint (through the guarded fetcher, with this server's client
 * credentials), and the answer is held to the same rules as a JWT's claims: the audience must be
 * this server's canonical URL (RFC 8707), the issuer when one is configured, `exp` and `nbf`, and
 * a refresh token is never taken for an access token.
 *
 * Answers are remembered briefly (30 s by default, never past the token's `exp`): long enough to
 * spare the authorization server a round trip per request, short enough that a revocation is seen
 * soon. Concurrent verifications of one token share one request.
 *
 * An endpoint that fails (unreachable, non-200, not JSON, too large) is not the token's fault: it
 * rejects with a plain `Error` naming the endpoint and its status, which the server logs before
 * answering 401 "could not be verified". The token never appears in a message.
 *
 * @module
 */

import { type AccessToken, AuthError, checkScopes, scopesOf, type TokenVerifier } from "./access_token.ts";
import { classify, guardedFetch, type GuardedFetchOptions } from "./guarded_fetch.ts";
import { TokenCache } from "./token_cache.ts";

/** Options of {@link IntrospectionVerifier}. */
export interface IntrospectionVerifierOptions {
  /** The authorization server's introspection endpoint (RFC 7662 §2). https, or http to loopback. */
  endpoint: string;
  /** This server's client id at the authorization server (it authenticates the introspection). */
  clientId: string;
  /** This server's client secret. */
  clientSecret: string;
  /** The audience (`aud`) this server is: its canonical URL. Mandatory (RFC 8707). */
  audience: string | string[];
  /** The issuer (`iss`) accepted; checked when given. */
  issuer?: string | string[];
  /** Scopes every token must carry. */
  requiredScopes?: string[];
  /**
   * How the client authenticates (RFC 6749 §2.3.1): HTTP Basic (the default) or the credentials in
   * the form body.
   */
  clientAuthMethod?: "client_secret_basic" | "client_secret_post";
  /** Leeway for `exp` and `nbf`, in seconds. Default 30. */
  clockToleranceSec?: number;
  /**
   * How long an active answer is remembered (by the token's digest), never past its `exp`. Kept
   * short, since a revoked token stays accepted until its entry lapses. Default 30 s; 0 asks
   * every time.
   */
  cacheTtlMs?: number;
  /** Most tokens remembered. Default 10,000. */
  cacheSize?: number;
  /** Limits of the introspection request (64 KiB and 10 s by default). */
  fetch?: GuardedFetchOptions;
}

/** `token_type` values that name a refresh token (RFC 6749, RFC 8693 §3). */
const REFRESH_TYPES = new Set(["refresh_token", "refresh", "urn:ietf:params:oauth:token-type:refresh_token"]);

/** OAuth error codes (RFC 6749 §5.2, RFC 7662 §2.3) worth naming when the endpoint refuses us. */
const ENDPOINT_ERRORS = new Set([
  "invalid_request",
  "invalid_client",
  "unauthorized_client",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
]);

/**
 * Verifies opaque access tokens by RFC 7662 introspection.
 *
 * @example
 * ```ts
 * import { IntrospectionVerifier } from "@denomcp/denomcp/auth";
 * const verifier = new IntrospectionVerifier({
 *   endpoint: "https://idp.example.com/oauth2/introspect",
 *   clientId: "mcp-server",
 *   clientSecret: Deno.env.get("INTROSPECTION_SECRET") ?? "",
 *   audience: "https://mcp.example.com/mcp",
 *   issuer: "https://idp.example.com",
 *   requiredScopes: ["mcp:read"],
 * });
 * console.log(verifier.requiredScopes); // ["mcp:read"]
 * ```
 */
export class IntrospectionVerifier implements TokenVerifier {
  /** The scopes every token must carry (possibly none). */
  readonly requiredScopes: readonly string[];
  readonly #options: IntrospectionVerifierOptions;
  readonly #endpoint: URL;
  readonly #audiences: readonly string[];
  readonly #issuers?: readonly string[];
  readonly #cache: TokenCache;

  /**
   * Creates a verifier; throws a TypeError for a missing endpoint, client credentials or
   * audience, or an endpoint that is neither https nor http to a loopback address.
   */
  constructor(options: IntrospectionVerifierOptions) {
    this.#endpoint = checkEndpoint(options.endpoint);
    if (!options.clientId || !options.clientSecret) {
      throw new TypeError("IntrospectionVerifier: clientId and clientSecret are required (RFC 7662 §2.1)");
    }
    if (!nonEmpty(options.audience)) {
      throw new TypeError(
        "IntrospectionVerifier: audience is required (this server's canonical URL, RFC 8707)",
      );
    }
    if (options.issuer !== undefined && !nonEmpty(options.issuer)) {
      throw new TypeError("IntrospectionVerifier: issuer, when given, must not be empty");
    }
    this.#audiences = [options.audience].flat();
    this.#issuers = options.issuer === undefined ? undefined : [options.issuer].flat();
    this.requiredScopes = Object.freeze([...options.requiredScopes ?? []]);
    this.#options = options;
    this.#cache = new TokenCache(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 30_000);
  }

  /** A token introspected as active within the cache TTL (and before its `exp`), without a promise. */
  remembered(token: string): AccessToken | undefined {
    return this.#cache.get(token);
  }

  /**
   * Verifies a bearer token: its access token, an {@link AuthError} naming why not, or a plain
   * `Error` when the introspection endpoint could not give an answer.
   */
  verify(token: string): Promise<AccessToken> {
    return this.#cache.verified(token, (t) => this.#introspect(t));
  }

  async #introspect(token: string): Promise<AccessToken> {
    const claims = await this.#ask(token);
    if (claims.active !== true) throw new AuthError("invalid_token", "the token is not active");
    const tokenType = typeof claims.token_type === "string" ? claims.token_type.toLowerCase() : undefined;
    const use = claims.token_use;
    if ((tokenType !== undefined && REFRESH_TYPES.has(tokenType)) || use === "refresh") {
      throw new AuthError("invalid_token", "a refresh token is not an access token");
    }
    // Named by a fixed text: the endpoint's values are not echoed into what the client sees.
    if (use !== undefined && use !== "access" && use !== "access_token") {
      throw new AuthError("invalid_token", "the token's 'token_use' is not 'access'");
    }
    const now = Date.now() / 1000;
    const tolerance = this.#options.clockToleranceSec ?? 30;
    const exp = typeof claims.exp === "number" ? claims.exp : undefined;
    if (exp !== undefined && exp + tolerance <= now) {
      throw new AuthError("invalid_token", "the token has expired");
    }
    if (typeof claims.nbf === "number" && claims.nbf - tolerance > now) {
      throw new AuthError("invalid_token", "the token is not valid yet");
    }
    const aud = claims.aud;
    const audiences: unknown[] = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.some((a) => typeof a === "string" && this.#audiences.includes(a))) {
      throw new AuthError("invalid_token", "the token's 'aud' claim is not accepted");
    }
    const iss = typeof claims.iss === "string" ? claims.iss : undefined;
    if (this.#issuers && (iss === undefined || !this.#issuers.includes(iss))) {
      throw new AuthError("invalid_token", "the token's 'iss' claim is not accepted");
    }
    const accessToken: AccessToken = {
      token,
      clientId: String(claims.client_id ?? claims.azp ?? claims.cid ?? ""),
      subject: typeof claims.sub === "string" ? claims.sub : undefined,
      scopes: scopesOf(claims),
      expiresAt: exp,
      claims,
      issuer: iss,
      audience: typeof aud === "string" ? aud : audiences.filter((a): a is string => typeof a === "string"),
    };
    if (this.requiredScopes.length) checkScopes(accessToken, this.requiredScopes);
    return accessToken;
  }

  /** Posts the token to the endpoint: the answer as an object, or a plain Error saying why none. */
  async #ask(token: string): Promise<Record<string, unknown>> {
    const { clientId, clientSecret, clientAuthMethod = "client_secret_basic" } = this.#options;
    const form = new URLSearchParams({ token, token_type_hint: "access_token" });
    const headers = new Headers(this.#options.fetch?.headers);
    headers.set("content-type", "application/x-www-form-urlencoded");
    headers.set("accept", "application/json");
    if (clientAuthMethod === "client_secret_post") {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    } else {
      // RFC 6749 §2.3.1: each part is form-urlencoded before the pair is base64-encoded.
      headers.set("authorization", `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`);
    }
    const where = `token introspection at ${this.#endpoint.origin}${this.#endpoint.pathname}`;
    let status: number;
    let text: string;
    try {
      ({ status, text } = await guardedFetch(this.#endpoint, {
        maxBytes: 64 * 1024,
        ...this.#options.fetch,
        method: "POST",
        headers,
        body: form.toString(),
      }));
    } catch (error) {
      // The guarded fetcher's messages name the URL, never the body the token travels in.
      throw new Error(`${where} failed: ${(error as Error).message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status !== 200) {
      const code = (body as { error?: unknown } | undefined)?.error;
      const named = typeof code === "string" && ENDPOINT_ERRORS.has(code) ? ` (${code})` : "";
      throw new Error(`${where} answered ${status}${named}`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new Error(`${where} answered 200 without a JSON object`);
    }
    return body as Record<string, unknown>;
  }
}

/** The endpoint as a URL: https, or plain http to a loopback address (development). */
function checkEndpoint(endpoint: string): URL {
  if (!endpoint) throw new TypeError("IntrospectionVerifier: endpoint is required");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError("IntrospectionVerifier: endpoint is not a URL");
  }
  if (url.username || url.password) {
    throw new TypeError("IntrospectionVerifier: the endpoint must not hold credentials");
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || classify(host) === "loopback";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new TypeError(
      "IntrospectionVerifier: the endpoint must be https (plain http only to a loopback address)",
    );
  }
  return url;
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

function nonEmpty(value: string | string[] | undefined): boolean {
  return Array.isArray(value) ? value.length > 0 && value.every((v) => v !== "") : !!value;
}
