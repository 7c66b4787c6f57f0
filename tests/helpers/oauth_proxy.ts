/**
 * The OAuth proxy in front of `npm:oidc-provider` for tests: the provider configured as GitHub or
 * Google are for an MCP server (no dynamic registration, one static confidential client, the
 * proxy's), and a server with a `whoami` tool behind the proxy; plus the client's side of the
 * flow (its authorization URL, its code redeemed, a tool called with the token), and the whole
 * sign-in played as a client and its user.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { OAuthProxy } from "../../auth/mod.ts";
import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";
import { FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "./http.ts";
import { driveBrowser, type Idp, startIdp } from "./idp.ts";

/** The MCP client's PKCE verifier in these tests. */
export const CLIENT_VERIFIER = "client-verifier-of-enough-length-0123456789abcdefgh";

/** The proxy's secret in these tests. */
export const PROXY_SECRET = "proxy-secret-of-at-least-thirty-two-bytes";

/** Where the MCP client of these tests is sent back. */
export const CLIENT_REDIRECT = "http://127.0.0.1:5555/callback";

/** Builds the proxy in front of `idp`, whose only client is the proxy's (`clientId`, `clientSecret`). */
export type ProxyOverIdp = (
  idp: Idp,
  client: { clientId: string; clientSecret: string },
) => OAuthProxy | Promise<OAuthProxy>;

/** A server behind `auth` with a `whoami` tool (the caller's subject). */
export function serverBehind(auth: OAuthProxy): FastMCP {
  const mcp = new FastMCP({ name: "notes", logger: () => {}, auth });
  mcp.tool("whoami", async (_args, ctx) => ctx.accessToken?.subject ?? "nobody");
  return mcp;
}

/**
 * oidc-provider with the proxy as its only client, and a server at `base` behind the proxy (an
 * `OAuthProxy` on the provider's endpoints unless `proxy` builds another).
 */
export async function proxyOverIdp(base: string, proxy?: ProxyOverIdp): Promise<{ idp: Idp; mcp: FastMCP }> {
  const client = { clientId: "mcp-proxy", clientSecret: "upstream-secret-of-the-proxy" };
  const idp = await startIdp({
    resource: () => `${base}/mcp`,
    registration: false,
    clients: [{
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: [`${base}/auth/callback`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    }],
  });
  try {
    const auth = proxy ? await proxy(idp, client) : new OAuthProxy({
      upstreamAuthorizationEndpoint: `${idp.issuer}/auth`,
      upstreamTokenEndpoint: `${idp.issuer}/token`,
      upstreamClientId: client.clientId,
      upstreamClientSecret: client.clientSecret,
      upstreamScopes: ["openid"],
      baseUrl: base,
      jwtSigningKey: PROXY_SECRET,
    });
    return { idp, mcp: serverBehind(auth) };
  } catch (error) {
    await idp.close();
    throw error;
  }
}

/** What {@link signInThroughProxy} saw on the way. */
export interface SignedIn {
  /** The provider's redirect to the proxy's callback (`code`, `state`, maybe `iss`). */
  readonly upstreamCallback: URL;
  /** The proxy's redirect to the client (`code`, `state`, `iss`). */
  readonly clientRedirect: URL;
  /** The client's tokens from the proxy. */
  readonly tokens: { access_token: string; refresh_token: string };
}

/**
 * Plays an MCP client and its user through the proxy of `mcp` (served in process at `base`):
 * registration, the proxy's consent page approved (for `scope`, if given), the provider's own
 * pages (or its straight redirect) as the user `login`, the proxy's callback, and the code
 * redeemed.
 */
export async function signInThroughProxy(
  mcp: FastMCP,
  base: string,
  login = "ada",
  scope?: string,
): Promise<SignedIn> {
  const { upstreamCallback, clientRedirect, clientId } = await signInUntilClient(mcp, base, login, scope);
  const code = clientRedirect.searchParams.get("code");
  assert.ok(code, `no code in ${clientRedirect.href}`);
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  const tokens = await redeemCode(send, base, code, clientId, CLIENT_REDIRECT);
  return { upstreamCallback, clientRedirect, tokens };
}

/** {@link signInThroughProxy} up to the proxy's redirect to the client, which may carry an error. */
export async function signInUntilClient(
  mcp: FastMCP,
  base: string,
  login = "ada",
  scope?: string,
): Promise<{ upstreamCallback: URL; clientRedirect: URL; clientId: string }> {
  const cookies = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await mcp.fetch(new Request(url, { ...init, headers, redirect: "manual" }));
    for (const line of res.headers.getSetCookie()) {
      const [name, value] = line.split(";")[0].split("=");
      if (value) cookies.set(name, value);
      else cookies.delete(name);
    }
    return res;
  };
  const registration = await go(`${base}/register`, {
    method: "POST",
    body: JSON.stringify({ client_name: "Notes app", redirect_uris: [CLIENT_REDIRECT] }),
  });
  assert.equal(registration.status, 201);
  const { client_id: clientId } = await registration.json();
  const page = await (await go(await clientAuthorizeUrl(base, clientId, CLIENT_REDIRECT, scope))).text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)![1];
  const approved = await go(`${base}/consent`, {
    method: "POST",
    body: new URLSearchParams({
      transaction: field("transaction"),
      csrf: field("csrf"),
      decision: "approve",
    }),
  });
  assert.equal(approved.status, 302);
  const upstreamCallback = await driveBrowser(
    new URL(approved.headers.get("location")!),
    `${base}/auth/callback`,
    login,
  );
  const back = await go(upstreamCallback.href);
  assert.equal(back.status, 302, `the callback answered ${back.status}: ${await back.clone().text()}`);
  return { upstreamCallback, clientRedirect: new URL(back.headers.get("location")!), clientId };
}

