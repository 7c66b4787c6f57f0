/**
 * `OAuthProxy`: an authorization server façade for identity providers that do not register MCP
 * clients (FastMCP's design): MCP clients register with the proxy (dynamic registration or a
 * client ID metadata document), consent on the proxy's page, sign in upstream through the
 * proxy's own confidential client, and get the proxy's tokens; the upstream tokens stay sealed
 * in the store and are refreshed behind the proxy's. The server serves the proxy's routes beside
 * the MCP endpoint and verifies its tokens there. With `identityAssertion`, clients of an
 * enterprise's identity provider trade its ID-JAGs for the proxy's tokens too (SEP-990).
 *
 * @module
 */

import type { Store } from "../../server/store/store.ts";
import { type AccessToken, AuthError, type TokenVerifier } from "../access_token.ts";
import { RemoteAuthProvider } from "../remote_provider.ts";
import { register, revoke, token } from "./endpoints.ts";
import { IdentityAssertionGrant } from "./identity_assertion.ts";
import { authorizationServerMetadata, METADATA_PATHS } from "./metadata.ts";
import type { OAuthProxyOptions, ProxyRoute } from "./options.ts";
import { createParts, type ProxyParts, type ProxyView } from "./proxy_parts.ts";
import { ProxyTokenVerifier } from "./proxy_verifier.ts";
import { SignIn } from "./sign_in.ts";
import type { UpstreamConfig } from "./upstream.ts";

/**
 * Scopes decided at run time, for {@link OAuthProxy.updateScopes}; each one given replaces the
 * configured value.
 *
 * @example
 * ```ts
 * import type { ProxyScopes } from "@denomcp/denomcp/auth";
 * const scopes: ProxyScopes = { supported: ["notes:read", "notes:write"], upstream: ["openid", "email"] };
 * ```
 */
export interface ProxyScopes {
  /** Scopes clients may ask for (advertised in both metadata documents and in challenges). */
  readonly supported?: readonly string[];
  /** Scopes every token must carry. */
  readonly required?: readonly string[];
  /** Scopes asked of the upstream. */
  readonly upstream?: readonly string[];
}

/**
 * The OAuth proxy. Pass it as the server's `auth`: the server publishes the protected resource
 * metadata naming the proxy, serves its routes (`/.well-known/oauth-authorization-server` and
 * `/.well-known/openid-configuration`, `/register`, `/authorize`, `/consent`, the redirect path,
 * `/token`, `/revoke`) and accepts its tokens, for this server only.
 *
 * @example
 * ```ts ignore
 * import { FastMCP } from "@denomcp/denomcp";
 * import { OAuthProxy } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "notes",
 *   auth: new OAuthProxy({
 *     upstreamAuthorizationEndpoint: "https://github.com/login/oauth/authorize",
 *     upstreamTokenEndpoint: "https://github.com/login/oauth/access_token",
 *     upstreamClientId: Deno.env.get("GITHUB_CLIENT_ID")!,
 *     upstreamClientSecret: Deno.env.get("GITHUB_CLIENT_SECRET")!,
 *     baseUrl: "https://notes.example.com",
 *     jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET")!,
 *   }),
 * });
 * ```
 */
