/**
 * `OktaProvider`: the OAuth proxy in front of an Okta application, configured by discovery of one
 * of the org's authorization servers.
 *
 * @module
 */

import { OIDCProxy, type OIDCProxyOptions, type ProviderDiscovery } from "./oidc_proxy.ts";
import { siteUrl } from "./options.ts";

/** Options of {@link OktaProvider}. */
export interface OktaProviderOptions extends Omit<OIDCProxyOptions, "configUrl" | "upstreamIssuer"> {
  /** The Okta org: a host (`dev-123456.okta.com`, https) or a URL. */
  domain: string;
  /** The custom authorization server. Default `default`. */
  authorizationServerId?: string;
}

/**
 * Okta as the identity provider (`await OktaProvider.discover({ … })`).
 *
 * - Discovery: `https://{domain}/oauth2/{authorizationServerId}/.well-known/openid-configuration`;
 *   the issuer is `https://{domain}/oauth2/{authorizationServerId}`. (The org authorization server
 *   issues access tokens for Okta's own APIs only, so a custom one is used.)
 * - Endpoints (from discovery): `…/v1/authorize`, `…/v1/token`, `…/v1/revoke`, keys at `…/v1/keys`.
 * - Default upstream scopes: `openid offline_access` (Okta gives a refresh token only with
 *   `offline_access`, and only when the app allows the refresh token grant).
 * - Upstream access tokens are JWTs: give `audience` (the server's, `api://default` for the
 *   default one as shipped) to have them verified on use.
 *
 * @example
 * ```ts
 * import { OktaProvider } from "@denomcp/denomcp/auth";
 * const auth = await OktaProvider.discover({
 *   domain: "dev-123456.okta.com",
 *   clientId: "0oa1b2c3d4",
 *   clientSecret: Deno.env.get("OKTA_CLIENT_SECRET") ?? "",
 *   audience: "api://default",
 *   baseUrl: "https://notes.example.com",
 *   jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 * });
 * ```
 */
export const OktaProvider: ProviderDiscovery<OktaProviderOptions> = {
  discover: ({ domain, authorizationServerId = "default", ...options }) =>
    OIDCProxy.discover({
      ...options,
      configUrl: `${siteUrl(domain)}/oauth2/${authorizationServerId}/.well-known/openid-configuration`,
      upstreamScopes: options.upstreamScopes ?? ["openid", "offline_access"],
    }),
};
