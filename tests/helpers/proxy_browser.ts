/**
 * The client's and the browser's side of the OAuth proxy's flow, for tests that drive it over
 * HTTP without a real browser: a cookie-keeping browser that follows nothing by itself, client
 * registration, the authorization URL, the consent form, code redemption and a tool call.
 *
 * @module
 */

import assert from "node:assert/strict";
import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";
import type { FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "./http.ts";

/** The MCP client's PKCE verifier in these tests. */
export const VERIFIER = "client-verifier-of-enough-length-0123456789abcdefgh";
/** The MCP client's redirect URI in these tests. */
export const CLIENT_REDIRECT = "http://127.0.0.1:5555/callback";

/** A browser of sorts: keeps the cookies the proxy sets, follows nothing by itself. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** A browser talking to `mcp` (served at `base`) in process, and to anything else over the network. */
  constructor(private readonly mcp: FastMCP, private readonly base: string) {}

  /** One request, cookies sent and kept. */
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = url.startsWith(this.base)
      ? await this.mcp.fetch(new Request(url, { ...init, headers, redirect: "manual" }))
      : await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const [name, value] = pair.split("=");
      if (attrs.some((a) => a.trim() === "Max-Age=0")) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return res;
  }

  /** Posts the consent page's form with `decision`. */
  async decide(page: string, decision: "approve" | "deny"): Promise<Response> {
    return await this.go(`${this.base}/consent`, {
      method: "POST",
      body: new URLSearchParams({
        transaction: hidden(page, "transaction"),
        csrf: hidden(page, "csrf"),
        decision,
      }),
    });
  }

  /**
   * From the upstream URL the proxy sent the browser to, through the (consenting) stand-in
   * provider and the proxy's callback, to the URL the client gets back.
   */
  async throughUpstream(upstreamUrl: string): Promise<URL> {
    const signedIn = await this.go(upstreamUrl);
    await signedIn.body?.cancel();
    const callback = await this.go(signedIn.headers.get("location")!);
    await callback.body?.cancel();
    assert.equal(callback.status, 302, "the callback redirects to the client");
    return new URL(callback.headers.get("location")!);
  }

  /** The whole sign-in with consent: the client's redirect URL with its code. */
  async signIn(authorizeUrl: string): Promise<URL> {
    const consent = await this.go(authorizeUrl);
    assert.equal(consent.status, 200, "the consent page");
    const approved = await this.decide(await consent.text(), "approve");
    assert.equal(approved.status, 302);
    return await this.throughUpstream(approved.headers.get("location")!);
  }
}

/** The value of a hidden form field. */
export function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]+)"`).exec(html)![1];
}

/** Registers a client with redirect URI {@link CLIENT_REDIRECT}; its id. */
export async function registerClient(mcp: FastMCP, base: string): Promise<string> {
  const res = await mcp.fetch(
    new Request(`${base}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "Notes app", redirect_uris: [CLIENT_REDIRECT] }),
    }),
  );
  assert.equal(res.status, 201);
  const body = await res.json();
  assert.equal(body.client_secret, undefined);
  return body.client_id;
}

/** The client's authorization URL: its PKCE challenge, `state` "client-state", the resource; `params` override. */
export async function authorizeUrl(
  base: string,
  clientId: string,
  params: Record<string, string> = {},
): Promise<string> {
  const url = new URL(`${base}/authorize`);
  const all = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: CLIENT_REDIRECT,
    code_challenge: await pkceChallenge(VERIFIER),
    code_challenge_method: "S256",
    state: "client-state",
    scope: "notes:read",
    resource: `${base}/mcp`,
    ...params,
  };
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  return url.href;
}

/** A `/token` request at the proxy. */
export async function tokenRequest(
  mcp: FastMCP,
  base: string,
  params: Record<string, string>,
): Promise<Response> {
  return await mcp.fetch(new Request(`${base}/token`, { method: "POST", body: new URLSearchParams(params) }));
}

/** Redeems the code in the client's redirect URL; the token response. */
export async function redeem(
  mcp: FastMCP,
  base: string,
  clientId: string,
  back: URL,
): Promise<Record<string, string | number>> {
  const res = await tokenRequest(mcp, base, {
    grant_type: "authorization_code",
    code: back.searchParams.get("code")!,
    redirect_uri: CLIENT_REDIRECT,
    client_id: clientId,
    code_verifier: VERIFIER,
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/** Calls a tool with a bearer token over 2026-07-28 HTTP; the response. */
export async function callTool(mcp: FastMCP, base: string, token: string, name: string): Promise<Response> {
  return await mcp.fetch(
    modernRequest(
      "tools/call",
      { name, arguments: {} },
      1,
      { authorization: `Bearer ${token}` },
      `${base}/mcp`,
    ),
  );
}

/** A tool's text result called with `token`, or the HTTP status when the call is refused. */
export async function toolText(
  mcp: FastMCP,
  base: string,
  token: string,
  name: string,
): Promise<string | number> {
  const res = await callTool(mcp, base, token, name);
  if (res.status !== 200) {
    await res.body?.cancel();
    return res.status;
  }
  const answer = await readAnswer(res);
  return answer.result.content[0].text;
}
