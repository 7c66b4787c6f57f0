/**
 * The OAuth proxy's settings, in FastMCP's names (camelCase), and the shapes it hands the server.
 *
 * @module
 */

import type { TokenVerifier } from "../access_token.ts";
import type { GuardedResponse } from "../guarded_fetch.ts";
import type { IdentityAssertionOptions } from "./identity_assertion_options.ts";

/**
 * How users consent to a client:
 * - `true` (the default, `"always"`): the proxy's consent page on every authorization;
 * - `"remember"`: an approval is remembered (a signed `__Host-` cookie per client, redirect URI
 *   and scope set) and later ones pass silently, but only when the browser says the navigation
 *   started on this site or by the user (`Sec-Fetch-Site` `none`, `same-origin` or `same-site`);
 *   a cross-site or missing header shows the page (an authorization server in the middle can
 *   bounce a browser here; §5 #4). The header is a browser heuristic: `true` is the strong setting;
 * - `"external"`: consent happens elsewhere (the identity provider's own screen);
 * - `false`: no consent at all: development only, and the proxy warns when it starts.
 */
export type ConsentMode = boolean | "always" | "remember" | "external";

/**
 * Options of `OAuthProxy`, in FastMCP's names.
 *
 * @example
 * ```ts
 * import type { OAuthProxyOptions } from "@denomcp/denomcp/auth";
 * const options: OAuthProxyOptions = {
 *   upstreamAuthorizationEndpoint: "https://idp.example.com/authorize",
 *   upstreamTokenEndpoint: "https://idp.example.com/token",
 *   upstreamClientId: "mcp-proxy",
 *   upstreamClientSecret: "from-the-environment",
 *   baseUrl: "https://mcp.example.com",
 *   jwtSigningKey: "at least 32 bytes of secret, from the environment",
 * };
 * ```
 */
export interface OAuthProxyOptions {
  /** The identity provider's authorization endpoint. */
  upstreamAuthorizationEndpoint: string;
  /** The identity provider's token endpoint. */
  upstreamTokenEndpoint: string;
  /** The identity provider's revocation endpoint (RFC 7009): revoking a proxy token revokes its upstream one there too. */
  upstreamRevocationEndpoint?: string;
  /** The proxy's client id at the identity provider. */
  upstreamClientId: string;
  /** The proxy's client secret there (kept server-side: never in a response). */
  upstreamClientSecret: string;
  /**
   * Checks the upstream access token on each use (a JWKS-backed `JWTVerifier`, introspection, a
   * provider's user endpoint). A token it refuses is refreshed once when it can be, else the
   * request is refused: a session ended at the identity provider ends here too. Without it the
   * upstream token's own expiry is trusted.
   */
  tokenVerifier?: TokenVerifier;
  /** The server's origin (`https://host[:port]`); the proxy's issuer and the MCP endpoint's base. */
  baseUrl: string;
  /** The MCP endpoint's path. Default `/mcp`. */
  mcpPath?: string;
  /** Where the upstream sends the browser back. Default `/auth/callback`. */
  redirectPath?: string;
  /** The secret every key of the proxy is derived from (at least 32 bytes). */
  jwtSigningKey: string;
  /**
   * Fetches client ID metadata documents. Default: the guarded fetcher (https to global addresses
   * only, no redirects, bounded in bytes and time). Replace it only to route through an egress
   * proxy, or in tests to reach a document served locally; the limits it is given still apply.
   */
  clientMetadataFetch?: (
    url: string,
    options: { maxBytes: number; timeoutMs: number; headers: HeadersInit },
  ) => Promise<GuardedResponse>;
  /** Patterns client redirect URIs must also match (none: the registered ones decide). */
  allowedClientRedirectUris?: string[];
  /** How users consent; see {@link ConsentMode}. Default `true` (always ask). */
  requireAuthorizationConsent?: ConsentMode;
  /** How long a remembered approval lasts (`"remember"` mode), in seconds. Default 30 days. */
  consentMemorySeconds?: number;
  /** Scopes asked of the upstream. */
  upstreamScopes?: string[];
  /** Scopes clients may ask for (any when absent). */
  scopesSupported?: string[];
  /** Scopes every token must carry. */
  requiredScopes?: string[];
  /**
   * Lifetime of the proxy's access tokens, in seconds. Default 3,600. Decoupled from the upstream
   * token's (which is refreshed behind it), but never longer than the upstream token's when the
   * upstream gave no refresh token.
   */
  accessTokenExpirySeconds?: number;
  /** Lifetime of the proxy's refresh tokens, in seconds; never longer than the upstream refresh token's. Default 30 days. */
  refreshTokenExpirySeconds?: number;
  /** The upstream token counts as expired this many seconds early, and is refreshed then. Default 60. */
  tokenExpiryThresholdSeconds?: number;
  /** Further upstream authorization parameters. */
  extraAuthorizeParams?: Record<string, string>;
  /** Further upstream token request parameters (a provider's `audience`, say). */
  extraTokenParams?: Record<string, string>;
  /** How the proxy authenticates upstream. Default `client_secret_post`. */
  tokenEndpointAuthMethod?: "client_secret_post" | "client_secret_basic";
  /** The user's id from the upstream tokens. Default: the id token's `sub` (received directly over TLS, OIDC Core §3.1.3.7). */
  identity?: (tokens: UpstreamSignIn) => Promise<string>;
  /**
   * Enterprise-managed authorization (SEP-990): `/token` also takes the RFC 7523 jwt-bearer grant
   * with an identity provider's ID-JAG, and gives an access token of the proxy's with no upstream
   * session and no refresh token. Off unless set; see {@link IdentityAssertionOptions}.
   */
  identityAssertion?: IdentityAssertionOptions;
}

/**
 * What the identity provider's token endpoint gave at sign-in (for `identity`).
 *
 * @example
 * ```ts
 * import type { UpstreamSignIn } from "@denomcp/denomcp/auth";
 * const identity = (tokens: UpstreamSignIn) => Promise.resolve(tokens.idToken ? "from the id token" : "unknown");
 * ```
 */
export interface UpstreamSignIn {
  /** Its access token. */
  readonly accessToken: string;
  /** Its refresh token, if any. */
  readonly refreshToken?: string;
  /** When its access token expires (ms since the epoch), if it said. */
  readonly expiresAt?: number;
  /** Its OpenID Connect id token, if any. */
  readonly idToken?: string;
}

/**
 * A route the server serves for the proxy.
 *
 * @example
 * ```ts
 * import type { ProxyRoute } from "@denomcp/denomcp/auth";
 * const health: ProxyRoute = { path: "/health", methods: ["GET"], handler: () => Promise.resolve(new Response("ok")) };
 * ```
 */
export interface ProxyRoute {
  /** The route's path. */
  readonly path: string;
  /** Its HTTP methods. */
  readonly methods: string[];
  /** Answers a request. */
  readonly handler: (req: Request) => Promise<Response>;
}
