/**
 * `OIDCProxy`: the OAuth proxy for any OpenID provider, configured from its discovery document
 * (the endpoints, the signing keys, how the proxy's client authenticates), and the generic
 * provider the OpenID ones (Auth0, Okta, Keycloak, OCI) are configurations of.
 *
 * @module
 */

import { JWTVerifier } from "../jwt_verifier.ts";
import { OAuthProxy } from "../oauth_proxy/oauth_proxy.ts";
import type { OAuthProxyOptions } from "../oauth_proxy/options.ts";
import { checkConfiguration, fetchConfiguration, type OIDCConfiguration } from "./oidc_discovery.ts";
import { type ProviderOptions, proxyOptions } from "./options.ts";

/** Options of {@link OIDCProxy}. */
export interface OIDCProxyOptions extends ProviderOptions {
  /** The provider's discovery URL (`https://idp.example.com/.well-known/openid-configuration`). */
  configUrl: string;
  /**
   * The issuer the document must name, exactly. Default: the one `configUrl` was built from. For
   * providers whose issuer is not their discovery URL's (OCI's `https://identity.oraclecloud.com/`).
   */
  upstreamIssuer?: string;
  /**
   * The API the provider's access tokens are for: sent as `audience` to its authorization and
   * token endpoints (Auth0 needs it; others ignore it, as RFC 6749 §3.1 says they must), and the
   * `aud` those tokens are verified for.
   */
  audience?: string;
  /**
   * Check the provider's access tokens on use with a `JWTVerifier` on its published keys (issuer
   * the document's, audience `audience`): for providers that issue JWT access tokens. Default true
   * when `audience` is given; ignored when `tokenVerifier` is.
   */
  verifyUpstreamTokens?: boolean;
  /** Longest the discovery fetch may take, in ms. Default 10,000. */
  discoveryTimeoutMs?: number;
}

/**
 * How a provider configured by discovery is built: `await Auth0Provider.discover({ … })`.
 *
 * @example
 * ```ts
 * import { type OIDCProxy, type OIDCProxyOptions, type ProviderDiscovery } from "@denomcp/denomcp/auth";
 * declare const Generic: ProviderDiscovery<OIDCProxyOptions>;
 * const build = (options: OIDCProxyOptions): Promise<OIDCProxy> => Generic.discover(options);
 * ```
 */
export interface ProviderDiscovery<Options> {
  /** Fetches the provider's configuration and builds the proxy; rejects when it cannot be had, or names another issuer. */
  discover(options: Options): Promise<OIDCProxy>;
}

/**
 * The OAuth proxy in front of an OpenID provider, configured from its discovery document.
 *
 * - Endpoints: the document's `authorization_endpoint`, `token_endpoint`, `revocation_endpoint`
 *   and `jwks_uri`. The document must name the issuer its URL was built from.
 * - Default upstream scopes: `openid` (the user is the id token's `sub`).
 * - The proxy's client authenticates with `client_secret_post` when the document lists it, else
 *   `client_secret_basic` (the default of Discovery §3); `tokenEndpointAuthMethod` decides otherwise.
 * - Upstream tokens are checked on use when `audience` is given (see `verifyUpstreamTokens`);
 *   for opaque access tokens, give an `IntrospectionVerifier` as `tokenVerifier`.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { OIDCProxy } from "@denomcp/denomcp/auth";
 * const auth = await OIDCProxy.discover({
 *   configUrl: "https://idp.example.com/.well-known/openid-configuration",
 *   clientId: "mcp-proxy",
 *   clientSecret: Deno.env.get("IDP_CLIENT_SECRET") ?? "",
 *   audience: "https://notes.example.com/mcp",
 *   baseUrl: "https://notes.example.com",
 *   jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 * });
 * const mcp = new FastMCP({ name: "notes", auth });
 * ```
 */
export class OIDCProxy extends OAuthProxy {
  /** The provider's configuration, as checked (endpoints resolved). */
  readonly configuration: OIDCConfiguration;

  /**
   * Creates the proxy from a discovery document already at hand (see {@link OIDCProxy.discover});
   * throws when it names another issuer, or lacks what the options need.
   */
  constructor(options: OIDCProxyOptions, configuration: OIDCConfiguration) {
    const checked = checkConfiguration(configuration, options.configUrl, options.upstreamIssuer);
    super(oidcProxyOptions(options, checked));
    this.configuration = checked;
  }

  /**
   * Fetches the discovery document at `configUrl` (once: bounded in time and to 256 KiB, no
   * redirects followed) and creates the proxy from it.
   *
   * @example
   * ```ts
   * import { OIDCProxy } from "@denomcp/denomcp/auth";
   * const auth = await OIDCProxy.discover({
   *   configUrl: "https://idp.example.com/.well-known/openid-configuration",
   *   clientId: "mcp-proxy",
   *   clientSecret: Deno.env.get("IDP_CLIENT_SECRET") ?? "",
   *   baseUrl: "https://notes.example.com",
   *   jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
   * });
   * console.log(auth.configuration.token_endpoint);
   * ```
   */
  static async discover(options: OIDCProxyOptions): Promise<OIDCProxy> {
    return new OIDCProxy(options, await fetchConfiguration(options.configUrl, options.discoveryTimeoutMs));
  }
}

function oidcProxyOptions(options: OIDCProxyOptions, configuration: OIDCConfiguration): OAuthProxyOptions {
  const {
    configUrl: _configUrl,
    upstreamIssuer: _upstreamIssuer,
    discoveryTimeoutMs: _discoveryTimeoutMs,
    audience,
    verifyUpstreamTokens = audience !== undefined,
    ...rest
  } = options;
  let tokenVerifier = rest.tokenVerifier;
  if (!tokenVerifier && verifyUpstreamTokens) {
    if (audience === undefined) {
      throw new TypeError(
        "OIDCProxy: verifyUpstreamTokens needs audience (the aud of the provider's access tokens)",
      );
    }
    if (!configuration.jwks_uri) {
      throw new TypeError("OIDCProxy: the discovery document has no jwks_uri to verify upstream tokens with");
    }
    tokenVerifier = new JWTVerifier({
      jwksUri: configuration.jwks_uri,
      issuer: configuration.issuer,
      audience,
      // The keys' URL comes from the document the operator pointed to, as the endpoints do: an
      // internal provider (a Keycloak on a private network) is reached; the size and time caps stay.
      fetch: { trustedInternal: true },
    });
  }
  const audienceParam: Record<string, string> = audience !== undefined ? { audience } : {};
  return proxyOptions({
    ...rest,
    upstreamScopes: rest.upstreamScopes ?? ["openid"],
    extraAuthorizeParams: { ...audienceParam, ...rest.extraAuthorizeParams },
    extraTokenParams: { ...audienceParam, ...rest.extraTokenParams },
    tokenEndpointAuthMethod: rest.tokenEndpointAuthMethod ?? clientAuthentication(configuration),
    ...(tokenVerifier ? { tokenVerifier } : {}),
  }, {
    authorization: configuration.authorization_endpoint,
    token: configuration.token_endpoint,
    revocation: configuration.revocation_endpoint,
  });
}

function clientAuthentication(
  configuration: OIDCConfiguration,
): OAuthProxyOptions["tokenEndpointAuthMethod"] {
  const methods = configuration.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  if (methods.includes("client_secret_post")) return "client_secret_post";
  return methods.includes("client_secret_basic") ? "client_secret_basic" : "client_secret_post";
}