export class OAuthProxy extends RemoteAuthProvider {
  readonly #options: OAuthProxyOptions;
  readonly #view: ProxyView;
  readonly #scopes: {
    supported?: readonly string[];
    required: readonly string[];
    upstream?: readonly string[];
  };
  #store?: () => Store;
  #parts?: Promise<ProxyParts>;

  /** Creates the proxy; its secret and URLs are checked now. */
  constructor(options: OAuthProxyOptions) {
    const issuer = new URL(options.baseUrl).origin;
    const scopes = {
      supported: options.scopesSupported,
      required: options.requiredScopes ?? [],
      upstream: options.upstreamScopes,
    };
    const holder: { verifier?: Promise<TokenVerifier> } = {};
    const verifier: TokenVerifier = {
      get requiredScopes() {
        return scopes.required;
      },
      verify: async (token: string): Promise<AccessToken> => {
        if (!holder.verifier) throw new AuthError("invalid_token", "the server is not started");
        return await (await holder.verifier).verify(token);
      },
    };
    super({
      tokenVerifier: verifier,
      authorizationServers: [issuer],
      baseUrl: issuer,
      scopesSupported: options.scopesSupported,
    });
    if (new TextEncoder().encode(options.jwtSigningKey).length < 32) {
      throw new TypeError("OAuthProxy: jwtSigningKey must be at least 32 bytes");
    }
    if (options.requireAuthorizationConsent === false) {
      console.warn(
        "OAuthProxy: requireAuthorizationConsent is false: users are sent upstream without seeing which " +
          "client asks. Use it in development only (a malicious client can get a signed-in user's grant).",
      );
    }
    this.#options = options;
    this.#scopes = scopes;
    const upstream = (): UpstreamConfig => ({
      authorizationEndpoint: options.upstreamAuthorizationEndpoint,
      tokenEndpoint: options.upstreamTokenEndpoint,
      revocationEndpoint: options.upstreamRevocationEndpoint,
      clientId: options.upstreamClientId,
      clientSecret: options.upstreamClientSecret,
      redirectUri: issuer + (options.redirectPath ?? "/auth/callback"),
      scopes: scopes.upstream,
      extraAuthorizeParams: options.extraAuthorizeParams,
      extraTokenParams: options.extraTokenParams,
      tokenEndpointAuthMethod: options.tokenEndpointAuthMethod,
    });
    const resource = this.resource(options.mcpPath ?? "/mcp");
    this.#view = {
      issuer,
      resource,
      options,
      upstream,
      scopesSupported: () => scopes.supported,
      ...(options.identityAssertion
        ? {
          identityAssertion: new IdentityAssertionGrant(options.identityAssertion, {
            issuer,
            resource,
            store: () => {
              if (!this.#store) throw new Error("OAuthProxy: the server has not attached its store");
              return this.#store();
            },
            scopesSupported: () => scopes.supported,
          }),
        }
        : {}),
    };
    holder.verifier = this.#ready().then(({ factory, sessions }) =>
      new ProxyTokenVerifier(factory, sessions, this.#view.resource, () => scopes.required)
    );
    holder.verifier.catch(() => {});
  }

  /**
   * Changes scopes decided at run time (read from the identity provider, say): what clients may
   * ask for (in both metadata documents and in challenges, at once), what every token must carry,
   * and what the upstream is asked for. Tokens already issued keep the scopes they were granted.
   *
   * @example
   * ```ts
   * import { OAuthProxy } from "@denomcp/denomcp/auth";
   * const proxy = new OAuthProxy({
   *   upstreamAuthorizationEndpoint: "https://idp.example.com/authorize",
   *   upstreamTokenEndpoint: "https://idp.example.com/token",
   *   upstreamClientId: "mcp-proxy",
   *   upstreamClientSecret: "from-the-environment",
   *   baseUrl: "https://mcp.example.com",
   *   jwtSigningKey: "at least 32 bytes of secret, from the environment",
   * });
   * proxy.updateScopes({ supported: ["notes:read"], upstream: ["openid", "profile"] });
   * ```
   */
  updateScopes(scopes: ProxyScopes): void {
    if (scopes.supported) {
      this.#scopes.supported = [...scopes.supported];
      this.advertiseScopes(this.#scopes.supported);
    }
    if (scopes.required) this.#scopes.required = [...scopes.required];
    if (scopes.upstream) this.#scopes.upstream = [...scopes.upstream];
  }

  /** The server gives the proxy its store and takes its routes; called by `FastMCP`. */
  attach(store: () => Store): ProxyRoute[] {
    this.#store = store;
    const grant = this.#view.identityAssertion;
    const identityAssertion = grant && { confidentialClients: grant.confidentialClients };
    const metadata = () =>
      Response.json(
        authorizationServerMetadata({
          issuer: this.#view.issuer,
          scopes: this.#scopes.supported,
          ...(identityAssertion ? { identityAssertion } : {}),
        }),
        {
          headers: { "access-control-allow-origin": "*" },
        },
      );
    const signIn = this.#ready().then((parts) => new SignIn(parts, this.#view));
    return [
      ...METADATA_PATHS.map((path) => ({
        path,
        methods: ["GET"],
        handler: () => Promise.resolve(metadata()),
      })),
      { path: "/register", methods: ["POST"], handler: async (req) => register(await this.#ready(), req) },
      { path: "/authorize", methods: ["GET"], handler: async (req) => (await signIn).authorize(req) },
      { path: "/consent", methods: ["POST"], handler: async (req) => (await signIn).consent(req) },
      {
        path: this.#options.redirectPath ?? "/auth/callback",
        methods: ["GET"],
        handler: async (req) => (await signIn).callback(req),
      },
      {
        path: "/token",
        methods: ["POST"],
        handler: async (req) => token(await this.#ready(), this.#view, req),
      },
      {
        path: "/revoke",
        methods: ["POST"],
        handler: async (req) => revoke(await this.#ready(), this.#view, req),
      },
    ];
  }

  #ready(): Promise<ProxyParts> {
    return this.#parts ??= createParts(this.#view, () => {
      if (!this.#store) throw new Error("OAuthProxy: the server has not attached its store");
      return this.#store();
    });
  }
}
