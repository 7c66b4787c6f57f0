/**
 * Enterprise-managed authorization at the OAuth proxy (MCP's enterprise-managed authorization
 * extension, SEP-990): the RFC 7523 jwt-bearer grant carrying an Identity Assertion JWT
 * Authorization Grant (ID-JAG, draft-ietf-oauth-identity-assertion-authz-grant). The enterprise
 * identity provider has already decided, by its own policy, that this user may use this client
 * with this server; the proxy checks the provider's signed word and issues its own access token,
 * with no upstream session behind it and no refresh token (the draft's "Refresh Token" section:
 * SHOULD NOT; the client asks the provider for a new ID-JAG instead).
 *
 * A request is checked in this order, and every refusal is an RFC 6749 §5.2 error whose
 * description never repeats the assertion: the client authenticates (`invalid_client`); a
 * `resource` parameter names this server (`invalid_target`, RFC 8707); the JWT is typed
 * `oauth-id-jag+jwt` (RFC 8725 §3.11); its `iss` is a trusted issuer and the signature is that
 * issuer's, under an asymmetric algorithm (an untrusted issuer and a bad signature get the same
 * answer, so that the trust list cannot be probed: the draft's "Metadata Disclosure"); `aud` is
 * the proxy's issuer and nothing else; `exp`, `nbf` and `iat` hold within the clock skew, and the
 * assertion is short-lived; `sub` and `jti` are there; `client_id` is the authenticated client's
 * (`invalid_grant`); `resource` names this server (`invalid_target`); and only then is the `jti`
 * spent, so that an assertion shown by the wrong client or for the wrong server is not burnt for
 * the right one. Scopes are the assertion's, narrowed by the request and by `scopesSupported`.
 *
 * @module
 */

import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload } from "jose";
import type { Store } from "../../server/store/store.ts";
import { KEY_ALGORITHMS, KeySetUnavailableError, RemoteKeySet } from "../jwks.ts";
import { ClientMetadataError, type ClientRegistry } from "./clients.ts";
import { sameResource } from "./authorize_request.ts";
import type { IdentityAssertionOptions } from "./identity_assertion_options.ts";
import { hash, TokenError } from "./tokens.ts";

export { ID_JAG_GRANT_PROFILE, JWT_BEARER_GRANT_TYPE } from "./identity_assertion_options.ts";

const ID_JAG_TYP = "oauth-id-jag+jwt";
/** Longest assertion read, in characters: an ID-JAG is a few hundred bytes to a few KiB. */
const MAX_ASSERTION_CHARS = 16 * 1024;
const KEY = "oauth-proxy";
/** One answer for an untrusted issuer and a signature that does not verify (see the module). */
const NOT_TRUSTED = "the assertion is not signed by a trusted issuer";

/** Where the grant runs: the proxy's issuer, the server's canonical URI, the store, live scopes. */
export interface IdentityAssertionContext {
  /** The proxy's issuer: what the ID-JAG's `aud` must be. */
  readonly issuer: string;
  /** The MCP server's canonical URI: what its `resource` must name. */
  readonly resource: string;
  /** The store that spent `jti`s are kept in (shared by replicas). */
  readonly store: () => Store;
  /** Scopes clients may have now (any when undefined). */
  readonly scopesSupported: () => readonly string[] | undefined;
}

/** What a verified ID-JAG grants: a grant for the token factory, and who asserted it. */
export interface AssertedGrant {
  readonly grant: {
    readonly clientId: string;
    readonly scopes: readonly string[];
    readonly resource: string;
    readonly subject: string;
  };
  /** The identity provider that asserted it (`iss`): subjects are unique only with it. */
  readonly assertedBy: string;
  /** Lifetime of the access token to issue, in seconds. */
  readonly expiresInSeconds: number;
}

interface Issuer {
  readonly issuer: string;
  readonly algorithms: string[];
  readonly keys: RemoteKeySet;
}

/** The identity assertion grant of one proxy. */
export class IdentityAssertionGrant {
  readonly #issuers = new Map<string, Issuer>();
  readonly #clients?: Map<string, Promise<string>>;
  readonly #expiresInSeconds: number;
  readonly #maxLifetimeSeconds: number;
  readonly #skewSeconds: number;

