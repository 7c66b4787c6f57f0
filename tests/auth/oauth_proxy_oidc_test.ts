/**
 * The OAuth proxy in front of a real identity provider, `npm:oidc-provider`, configured the way
 * GitHub or Google are for an MCP server: no dynamic registration, one static confidential client
 * (the proxy's). An MCP client registers with the proxy instead, signs in through the provider's
 * own login and consent pages, and calls a tool with the proxy's token; the provider's tokens
 * never reach it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { driveBrowser } from "../helpers/idp.ts";
import { clientAuthorizeUrl, proxyOverIdp, redeemCode, whoami } from "../helpers/oauth_proxy.ts";

const BASE = "https://mcp.example.com";
const CALLBACK = `${BASE}/auth/callback`;
const CLIENT_REDIRECT = "http://127.0.0.1:5555/callback";

Deno.test("an MCP client signs in through oidc-provider (no DCR there) via the proxy and calls a tool", async () => {
  const { idp, mcp } = await proxyOverIdp(BASE);
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
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
    const page = await (await go(await clientAuthorizeUrl(BASE, registered.client_id, CLIENT_REDIRECT)))
      .text();
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
    const tokens = await redeemCode(
      send,
      BASE,
      location.searchParams.get("code")!,
      registered.client_id,
      CLIENT_REDIRECT,
    );
    // The provider's tokens are ES256 JWTs with its issuer; the client holds only the proxy's HS256 one.
    const header = JSON.parse(
      atob(tokens.access_token.split(".")[0].replaceAll("-", "+").replaceAll("_", "/")),
    );
    assert.deepEqual([header.alg, header.typ], ["HS256", "at+jwt"]);
    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "ada" }]);
  } finally {
    await mcp.close();
    await idp.close();
  }
});
