/**
 * What every ready-made identity provider takes: the OAuth proxy's settings, with the proxy's
 * client at the provider named as FastMCP names it (`clientId`, `clientSecret`); the provider
 * fills in its endpoints.
 *
 * @module
 */

import type { OAuthProxyOptions } from "../oauth_proxy/options.ts";
import { UpstreamError } from "../oauth_proxy/upstream.ts";
import type { TokenVerifier } from "../access_token.ts";

/**
 * Options every provider takes: those of `OAuthProxy` but the upstream endpoints (the provider
 * knows them) and the upstream client, named `clientId` and `clientSecret` here. `requiredScopes`
 * and `scopesSupported` are the MCP server's own scopes; `upstreamScopes` are asked of the
 * provider (each provider has a default).
 *
 * @example
 * ```ts
 * import type { ProviderOptions } from "@denomcp/denomcp/auth";
 * const options: ProviderOptions = {
 *   clientId: "the proxy's OAuth app at the provider",
 *   clientSecret: "from-the-environment",
 *   baseUrl: "https://mcp.example.com",
 *   jwtSigningKey: "at least 32 bytes of secret, from the environment",
 * };
 * ```
 */
export interface ProviderOptions extends
  Omit<
    OAuthProxyOptions,
    | "upstreamAuthorizationEndpoint"
    | "upstreamTokenEndpoint"
    | "upstreamRevocationEndpoint"
    | "upstreamClientId"
    | "upstreamClientSecret"
  > {
  /** The proxy's client id at the provider (the OAuth app registered there). */
  clientId: string;
  /** The proxy's client secret there (kept server-side: never in a response). */
  clientSecret: string;
}

/** The upstream endpoints a provider fills in. */
export interface ProviderEndpoints {
  readonly authorization: string;
  readonly token: string;
  readonly revocation?: string;
}

/** `OAuthProxy`'s options from a provider's options and its endpoints. */
export function proxyOptions(
  { clientId, clientSecret, ...rest }: ProviderOptions,
  endpoints: ProviderEndpoints,
): OAuthProxyOptions {
  return {
    ...rest,
    upstreamAuthorizationEndpoint: endpoints.authorization,
    upstreamTokenEndpoint: endpoints.token,
    ...(endpoints.revocation ? { upstreamRevocationEndpoint: endpoints.revocation } : {}),
    upstreamClientId: clientId,
    upstreamClientSecret: clientSecret,
  };
}

/**
 * A provider's site from a host (`dev-1.okta.com`: https) or a URL (`http://127.0.0.1:8080`, a
 * stand-in), without a trailing slash.
 */
export function siteUrl(hostOrUrl: string): string {
  const url = /^https?:\/\//i.test(hostOrUrl) ? hostOrUrl : `https://${hostOrUrl}`;
  new URL(url);
  return url.replace(/\/+$/, "");
}

/**
 * The user's id from what `verifier` says of the upstream access token (for providers whose
 * token response carries no id token, or whose API names the user more reliably). A refusal ends
 * the sign-in with `server_error` at the client, without the provider's words.
 */
export function identityFrom(
  provider: string,
  verifier: TokenVerifier,
): NonNullable<OAuthProxyOptions["identity"]> {
  return async ({ accessToken }) => {
    let subject: string | undefined;
    try {
      subject = (await verifier.verify(accessToken)).subject;
    } catch {
      // Why is in the verifier's refusal; the client only learns that the sign-in failed.
    }
    if (!subject) throw new UpstreamError("server_error", `${provider} did not name the signed-in user`);
    return subject;
  };
}
