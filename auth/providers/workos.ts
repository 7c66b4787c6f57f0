/**
 * `WorkOSProvider`: the OAuth proxy in front of a WorkOS Connect application (AuthKit as an
 * OAuth provider with one static client). WorkOS access tokens are opaque to the proxy: they are
 * checked, and the user named, by AuthKit's `userinfo` endpoint.
 *
 * @module
 */

import { type AccessToken, scopesOf } from "../access_token.ts";
import { OAuthProxy } from "../oauth_proxy/oauth_proxy.ts";
import { ApiVerifier, idOf } from "./api_verifier.ts";
import { identityFrom, type ProviderOptions, proxyOptions, siteUrl } from "./options.ts";

/** Options of {@link WorkOSProvider}. */
export interface WorkOSProviderOptions extends ProviderOptions {
  /** The AuthKit domain: a host (`your-app.authkit.app`, https) or a URL. */
  authkitDomain: string;
  /** How long a token WorkOS accepted is remembered, in ms. Default 60,000. */
  cacheTtlMs?: number;
}

/**
 * WorkOS (AuthKit, through a Connect application) as the identity provider.
 *
 * - Endpoints: `{authkitDomain}/oauth2/authorize`, `{authkitDomain}/oauth2/token`.
 * - Default upstream scopes: `openid profile email offline_access` (WorkOS gives a refresh token
 *   only with `offline_access`).
 * - Identity and upstream check: `GET {authkitDomain}/oauth2/userinfo`; its `sub` is the user.
 *   Answers are remembered `cacheTtlMs`.
 * - FastMCP's `valid_scopes` (what clients may ask for) is `scopesSupported` here, and
 *   `extraAuthorizeParams` reaches the authorization endpoint (an `organization_id`, a
 *   `provider`). For AuthKit with dynamic registration no proxy is needed: use
 *   `RemoteAuthProvider` with a `JWTVerifier`.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { WorkOSProvider } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "notes",
 *   auth: new WorkOSProvider({
 *     authkitDomain: "your-app.authkit.app",
 *     clientId: "client_123",
 *     clientSecret: Deno.env.get("WORKOS_CLIENT_SECRET") ?? "",
 *     baseUrl: "https://notes.example.com",
 *     jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 *     scopesSupported: ["notes:read", "notes:write"],
 *   }),
 * });
 * ```
 */
export class WorkOSProvider extends OAuthProxy {
  /** Creates the proxy for a WorkOS Connect application; nothing is fetched until a user signs in. */
  constructor(options: WorkOSProviderOptions) {
    const { authkitDomain, cacheTtlMs, ...rest } = options;
    const site = siteUrl(authkitDomain);
    const userinfo = new ApiVerifier({
      provider: "WorkOS",
      request: (token) =>
        new Request(`${site}/oauth2/userinfo`, {
          headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        }),
      read: (token, user): AccessToken => {
        const sub = idOf(user.sub);
        if (!sub) throw new Error("WorkOS's userinfo answer has no sub");
        return {
          token,
          clientId: "",
          subject: sub,
          scopes: scopesOf(user),
          claims: { sub, email: user.email, name: user.name },
        };
      },
    }, { cacheTtlMs });
    super(proxyOptions({
      ...rest,
      upstreamScopes: rest.upstreamScopes ?? ["openid", "profile", "email", "offline_access"],
      tokenVerifier: rest.tokenVerifier ?? userinfo,
      identity: rest.identity ?? identityFrom("WorkOS", userinfo),
    }, {
      authorization: `${site}/oauth2/authorize`,
      token: `${site}/oauth2/token`,
    }));
  }
}
