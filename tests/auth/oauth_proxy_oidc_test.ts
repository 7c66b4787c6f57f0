/**
 * The OAuth proxy in front of a real identity provider, `npm:oidc-provider`, configured the way
 * GitHub or Google are for an MCP server: no dynamic registration, one static confidential client
 * (the proxy's). An MCP client registers with the proxy instead, signs in through the provider's
 * own login and consent pages, and calls a tool with the proxy's token; the provider's tokens
 * never reach it.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { OAuthProxy } from "../../auth/mod.ts";
import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";
import { FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";
import { driveBrowser, startIdp } from "../helpers/idp.ts";

const BASE = "https://mcp.example.com";
const CALLBACK = `${BASE}/auth/callback`;
const CLIENT_REDIRECT = "http://127.0.0.1:5555/callback";
const VERIFIER = "client-verifier-of-enough-length-0123456789abcdefgh";

Deno.test("an MCP client signs in through oidc-provider (no DCR there) via the proxy and calls a tool", async () => {
  const idp = await startIdp({
    resource: () => `${BASE}/mcp`,
    registration: false,
    clients: [{
      client_id: "mcp-proxy",
      client_secret: "upstream-secret-of-the-proxy",
      redirect_uris: [CALLBACK],
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
      upstreamClientSecret: "upstream-secret-of-the-proxy",
      upstreamScopes: ["openid"],
      baseUrl: BASE,
      jwtSigningKey: "proxy-secret-of-at-least-thirty-two-bytes",
    }),
  });
  mcp.tool("whoami", async (_args, ctx) => ctx.accessToken?.subject ?? "nobody");
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
  try {
    const registered = await (await go(`${BASE}/register`, {
      method: "POST",
      body: JSON.stringify({ client_name: "Notes app", redirect_uris: [CLIENT_REDIRECT] }),
    })).json();
    const authorize = new URL(`${BASE}/authorize`);
    for (
      const [k, v] of Object.entries({
        response_type: "code",
        client_id: registered.client_id,
        redirect_uri: CLIENT_REDIRECT,
        code_challenge: await pkceChallenge(VERIFIER),
        code_challenge_method: "S256",
        state: "st",
        resource: `${BASE}/mcp`,
      })
    ) authorize.searchParams.set(k, v);
    const page = await (await go(authorize.href)).text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)![1];
    const approved = await go(`${BASE}/consent`, {
      method: "POST",
      body: new URLSearchParams({
        transaction: field("transaction"),
        csrf: field("csrf"),
        decision: "approve",
      }),
    });
    // The provider's own login and consent pages, played as the user "ada".
    const callback = await driveBrowser(new URL(approved.headers.get("location")!), CALLBACK, "ada");
    assert.equal(callback.searchParams.get("iss"), idp.issuer);
    const back = await go(callback.href);
    const location = new URL(back.headers.get("location")!);
    assert.equal(location.searchParams.get("state"), "st");
    assert.ok(location.searchParams.get("code"));
    const tokens = await (await go(`${BASE}/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: location.searchParams.get("code")!,
        redirect_uri: CLIENT_REDIRECT,
        client_id: registered.client_id,
        code_verifier: VERIFIER,
      }),
    })).json();
    // The provider's tokens are ES256 JWTs with its issuer; the client holds only the proxy's HS256 one.
    const header = JSON.parse(
      atob(tokens.access_token.split(".")[0].replaceAll("-", "+").replaceAll("_", "/")),
    );
    assert.deepEqual([header.alg, header.typ], ["HS256", "at+jwt"]);
    const answer = await readAnswer(
      await mcp.fetch(
        modernRequest("tools/call", { name: "whoami", arguments: {} }, 1, {
          authorization: `Bearer ${tokens.access_token}`,
        }, `${BASE}/mcp`),
      ),
    );
    assert.deepEqual(answer.result!.content, [{ type: "text", text: "ada" }]);
  } finally {
    await mcp.close();
    await idp.close();
  }
});
