/**
 * `GitHubProvider`: the OAuth proxy in front of a GitHub OAuth app (or GitHub App, or a GitHub
 * Enterprise server). GitHub is not an OpenID provider: its token response has no id token, so
 * the user is named by `GET /user` (the numeric `id`, which stays when a login is renamed), and
 * the same call checks the upstream token on use.
 *
 * @module
 */

import type { AccessToken } from "../access_token.ts";
import { OAuthProxy } from "../oauth_proxy/oauth_proxy.ts";
import { ApiVerifier, idOf } from "./api_verifier.ts";
import { identityFrom, type ProviderOptions, proxyOptions, siteUrl } from "./options.ts";

/** Options of {@link GitHubProvider}. */
export interface GitHubProviderOptions extends ProviderOptions {
  /** GitHub's site, where users sign in. Default `https://github.com` (a GitHub Enterprise host, or a stand-in). */
  githubUrl?: string;
  /** GitHub's REST API. Default `https://api.github.com` (`https://HOST/api/v3` on GitHub Enterprise). */
  apiBaseUrl?: string;
  /** How long a token GitHub accepted is remembered, in ms. Default 60,000. */
  cacheTtlMs?: number;
}

/**
 * GitHub as the identity provider.
 *
 * - Endpoints: `https://github.com/login/oauth/authorize`, `https://github.com/login/oauth/access_token`;
 *   no revocation endpoint (GitHub revokes grants through its REST API, with the app's credentials).
 * - Default upstream scopes: `read:user` (FastMCP asks for `user`, which can also write the profile).
 * - Identity and upstream check: `GET {apiBaseUrl}/user` with the upstream token; its `id` is the
 *   user (its `login`, `name` and `email` reach handlers as `upstream_claims`), its
 *   `X-OAuth-Scopes` header the token's scopes. Answers are remembered `cacheTtlMs`.
 * - Quirks: the token endpoint answers form-encoded unless asked for JSON (the proxy asks); OAuth
 *   app tokens do not expire and come without a refresh token; GitHub App user tokens expire
 *   after 8 hours and come with one.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { GitHubProvider } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "notes",
 *   auth: new GitHubProvider({
 *     clientId: Deno.env.get("GITHUB_CLIENT_ID") ?? "",
 *     clientSecret: Deno.env.get("GITHUB_CLIENT_SECRET") ?? "",
 *     baseUrl: "https://notes.example.com",
 *     jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET") ?? "",
 *   }),
 * });
 * ```
 */
export class GitHubProvider extends OAuthProxy {
  /** Creates the proxy for a GitHub OAuth app; nothing is fetched until a user signs in. */
  constructor(options: GitHubProviderOptions) {
    const { githubUrl, apiBaseUrl, cacheTtlMs, ...rest } = options;
    const site = siteUrl(githubUrl ?? "https://github.com");
    const user = githubUserVerifier(siteUrl(apiBaseUrl ?? "https://api.github.com"), cacheTtlMs);
    super(proxyOptions({
      ...rest,
      upstreamScopes: rest.upstreamScopes ?? ["read:user"],
      tokenVerifier: rest.tokenVerifier ?? user,
      identity: rest.identity ?? identityFrom("GitHub", user),
    }, {
      authorization: `${site}/login/oauth/authorize`,
      token: `${site}/login/oauth/access_token`,
    }));
  }
}

/** Checks GitHub tokens with `GET /user`: any valid token of any app passes, so it is for the proxy's own tokens only. */
function githubUserVerifier(api: string, cacheTtlMs: number | undefined): ApiVerifier {
  return new ApiVerifier({
    provider: "GitHub",
    request: (token) =>
      new Request(`${api}/user`, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          // GitHub refuses API requests without a User-Agent.
          "user-agent": "denomcp",
        },
      }),
    read: (token, user, headers): AccessToken => {
      const sub = idOf(user.id);
      if (!sub) throw new Error("GitHub's /user answer has no id");
      const scopes = (headers.get("x-oauth-scopes") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      return {
        token,
        clientId: "",
        subject: sub,
        scopes,
        claims: { sub, login: user.login, name: user.name, email: user.email },
      };
    },
  }, { cacheTtlMs });
}
