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
import { proxyOverIdp, signInThroughProxy, whoami } from "../helpers/oauth_proxy.ts";

const BASE = "https://mcp.example.com";

Deno.test("an MCP client signs in through oidc-provider (no DCR there) via the proxy and calls a tool", async () => {
  const { idp, mcp } = await proxyOverIdp(BASE);
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    // The provider's own login and consent pages, played as the user "ada".
    const { upstreamCallback, clientRedirect, tokens } = await signInThroughProxy(mcp, BASE, "ada");
    assert.equal(upstreamCallback.searchParams.get("iss"), idp.issuer);
    assert.equal(clientRedirect.searchParams.get("state"), "st");
    assert.ok(clientRedirect.searchParams.get("code"));
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
