/**
 * `AzureProvider`: the OAuth proxy in front of Microsoft Entra ID (v2.0 endpoints), and, through
 * {@link AzureProvider.fromB2C}, Azure AD B2C. Entra names an API's scopes by the API's
 * identifier URI (`api://{client id}/read`) and takes no `resource` parameter on v2.0, so the
 * proxy prefixes this server's scopes on the way up, and sends them again on every token request
 * (Entra wants `scope` there too, and only one resource's scopes per request).
 *
 * @module
 */

import { JWTVerifier } from "../jwt_verifier.ts";
import { OAuthProxy } from "../oauth_proxy/oauth_proxy.ts";
import type { OAuthProxyOptions } from "../oauth_proxy/options.ts";
import { type ProviderOptions, proxyOptions, siteUrl } from "./options.ts";

/** Options of {@link AzureProvider}. */
export interface AzureProviderOptions extends Omit<ProviderOptions, "requiredScopes" | "upstreamScopes"> {
  /**
   * The directory (tenant) id: its GUID, so that the issuer of its tokens can be pinned. The
   * multi-tenant values `organizations`, `common` and `consumers` need `tokenIssuer` (or a
   * `tokenVerifier`, or `verifyUpstreamTokens: false`).
   */
  tenantId: string;
  /**
   * This server's API scopes, unprefixed (`["read", "write"]`): what clients may ask for, what
   * every token must carry, and, prefixed with `identifierUri`, what Entra is asked for and what
   * its access tokens' `scp` must hold. At least one that is not an OpenID scope.
   */
  requiredScopes: string[];
  /** The API's Application ID URI. Default `api://{clientId}`. */
  identifierUri?: string;
  /** Further scopes asked of Entra, in full (`User.Read` for Microsoft Graph); never prefixed, never required. */
  additionalAuthorizeScopes?: string[];
  /** Entra's authority: a host (`login.microsoftonline.us` for Azure Government) or a URL. Default `login.microsoftonline.com`. */
  baseAuthority?: string;
  /** The `iss` of Entra's access tokens. Default `{authority}/{tenantId}/v2.0`. */
  tokenIssuer?: string;
  /** Check Entra's access tokens on use (a `JWTVerifier` on the tenant's keys). Default true. */
  verifyUpstreamTokens?: boolean;
}

/** Options of {@link AzureProvider.fromB2C}. */
export interface AzureB2COptions extends Omit<AzureProviderOptions, "tenantId" | "baseAuthority"> {
  /** The B2C tenant's short name (`contoso`, not `contoso.onmicrosoft.com`). */
  tenantName: string;
  /** The user flow or custom policy (`B2C_1_signupsignin`). */
  policyName: string;
  /** A custom domain for the B2C authority. Default `{tenantName}.b2clogin.com`. */
  customDomain?: string;
}

/** OpenID scopes: sent as they are, never prefixed, and never in an access token's `scp`. */
const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
/** Tenants that sign in users of any directory: their tokens' issuer names the user's. */
const MULTI_TENANT = new Set(["common", "organizations", "consumers"]);

/**
 * Microsoft Entra ID as the identity provider.
 *
 * - Endpoints: `https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/authorize` and
 *   `…/oauth2/v2.0/token`; keys at `…/{tenantId}/discovery/v2.0/keys`; no revocation endpoint.
 * - Default upstream scopes: the `requiredScopes` prefixed with `identifierUri`, the
 *   `additionalAuthorizeScopes`, `openid` and `offline_access`. Token requests (code and
 *   refresh) carry the prefixed scopes and the OpenID ones, not the additional ones (Entra
 *   allows one resource per token request, AADSTS28000, and requires `scope`, AADSTS28003).
 * - Upstream check: a `JWTVerifier` (RS256, issuer `{authority}/{tenantId}/v2.0`, audience the
 *   client id or `identifierUri`, `scp` holding the non-OpenID `requiredScopes`). Set
 *   `"requestedAccessTokenVersion": 2` in the app's manifest: v1 tokens have another issuer.
 * - Quirks: `prompt=select_account` is sent by default; the user is the id token's `sub`
 *   (pairwise per app; the `oid` claim names the user across apps). The upstream token is for this
 *   API: calling Microsoft Graph as the user needs an on-behalf-of exchange.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { AzureProvider } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "notes",
 *   auth: new AzureProvider({
 *     tenantId: "00000000-0000-0000-0000-000000000000",
 *     clientId: "11111111-1111-1111-1111-111111111111",
 *     clientSecret: Deno.env.get("AZURE_CLIENT_SECRET") ?? "",
 *     requiredScopes: ["notes.read"],
 *     additionalAuthorizeScopes: ["User.Read"],
 *     baseUrl: "https://notes.example.com",
 *     jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 *   }),
 * });
 * ```
 */
