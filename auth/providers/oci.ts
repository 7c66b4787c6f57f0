/**
 * `OCIProvider`: the OAuth proxy in front of an integrated application of an OCI IAM identity
 * domain, configured by discovery.
 *
 * @module
 */

import { OIDCProxy, type OIDCProxyOptions, type ProviderDiscovery } from "./oidc_proxy.ts";

/** Options of {@link OCIProvider}. */
export type OCIProviderOptions = OIDCProxyOptions;

/**
 * An OCI IAM identity domain as the identity provider (`await OCIProvider.discover({ … })`).
 *
 * - Discovery: `configUrl`, `https://idcs-{guid}.identity.oraclecloud.com/.well-known/openid-configuration`.
 *   Every domain names the same issuer, `https://identity.oraclecloud.com/`, not its own URL: that
 *   is the `upstreamIssuer` expected by default.
 * - Endpoints (from discovery): `/oauth2/v1/authorize`, `/oauth2/v1/token`, `/oauth2/v1/revoke`,
 *   keys at `/admin/v1/SigningCert/jwk` (readable without a token only when the domain's
 *   "Configure client access" to the signing certificate is on). The domain lists
 *   `client_secret_basic` only, which the proxy then uses.
 * - Default upstream scopes: `openid`.
 * - Give `audience` (the app's primary audience) to have the upstream JWTs verified on use. The
 *   domain's access token is not an OCI API credential: exchange it for a UPST first.
 *
 * @example
 * ```ts
 * import { OCIProvider } from "@denomcp/denomcp/auth";
 * const auth = await OCIProvider.discover({
 *   configUrl: "https://idcs-0123456789abcdef.identity.oraclecloud.com/.well-known/openid-configuration",
 *   clientId: "the integrated application's client id",
 *   clientSecret: Deno.env.get("OCI_CLIENT_SECRET") ?? "",
 *   baseUrl: "https://notes.example.com",
 *   jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 * });
 * ```
 */
export const OCIProvider: ProviderDiscovery<OCIProviderOptions> = {
  discover: (options) =>
    OIDCProxy.discover({
      ...options,
      upstreamIssuer: options.upstreamIssuer ?? "https://identity.oraclecloud.com/",
    }),
};
