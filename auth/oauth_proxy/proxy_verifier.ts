/**
 * The MCP endpoint's side of the OAuth proxy: a `TokenVerifier` that accepts the proxy's own
 * access tokens for this server's canonical URI (the audience is always checked, §5 #8) while
 * their grant lives and the upstream session behind them does (refreshed on use). Handlers get
 * the principal; the upstream access token only as `upstreamToken`, which never leaves the
 * isolate, and never the upstream refresh token. A token granted without an upstream session (an
 * identity assertion's) has no `upstreamToken`.
 *
 * @module
 */

import { type AccessToken, AuthError, type TokenVerifier } from "../access_token.ts";
import type { TokenFactory } from "./tokens.ts";
import type { UpstreamSessions } from "./upstream_session.ts";

/** Verifies the proxy's access tokens for `resource`, requiring `requiredScopes` of each. */
export class ProxyTokenVerifier implements TokenVerifier {
  /** The verifier; `resource` is the MCP server's canonical URI (the tokens' audience). */
  constructor(
    private readonly factory: TokenFactory,
    private readonly sessions: UpstreamSessions,
    private readonly resource: string,
    private readonly required: () => readonly string[] = () => [],
  ) {}

  /** Scopes every token must carry (they may change at run time). */
  get requiredScopes(): readonly string[] {
    return this.required();
  }

  /** The principal of a token, or an `invalid_token` / `insufficient_scope` refusal. */
  async verify(token: string): Promise<AccessToken> {
    const verified = await this.factory.verify(token, this.resource);
    if (!verified) {
      throw new AuthError("invalid_token", "the token is not valid for this server, or it has ended");
    }
    const { claims, jti } = verified;
    // No upstream session to keep current behind a grant without one (an identity assertion's).
    const upstream = verified.upstream ? await this.sessions.current(jti, verified.upstream) : undefined;
    const scopes = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [];
    const missing = this.requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length) {
      throw new AuthError("insufficient_scope", `the token lacks ${missing.join(" ")}`, missing);
    }
    return {
      token,
      clientId: String(claims.client_id ?? ""),
      ...(typeof claims.sub === "string" ? { subject: claims.sub } : {}),
      scopes,
      ...(typeof claims.exp === "number" ? { expiresAt: claims.exp } : {}),
      claims: upstream?.verified ? { ...claims, upstream_claims: upstream.verified.claims } : claims,
      audience: this.resource,
      ...(upstream ? { upstreamToken: upstream.tokens.accessToken } : {}),
    };
  }
}