  /** The grant; throws a TypeError for settings that cannot work (no issuer, a symmetric algorithm, a bad URL). */
  constructor(options: IdentityAssertionOptions, private readonly context: IdentityAssertionContext) {
    if (!options.trustedIssuers?.length) {
      throw new TypeError("OAuthProxy: identityAssertion.trustedIssuers must name at least one issuer");
    }
    for (const trusted of options.trustedIssuers) {
      if (!trusted.issuer) throw new TypeError("OAuthProxy: a trusted issuer needs its issuer identifier");
      const algorithms = [...trusted.algorithms ?? KEY_ALGORITHMS];
      for (const alg of algorithms) {
        if (alg === "none" || alg.startsWith("HS")) {
          throw new TypeError(
            `OAuthProxy: ${trusted.issuer}: ${alg} is never accepted; a JWKS verifies asymmetric algorithms only`,
          );
        }
      }
      this.#issuers.set(trusted.issuer, {
        issuer: trusted.issuer,
        algorithms,
        keys: new RemoteKeySet(trusted.jwksUri, {
          fetch: { trustedInternal: trusted.internalJwks ?? false },
        }),
      });
    }
    if (options.clients) {
      this.#clients = new Map();
      for (const { clientId, clientSecret } of options.clients) {
        if (!clientId || !clientSecret) {
          throw new TypeError("OAuthProxy: identityAssertion.clients need a clientId and a clientSecret");
        }
        this.#clients.set(clientId, hash(clientSecret));
      }
    }
    this.#expiresInSeconds = options.accessTokenExpirySeconds ?? 300;
    this.#maxLifetimeSeconds = options.maxAssertionLifetimeSeconds ?? 300;
    this.#skewSeconds = options.clockSkewSeconds ?? 30;
  }

  /** Whether clients authenticate with secrets (the metadata then lists `client_secret_basic` and `client_secret_post`). */
  get confidentialClients(): boolean {
    return this.#clients !== undefined;
  }

  /**
   * A jwt-bearer token request (RFC 7523 §2.1): the client authenticated, the assertion verified
   * and its `jti` spent. Rejects with a {@link TokenError} naming why not.
   */
  async exchange(req: Request, form: FormData | undefined, registry: ClientRegistry): Promise<AssertedGrant> {
    const field = (name: string) => {
      const value = form?.get(name);
      return typeof value === "string" ? value : undefined;
    };
    const clientId = await this.#authenticate(req.headers.get("authorization"), field, registry);
    const resources = form?.getAll("resource") ?? [];
    if (resources.length > 1 || resources.some((r) => !sameResource(String(r), this.context.resource))) {
      throw new TokenError("invalid_target", `the resource must be ${this.context.resource}`);
    }
    const claims = await this.#verify(field("assertion") ?? "");
    if (claims.client_id !== clientId) {
      throw new TokenError("invalid_grant", "the assertion was issued for another client");
    }
    const named = typeof claims.resource === "string" ? [claims.resource] : claims.resource;
    if (!Array.isArray(named) || named.length === 0) {
      throw new TokenError("invalid_grant", "the assertion names no resource");
    }
    if (!named.some((r) => typeof r === "string" && sameResource(r, this.context.resource))) {
      throw new TokenError("invalid_target", `the assertion is not for ${this.context.resource}`);
    }
    await this.#spend(claims);
    return {
      grant: {
        clientId,
        scopes: this.#scopes(claims, field("scope")),
        resource: this.context.resource,
        subject: claims.sub!,
      },
      assertedBy: claims.iss!,
      expiresInSeconds: this.#expiresInSeconds,
    };
  }

  /** The client's id, once it has authenticated: a confidential client by its secret, else a registered public client by its id. */
  async #authenticate(
    authorization: string | null,
    field: (name: string) => string | undefined,
    registry: ClientRegistry,
  ): Promise<string> {
    if (field("client_assertion") !== undefined) {
      throw new TokenError("invalid_client", "client assertions (private_key_jwt) are not accepted here");
    }
    const basic = authorization === null ? undefined : basicCredentials(authorization);
    if (basic && field("client_secret") !== undefined) {
      // RFC 6749 §2.3: a client uses one authentication method per request.
      throw new TokenError("invalid_request", "the client authenticated in more than one way");
    }
    const clientId = basic?.clientId ?? field("client_id");
    const secret = basic?.secret ?? field("client_secret");
    if (!clientId) throw new TokenError("invalid_client", "the client did not say who it is");
    if (basic && field("client_id") !== undefined && field("client_id") !== clientId) {
      throw new TokenError("invalid_client", "the client_id differs from the authenticated client");
    }
    if (this.#clients) {
      const expected = this.#clients.get(clientId);
      // Digests compared, so that the comparison's timing tells nothing of the secret.
      if (!expected || secret === undefined || await hash(secret) !== await expected) {
        throw new TokenError("invalid_client", "the client is unknown or its secret is wrong");
      }
      return clientId;
    }
    if (secret !== undefined) {
      throw new TokenError("invalid_client", "the proxy's clients are public: they send no secret");
    }
    let client;
    try {
      client = await registry.get(clientId);
    } catch (error) {
      if (error instanceof ClientMetadataError) throw new TokenError("invalid_client", error.message);
      throw error;
    }
    if (!client) throw new TokenError("invalid_client", "the client is not registered with this server");
    return clientId;
  }

  /** The assertion's claims once it has passed every check but the client's, the resource's and single use. */
  async #verify(assertion: string): Promise<JWTPayload> {
    if (!assertion) throw new TokenError("invalid_request", "the assertion parameter is missing");
    if (assertion.length > MAX_ASSERTION_CHARS) {
      throw new TokenError("invalid_grant", "the assertion is too large");
    }
    let typ: unknown;
    let iss: unknown;
    try {
      typ = decodeProtectedHeader(assertion).typ;
      iss = decodeJwt(assertion).iss;
    } catch {
      throw new TokenError("invalid_grant", "the assertion is not a JWT");
    }
    // Checked before any key is fetched; media types compare without case and "application/" (RFC 8725 §3.11).
    if (typeof typ !== "string" || typ.toLowerCase().replace(/^application\//, "") !== ID_JAG_TYP) {
      throw new TokenError("invalid_grant", `the assertion is not an ID-JAG (typ ${ID_JAG_TYP})`);
    }
    const trusted = typeof iss === "string" ? this.#issuers.get(iss) : undefined;
    if (!trusted) throw new TokenError("invalid_grant", NOT_TRUSTED);
    const { issuer } = this.context;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await trusted.keys.verify(assertion, {
        issuer: trusted.issuer,
        // The proxy's issuer is an origin, and `https://host` and `https://host/` are one URL;
        // identity providers are often configured with the slash (the extension's own example).
        audience: [issuer, `${issuer}/`],
        algorithms: trusted.algorithms,
        clockTolerance: this.#skewSeconds,
        maxTokenAge: this.#maxLifetimeSeconds,
        requiredClaims: ["sub", "exp", "iat", "jti"],
      }));
    } catch (error) {
      throw new TokenError("invalid_grant", refusal(error));
    }
    // The draft: an `aud` array holds exactly one element, the issuer (no audience injection).
    if (Array.isArray(claims.aud) && claims.aud.length !== 1) {
      throw new TokenError("invalid_grant", "the assertion's aud must name this authorization server alone");
    }
    if (claims.exp! - claims.iat! > this.#maxLifetimeSeconds) {
      throw new TokenError(
        "invalid_grant",
        `the assertion lives longer than ${this.#maxLifetimeSeconds} s; ID-JAGs are short-lived`,
      );
    }
    for (const claim of ["sub", "jti", "client_id"] as const) {
      if (typeof claims[claim] !== "string" || claims[claim] === "") {
        throw new TokenError("invalid_grant", `the assertion's ${claim} claim is missing or not a string`);
      }
    }
    return claims;
  }

  /**
   * Spends the assertion's `jti` (RFC 7523 §3 item 7), in the store so that every replica sees
   * it, for as long as the assertion could still pass (its remaining lifetime and the skew).
   */
  async #spend(claims: JWTPayload): Promise<void> {
    const key = [KEY, "assertions", await hash(JSON.stringify([claims.iss, claims.jti]))];
    const remainingMs = (claims.exp! + this.#skewSeconds) * 1000 - Date.now();
    if (!await this.context.store().setIf(key, null, true, { expireInMs: Math.max(remainingMs, 1_000) })) {
      throw new TokenError("invalid_grant", "the assertion has been used already");
    }
  }

  /** The assertion's scopes, narrowed to those the request names (if any) and to `scopesSupported` (if set). */
  #scopes(claims: JWTPayload, requested: string | undefined): string[] {
    const asserted = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [];
    const asked = requested?.split(" ").filter(Boolean);
    const supported = this.context.scopesSupported();
    return [...new Set(asserted)].filter((s) =>
      (!asked?.length || asked.includes(s)) && (!supported || supported.includes(s))
    );
  }
}

/** HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-urlencoded), or an `invalid_client` refusal. */
function basicCredentials(authorization: string): { clientId: string; secret: string } {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  let decoded: string | undefined;
  try {
    decoded = match ? atob(match[1]) : undefined;
  } catch {
    decoded = undefined;
  }
  const colon = decoded?.indexOf(":") ?? -1;
  if (decoded === undefined || colon < 0) {
    throw new TokenError("invalid_client", "the Authorization header is not HTTP Basic client credentials");
  }
  const part = (text: string) => decodeURIComponent(text.replaceAll("+", " "));
  try {
    return { clientId: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) };
  } catch {
    throw new TokenError("invalid_client", "the Basic credentials are not form-urlencoded");
  }
}

/** Why jose refused the assertion, in words safe to show (never the assertion). */
function refusal(error: unknown): string {
  if (error instanceof KeySetUnavailableError) return "the issuer's signing keys could not be fetched";
  if (error instanceof errors.JWTExpired) return "the assertion has expired, or was issued too long ago";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "the assertion is not for this authorization server (aud)";
    if (error.claim === "nbf") return "the assertion is not valid yet";
    if (error.claim === "iat") return "the assertion was issued in the future";
    return `the assertion's ${error.claim} claim is missing or not accepted`;
  }
  return NOT_TRUSTED;
}
