/**
 * The settings of the OAuth proxy's identity assertion grant (enterprise-managed authorization,
 * SEP-990): the identity providers whose ID-JAGs count, the clients that may present them, and
 * the grant's limits. See `identity_assertion.ts` for the checks.
 *
 * @module
 */

/** The RFC 7523 §2.1 grant type. */
export const JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** The ID-JAG grant profile (the draft's Resource Authorization Server metadata). */
export const ID_JAG_GRANT_PROFILE = "urn:ietf:params:oauth:grant-profile:id-jag";

/**
 * An identity provider whose ID-JAGs the proxy accepts.
 *
 * @example
 * ```ts
 * import type { TrustedIssuer } from "@denomcp/denomcp/auth";
 * const okta: TrustedIssuer = {
 *   issuer: "https://acme.okta.com",
 *   jwksUri: "https://acme.okta.com/oauth2/v1/keys",
 * };
 * ```
 */
export interface TrustedIssuer {
  /** Its issuer identifier, exactly as its ID-JAGs carry it in `iss` (RFC 8414). */
  readonly issuer: string;
  /**
   * Where its signing keys are published (a JWKS): fetched through the guarded fetcher (https,
   * public addresses only, 64 KiB, no redirects), cached, refetched on an unknown `kid`.
   */
  readonly jwksUri: string;
  /**
   * Algorithms accepted from it. Default RS256, PS256, ES256, EdDSA. Never `none`, never HS*:
   * a JWKS holds public keys, and a token "signed" with one as an HMAC secret must not pass.
   */
  readonly algorithms?: readonly string[];
  /**
   * The JWKS URI is on the operator's own network (an identity provider inside the cluster, over
   * plain http): fetched without the https and public-address rules, still bounded in size and
   * time, never redirected. Default false.
   */
  readonly internalJwks?: boolean;
}

/**
 * A client registered with the proxy out of band, with a secret, for the identity assertion
 * grant: it authenticates with HTTP Basic (`client_secret_basic`) or in the body
 * (`client_secret_post`), RFC 6749 §2.3.1.
 *
 * @example
 * ```ts
 * import type { ConfidentialClient } from "@denomcp/denomcp/auth";
 * const agent: ConfidentialClient = { clientId: "ai-agent", clientSecret: "from-the-environment" };
 * ```
 */
export interface ConfidentialClient {
  /** Its id at the proxy: what the identity provider puts in the ID-JAG's `client_id`. */
  readonly clientId: string;
  /** Its secret (kept server-side; compared as a digest). */
  readonly clientSecret: string;
}

/**
 * Settings of the identity assertion grant (SEP-990, ID-JAG): FastMCP 4's
 * `IdentityAssertion(trusted_issuers=[…])`, with each issuer's JWKS URI given.
 *
 * @example
 * ```ts
 * import type { IdentityAssertionOptions } from "@denomcp/denomcp/auth";
 * const identityAssertion: IdentityAssertionOptions = {
 *   trustedIssuers: [{ issuer: "https://acme.okta.com", jwksUri: "https://acme.okta.com/oauth2/v1/keys" }],
 *   clients: [{ clientId: "ai-agent", clientSecret: "from-the-environment" }],
 * };
 * ```
 */
export interface IdentityAssertionOptions {
  /** The identity providers whose ID-JAGs are accepted (at least one). */
  readonly trustedIssuers: readonly TrustedIssuer[];
  /**
   * Confidential clients, registered here out of band. When given, only they may present an
   * ID-JAG, each with its secret: the draft (Security Considerations, "Client Authentication")
   * says the grant SHOULD be for confidential clients only, and the extension assumes clients
   * pre-registered with the server's authorization server. When absent, any client registered
   * with the proxy (dynamic registration or a client ID metadata document, both public) may, by
   * its `client_id` alone, as in FastMCP 4: then the ID-JAG is the only credential, and its short
   * lifetime and single use are what protect it.
   */
  readonly clients?: readonly ConfidentialClient[];
  /**
   * Lifetime of the access tokens issued, in seconds. Default 300: short, since no refresh token
   * comes with them and the identity provider's policy is asked again at each new ID-JAG.
   */
  readonly accessTokenExpirySeconds?: number;
  /** Longest lifetime an ID-JAG may claim (`exp` − `iat`), and oldest its `iat` may be, in seconds. Default 300. */
  readonly maxAssertionLifetimeSeconds?: number;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default 30. */
  readonly clockSkewSeconds?: number;
}
