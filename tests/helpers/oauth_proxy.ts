/**
 * The OAuth proxy in front of `npm:oidc-provider` for tests: the provider configured as GitHub or
 * Google are for an MCP server (no dynamic registration, one static confidential client, the
 * proxy's), and a server with a `whoami` tool behind the proxy; plus the client's side of the
 * flow (its authorization URL, its code redeemed, a tool called with the token).
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import { OAuthProxy } from "../../auth/mod.ts";
import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";
import { FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "./http.ts";
import { type Idp, startIdp } from "./idp.ts";

/** The MCP client's PKCE verifier in these tests. */
export const CLIENT_VERIFIER = "client-verifier-of-enough-length-0123456789abcdefgh";

/** oidc-provider with the proxy as its only client, and a server at `base` behind the proxy. */
export async function proxyOverIdp(base: string): Promise<{ idp: Idp; mcp: FastMCP }> {
  const secret = "upstream-secret-of-the-proxy";
  const idp = await startIdp({
    resource: () => `${base}/mcp`,
    registration: false,
    clients: [{
      client_id: "mcp-proxy",
      client_secret: secret,
      redirect_uris: [`${base}/auth/callback`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    }],
  });
  const mcp = new FastMCP({
    name: "notes",
    logger: () => {},
    auth: new OAuthProxy({
      upstreamAuthorizationEndpoint: `${idp.issuer}/auth`,
      upstreamTokenEndpoint: `${idp.issuer}/token`,
      upstreamClientId: "mcp-proxy",
      upstreamClientSecret: secret,
      upstreamScopes: ["openid"],
      baseUrl: base,
      jwtSigningKey: "proxy-secret-of-at-least-thirty-two-bytes",
    }),
  });
  mcp.tool("whoami", async (_args, ctx) => ctx.accessToken?.subject ?? "nobody");
  return { idp, mcp };
}

/** The client's authorization URL at the proxy (state `st`, its PKCE challenge, the resource). */
export async function clientAuthorizeUrl(
  base: string,
  clientId: string,
  redirectUri: string,
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
  const req = modernRequest("tools/call", { name: "whoami", arguments: {} }, 1, {
    authorization: `Bearer ${accessToken}`,
  }, `${base}/mcp`);
  return (await readAnswer(await send(req))).result?.content;
}