export class AzureProvider extends OAuthProxy {
  /** Creates the proxy; throws a TypeError without a non-OpenID scope, or for a multi-tenant id it cannot verify. */
  constructor(options: AzureProviderOptions) {
    super(entraOptions(options));
  }

  /**
   * Azure AD B2C: the policy is part of every endpoint's path
   * (`https://{tenantName}.b2clogin.com/{tenantName}.onmicrosoft.com/{policyName}/oauth2/v2.0/…`),
   * and `identifierUri` defaults to `https://{tenantName}.onmicrosoft.com/{clientId}`. B2C tokens'
   * issuer names the tenant's GUID, so they are checked on use only when `tokenIssuer` is given.
   * B2C has no on-behalf-of flow.
   *
   * @example
   * ```ts
   * import { AzureProvider } from "@denomcp/denomcp/auth";
   * const auth = AzureProvider.fromB2C({
   *   tenantName: "contoso",
   *   policyName: "B2C_1_signupsignin",
   *   clientId: "11111111-1111-1111-1111-111111111111",
   *   clientSecret: Deno.env.get("B2C_CLIENT_SECRET") ?? "",
   *   requiredScopes: ["notes.read"],
   *   baseUrl: "https://notes.example.com",
   *   jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
   * });
   * ```
   */
  static fromB2C(options: AzureB2COptions): AzureProvider {
    const { tenantName, policyName, customDomain, ...rest } = options;
    if (tenantName.includes(".")) {
      throw new TypeError("AzureProvider.fromB2C: tenantName is the short name, without .onmicrosoft.com");
    }
    return new AzureProvider({
      ...rest,
      tenantId: `${tenantName}.onmicrosoft.com/${policyName}`,
      baseAuthority: customDomain ?? `${tenantName}.b2clogin.com`,
      identifierUri: rest.identifierUri ?? `https://${tenantName}.onmicrosoft.com/${rest.clientId}`,
      verifyUpstreamTokens: rest.verifyUpstreamTokens ?? rest.tokenIssuer !== undefined,
    });
  }
}

function entraOptions(options: AzureProviderOptions): OAuthProxyOptions {
  const {
    tenantId,
    requiredScopes,
    identifierUri,
    additionalAuthorizeScopes = [],
    baseAuthority,
    tokenIssuer,
    verifyUpstreamTokens = true,
    ...rest
  } = options;
  const apiScopes = requiredScopes.filter((scope) => !OIDC_SCOPES.has(scope));
  if (!apiScopes.length) {
    throw new TypeError(
      "AzureProvider: requiredScopes needs one of this API's scopes (openid, profile, email and " +
        "offline_access never appear in Entra's access tokens)",
    );
  }
  const tenant = `${siteUrl(baseAuthority ?? "login.microsoftonline.com")}/${tenantId}`;
  const apiUri = identifierUri ?? `api://${rest.clientId}`;
  const prefixed = requiredScopes.map((scope) => prefixScope(scope, apiUri));
  const upstreamScopes = unique([...prefixed, ...additionalAuthorizeScopes, "openid", "offline_access"]);
  const tokenScopes = unique([...prefixed, ...upstreamScopes.filter((scope) => OIDC_SCOPES.has(scope))]);
  let tokenVerifier = rest.tokenVerifier;
  if (!tokenVerifier && verifyUpstreamTokens) {
    if (MULTI_TENANT.has(tenantId) && !tokenIssuer) {
      throw new TypeError(
        `AzureProvider: tenant '${tenantId}' signs in users of any directory; give tokenIssuer ` +
          "(or a tokenVerifier, or verifyUpstreamTokens: false)",
      );
    }
    tokenVerifier = new JWTVerifier({
      jwksUri: `${tenant}/discovery/v2.0/keys`,
      issuer: tokenIssuer ?? `${tenant}/v2.0`,
      audience: [rest.clientId, apiUri],
      algorithms: ["RS256"],
      requiredScopes: apiScopes,
    });
  }
  return proxyOptions({
    ...rest,
    requiredScopes,
    scopesSupported: rest.scopesSupported ?? requiredScopes,
    upstreamScopes,
    extraAuthorizeParams: { prompt: "select_account", ...rest.extraAuthorizeParams },
    extraTokenParams: { scope: tokenScopes.join(" "), ...rest.extraTokenParams },
    ...(tokenVerifier ? { tokenVerifier } : {}),
  }, {
    authorization: `${tenant}/oauth2/v2.0/authorize`,
    token: `${tenant}/oauth2/v2.0/token`,
  });
}

/** An API scope in Entra's form: OpenID scopes and scopes already in full (`…/x`, `api://…`) as they are. */
function prefixScope(scope: string, apiUri: string): string {
  return OIDC_SCOPES.has(scope) || scope.includes("/") ? scope : `${apiUri}/${scope}`;
}

function unique(scopes: string[]): string[] {
  return [...new Set(scopes)];
}
