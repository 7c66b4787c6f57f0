/**
 * `KeycloakProvider`: the OAuth proxy in front of a confidential client of a Keycloak realm,
 * configured by discovery.
 *
 * @module
 */

import { OIDCProxy, type OIDCProxyOptions, type ProviderDiscovery } from "./oidc_proxy.ts";

/** Options of {@link KeycloakProvider}. */
export interface KeycloakProviderOptions extends Omit<OIDCProxyOptions, "configUrl"> {
  /** The realm's URL, its issuer: `https://keycloak.example.com/realms/{realm}`. */
  realmUrl: string;
}

/**
 * Keycloak as the identity provider (`await KeycloakProvider.discover({ … })`).
 *
 * - Discovery: `{realmUrl}/.well-known/openid-configuration`; the issuer is the realm URL as
 *   Keycloak's configured hostname makes it: discovered through another address (an internal
 *   one), give `upstreamIssuer`.
 * - Endpoints (from discovery): `{realmUrl}/protocol/openid-connect/auth`, `…/token`, `…/revoke`,
 *   keys at `…/certs`.
 * - Default upstream scopes: `openid` (Keycloak gives refresh tokens without `offline_access`,
 *   which would make an offline session that outlives the user's).
 * - Upstream access tokens are JWTs whose `aud` is `account` unless an audience mapper adds one:
 *   add a mapper and give that `audience` to have them verified on use.
 *
 * @example
 * ```ts
 * import { KeycloakProvider } from "@denomcp/denomcp/auth";
 * const auth = await KeycloakProvider.discover({
 *   realmUrl: "https://keycloak.example.com/realms/notes",
 *   clientId: "mcp-proxy",
 *   clientSecret: Deno.env.get("KEYCLOAK_CLIENT_SECRET") ?? "",
 *   audience: "notes-mcp",
 *   baseUrl: "https://notes.example.com",
 *   jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 * });
 * ```
 */
export const KeycloakProvider: ProviderDiscovery<KeycloakProviderOptions> = {
  discover: ({ realmUrl, ...options }) =>
    OIDCProxy.discover({
      ...options,
      configUrl: `${realmUrl.replace(/\/+$/, "")}/.well-known/openid-configuration`,
    }),
};