/** The client's authorization URL at the proxy (state `st`, its PKCE challenge, the resource, `scope` if given). */
export async function clientAuthorizeUrl(
  base: string,
  clientId: string,
  redirectUri: string,
  scope?: string,
): Promise<string> {
  const url = new URL(`${base}/authorize`);
  const params = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: await pkceChallenge(CLIENT_VERIFIER),
    code_challenge_method: "S256",
    state: "st",
    resource: `${base}/mcp`,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  if (scope !== undefined) url.searchParams.set("scope", scope);
  return url.href;
}

/** Redeems a code at the proxy as the client; `send` reaches the server (over HTTP or in process). */
export async function redeemCode(
  send: (req: Request) => Promise<Response>,
  base: string,
  code: string,
  clientId: string,
  redirectUri: string,
): Promise<{ access_token: string; refresh_token: string }> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    client_id: clientId,
    code_verifier: CLIENT_VERIFIER,
  });
  return await (await send(new Request(`${base}/token`, { method: "POST", body }))).json();
}

/** What the `whoami` tool answers to a call with `accessToken`. */
export async function whoami(
  send: (req: Request) => Promise<Response>,
  base: string,
  accessToken: string,
): Promise<unknown> {
  return await callTool(send, base, accessToken, "whoami");
}

/** The content of tool `name`'s answer to a call with `accessToken`. */
export async function callTool(
  send: (req: Request) => Promise<Response>,
  base: string,
  accessToken: string,
  name: string,
): Promise<unknown> {
  const req = modernRequest("tools/call", { name, arguments: {} }, 1, {
    authorization: `Bearer ${accessToken}`,
  }, `${base}/mcp`);
  return (await readAnswer(await send(req))).result?.content;
}

/** The HTTP status of a `tools/list` request with `accessToken` (its body discarded). */
export async function listStatus(
  send: (req: Request) => Promise<Response>,
  base: string,
  accessToken: string,
): Promise<{ status: number; challenge: string | null }> {
  const res = await send(
    modernRequest("tools/list", {}, 1, { authorization: `Bearer ${accessToken}` }, `${base}/mcp`),
  );
  await res.body?.cancel();
  return { status: res.status, challenge: res.headers.get("www-authenticate") };
}
