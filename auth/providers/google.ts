/**
 * `GoogleProvider`: the OAuth proxy in front of a Google OAuth client. Google is an OpenID
 * provider (the user is the id token's `sub`), but its access tokens are opaque: they are checked
 * on use at Google's `tokeninfo` endpoint, which also says which client a token was issued to.
 *
 * @module
 */

import { type AccessToken, AuthError, scopesOf } from "../access_token.ts";
import { OAuthProxy } from "../oauth_proxy/oauth_proxy.ts";
import { ApiVerifier, idOf } from "./api_verifier.ts";
import { type ProviderOptions, proxyOptions, siteUrl } from "./options.ts";

/** Options of {@link GoogleProvider}. */
export interface GoogleProviderOptions extends ProviderOptions {
  /** Where users sign in. Default `https://accounts.google.com` (a stand-in, in tests). */
  accountsUrl?: string;
  /** Google's OAuth API: token, revocation, tokeninfo. Default `https://oauth2.googleapis.com`. */
  oauth2Url?: string;
  /** How long a token Google accepted is remembered, in ms. Default 60,000 (never past its expiry). */
  cacheTtlMs?: number;
}

/**
 * Google as the identity provider.
 *
 * - Endpoints: `https://accounts.google.com/o/oauth2/v2/auth`, `https://oauth2.googleapis.com/token`,
 *   revocation `https://oauth2.googleapis.com/revoke`.
 * - Default upstream scopes: `openid` (the id token names the user). Add `email` or `profile` for
 *   more; Google reports them back as `https://www.googleapis.com/auth/userinfo.email` and
 *   `…/userinfo.profile`.
 * - Upstream check: `POST {oauth2Url}/tokeninfo` (the token in the body, not the URL); a token
 *   issued to another client (`aud`) is refused. Answers are remembered `cacheTtlMs`.
 * - Quirks: Google gives a refresh token only with `access_type=offline`, and again after the
 *   first sign-in only with `prompt=consent`: both are sent by default (`extraAuthorizeParams`
 *   overrides them); `offline_access` is not a Google scope.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { GoogleProvider } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "notes",
 *   auth: new GoogleProvider({
 *     clientId: "123456789.apps.googleusercontent.com",
 *     clientSecret: Deno.env.get("GOOGLE_CLIENT_SECRET") ?? "",
 *     baseUrl: "https://notes.example.com",
 *     jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 *     upstreamScopes: ["openid", "email"],
 *   }),
 * });
 * ```
 */
export class GoogleProvider extends OAuthProxy {
  /** Creates the proxy for a Google OAuth client; nothing is fetched until a user signs in. */
  constructor(options: GoogleProviderOptions) {
    const { accountsUrl, oauth2Url, cacheTtlMs, ...rest } = options;
    const accounts = siteUrl(accountsUrl ?? "https://accounts.google.com");
    const api = siteUrl(oauth2Url ?? "https://oauth2.googleapis.com");
    super(proxyOptions({
      ...rest,
      upstreamScopes: rest.upstreamScopes ?? ["openid"],
      extraAuthorizeParams: { access_type: "offline", prompt: "consent", ...rest.extraAuthorizeParams },
      tokenVerifier: rest.tokenVerifier ?? googleTokenInfo(`${api}/tokeninfo`, rest.clientId, cacheTtlMs),
    }, {
      authorization: `${accounts}/o/oauth2/v2/auth`,
      token: `${api}/token`,
      revocation: `${api}/revoke`,
    }));
  }
}

/** Checks Google access tokens at `tokeninfo`: active, issued to `clientId`, for a user. */
function googleTokenInfo(endpoint: string, clientId: string, cacheTtlMs: number | undefined): ApiVerifier {
  return new ApiVerifier({
    provider: "Google",
    request: (token) =>
      new Request(endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ access_token: token }),
      }),
    read: (token, info): AccessToken => {
      if (info.aud !== clientId && info.azp !== clientId) {
        throw new AuthError("invalid_token", "the Google token was issued to another client");
      }
      const sub = idOf(info.sub);
      if (!sub) throw new AuthError("invalid_token", "the Google token names no user");
      const expiresIn = Number(info.expires_in);
      return {
        token,
        clientId,
        subject: sub,
        scopes: scopesOf(info),
        ...(Number.isFinite(expiresIn) && expiresIn > 0
          ? { expiresAt: Math.floor(Date.now() / 1000) + expiresIn }
          : {}),
        claims: { sub, email: info.email, email_verified: info.email_verified },
      };
    },
  }, { cacheTtlMs });
}
