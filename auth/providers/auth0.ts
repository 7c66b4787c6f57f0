/**
 * `Auth0Provider`: the OAuth proxy in front of an Auth0 application, configured by discovery.
 *
 * @module
 */

import { OIDCProxy, type OIDCProxyOptions, type ProviderDiscovery } from "./oidc_proxy.ts";

/** Options of {@link Auth0Provider}. */
export interface Auth0ProviderOptions extends Omit<OIDCProxyOptions, "audience" | "upstreamIssuer"> {
  /** The Auth0 API's identifier: without it Auth0 issues no JWT access token. */
  audience: string;
}

/**
 * Auth0 as the identity provider (`await Auth0Provider.discover({ … })`).
 *
 * - Discovery: `configUrl`, `https://{tenant}.auth0.com/.well-known/openid-configuration` (or the
 *   custom domain's); its issuer ends with a `/`, which the issuer check allows.
 * - Endpoints (from discovery): `/authorize`, `/oauth/token`, `/oauth/revoke`, keys at
 *   `/.well-known/jwks.json`.
 * - Default upstream scopes: `openid offline_access` (a refresh token needs `offline_access` and
 *   "Allow Offline Access" on the API).
 * - `audience` goes to the authorization and token endpoints, and the upstream access tokens (RS256
 *   JWTs) are verified for it on use.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { Auth0Provider } from "@denomcp/denomcp/auth";
 * const auth = await Auth0Provider.discover({
 *   configUrl: "https://example.us.auth0.com/.well-known/openid-configuration",
 *   clientId: "the application's client id",
 *   clientSecret: Deno.env.get("AUTH0_CLIENT_SECRET") ?? "",
 *   audience: "https://notes.example.com/api",
 *   baseUrl: "https://notes.example.com",
 *   jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 * });
 * const mcp = new FastMCP({ name: "notes", auth });
 * ```
 */
export const Auth0Provider: ProviderDiscovery<Auth0ProviderOptions> = {
  discover: (options) =>
    OIDCProxy.discover({
      ...options,
      upstreamScopes: options.upstreamScopes ?? ["openid", "offline_access"],
    }),
};
