/**
 * A stand-in identity provider for the OAuth proxy's upstream leg, on a real socket: one static
 * client (the proxy's), PKCE, numbered tokens with the lifetimes a test asks for, refresh tokens
 * that rotate (or not), a userinfo endpoint that checks access tokens, RFC 7009 revocation, and a
 * way to end a user's session at the provider. It counts what the proxy asks of it.
 *
 * @module
 */

import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";

/** How the stand-in issues tokens. */
export interface StandInOptions {
  /** `expires_in` of access tokens, in seconds (none when undefined). */
  expiresIn?: number;
  /** `refresh_expires_in` of refresh tokens, in seconds. */
  refreshExpiresIn?: number;
  /** Whether refresh tokens are issued at all. Default true. */
  refreshTokens?: boolean;
  /** Whether a refresh gives a new refresh token and ends the old one. Default true. */
  rotate?: boolean;
  /** How long a refresh takes, in ms (to make concurrent refreshes overlap). Default 0. */
  refreshDelayMs?: number;
}

/** A running stand-in. */
export interface StandInIdp {
  readonly base: string;
  /** Refresh requests received, and how many succeeded. */
  readonly refreshes: { tried: number; granted: number };
  /** Revocation requests received. */
  readonly revoked: { token: string; hint: string | null }[];
  /** Ends every token of the user at the provider (a sign-out, an admin's revocation). */
  endSession(): void;
  /** Ends the current access tokens only (the refresh tokens still work). */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

/** Starts a stand-in on 127.0.0.1; its client is `proxy-client` / `upstream-secret`. */
export function standInIdp(options: StandInOptions = {}): StandInIdp {
  const challenges = new Map<string, string>();
  const access = new Set<string>();
  const refresh = new Set<string>();
  const refreshes = { tried: 0, granted: 0 };
  const revoked: { token: string; hint: string | null }[] = [];
  let n = 0;
  const issue = (refreshToken?: string) => {
    n++;
    access.add(`at-${n}`);
    const body: Record<string, unknown> = { access_token: `at-${n}`, token_type: "Bearer" };
    if (options.expiresIn !== undefined) body.expires_in = options.expiresIn;
    if (options.refreshTokens !== false) {
      const rt = refreshToken ?? `rt-${n}`;
      refresh.add(rt);
      body.refresh_token = rt;
      if (options.refreshExpiresIn !== undefined) body.refresh_expires_in = options.refreshExpiresIn;
    }
    body.id_token = `e30.${btoa(JSON.stringify({ sub: "ada" })).replace(/=+$/, "")}.sig`;
    return Response.json(body);
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/authorize") {
      const p = url.searchParams;
      if (p.get("client_id") !== "proxy-client") return new Response("unknown client", { status: 400 });
      const code = `code-${++n}`;
      challenges.set(code, p.get("code_challenge")!);
      const back = new URL(p.get("redirect_uri")!);
      back.searchParams.set("code", code);
      back.searchParams.set("state", p.get("state")!);
      return new Response(null, { status: 302, headers: { location: back.href } });
    }
    if (url.pathname === "/userinfo") {
      const token = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      return access.has(token)
        ? Response.json({ sub: "ada" })
        : new Response("unauthorized", { status: 401 });
    }
    const form = new URLSearchParams(await req.text());
    if (form.get("client_id") !== "proxy-client" || form.get("client_secret") !== "upstream-secret") {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    if (url.pathname === "/revoke") {
      const token = form.get("token")!;
      revoked.push({ token, hint: form.get("token_type_hint") });
      access.delete(token);
      refresh.delete(token);
      return new Response(null, { status: 200 });
    }
    if (form.get("grant_type") === "refresh_token") {
      refreshes.tried++;
      await new Promise((r) => setTimeout(r, options.refreshDelayMs ?? 0));
      const rt = form.get("refresh_token")!;
      if (!refresh.has(rt)) return Response.json({ error: "invalid_grant" }, { status: 400 });
      refreshes.granted++;
      if (options.rotate === false) return issue(rt);
      refresh.delete(rt);
      return issue();
    }
    const code = form.get("code")!;
    const challenge = challenges.get(code);
    challenges.delete(code);
    if (!challenge || await pkceChallenge(form.get("code_verifier")!) !== challenge) {
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    }
    return issue();
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    refreshes,
    revoked,
    endSession() {
      access.clear();
      refresh.clear();
    },
    expireAccessTokens() {
      access.clear();
    },
    close: () => server.shutdown(),
  };
}
