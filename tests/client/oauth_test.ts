/**
 * OAuth end to end: `npm:oidc-provider` on 127.0.0.1 is the authorization server, a FastMCP
 * behind a bearer gate is the protected resource (RFC 9728 metadata, `WWW-Authenticate`
 * challenge, JWT access tokens checked with jose against the provider's JWKS). The client
 * discovers, registers dynamically, authorizes with PKCE headlessly (driving the provider's login
 * and consent forms), exchanges the code, keeps the token in its store and calls a tool.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as jose from "jose";
import { Client, MemoryTokenStore, OAuth } from "../../client.ts";
import { driveBrowser, forge, startIdp } from "../helpers/idp.ts";
import { startResourceServer } from "../helpers/protected_server.ts";

const REDIRECT_URI = "http://127.0.0.1:8932/callback";
const SCOPE = "mcp:read";

async function statusWith(url: string, token: string): Promise<[number, string | null]> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  await res.body?.cancel();
  return [res.status, res.headers.get("www-authenticate")];
}

Deno.test("OAuth: discovery, registration, PKCE with oidc-provider, token store, then calls", async () => {
  // Each server names the other: the resource is the audience, the issuer is in the metadata.
  const idpRef: { issuer?: string } = {};
  const rs = startResourceServer(() => idpRef.issuer!, SCOPE);
  const idp = await startIdp({ resource: () => rs.url, resourceScopes: SCOPE }).catch(async (err) => {
    await rs.close();
    throw err;
  });
  idpRef.issuer = idp.issuer;
  try {
    const store = new MemoryTokenStore();
    const authorizations: URL[] = [];
    const callbacks: URL[] = [];
    const authorize = async (url: URL) => {
      authorizations.push(url);
      const callback = await driveBrowser(url, REDIRECT_URI);
      callbacks.push(callback);
      return callback;
    };
    const oauth = () => new OAuth({ store, authorize, redirectUrl: REDIRECT_URI, clientName: "oauth-test" });

    // First run: 401 → metadata discovery → dynamic registration → login and consent → code → token.
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
    }
    assert.equal(authorizations.length, 1);
    const request = authorizations[0].searchParams;
    assert.equal(authorizations[0].origin, idp.issuer);
    assert.equal(request.get("code_challenge_method"), "S256");
    assert.ok(request.get("code_challenge"));
    assert.equal(request.get("resource"), rs.url);
    // The scope from the protected-resource metadata, plus offline_access as the server offers it.
    assert.deepEqual(request.get("scope")?.split(" ").sort(), ["mcp:read", "offline_access"]);
    assert.equal(request.get("redirect_uri"), REDIRECT_URI);
    assert.equal(request.get("response_type"), "code");
    // The redirect carried the code, the request's state and the issuer (RFC 9207).
    assert.ok(callbacks[0].searchParams.get("code"));
    assert.equal(callbacks[0].searchParams.get("state"), request.get("state"));
    assert.equal(callbacks[0].searchParams.get("iss"), idp.issuer);

    // The store holds the registration and the token set, under the issuer.
    const stored = await store.get(new URL(rs.url).href);
    assert.equal(stored?.lastIssuer, idp.issuer);
    const clientId = stored?.clients?.[idp.issuer]?.client_id;
    assert.equal(typeof clientId, "string");
    assert.equal(request.get("client_id"), clientId);
    const accessToken = stored?.tokens?.[idp.issuer]?.access_token;
    assert.equal(typeof accessToken, "string");
    // A JWT for the MCP resource, as the resource server checks it.
    const claims = jose.decodeJwt(accessToken as string);
    assert.equal(claims.aud, rs.url);
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.client_id, clientId);
    assert.equal(claims.scope, SCOPE);

    // A second client with the same store reuses the token: no new authorization.
    const passedBefore = rs.passed;
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
      assert.equal((await client.listTools()).length, 1);
    }
    assert.equal(authorizations.length, 1);
    assert.ok(rs.passed > passedBefore);

    // The server refuses a token for another audience, an expired one and none at all, with the challenge.
    assert.equal((await statusWith(rs.url, accessToken as string))[0], 200);
    const wrongAudience = await forge(idp, { aud: "http://127.0.0.1:1/other" });
    const expired = await forge(idp, { aud: rs.url, exp: Math.floor(Date.now() / 1000) - 60 });
    const sound = await forge(idp, { aud: rs.url });
    assert.equal((await statusWith(rs.url, sound))[0], 200, "the forging itself is sound");
    for (const token of [wrongAudience, expired, "not-a-jwt"]) {
      const [status, challenge] = await statusWith(rs.url, token);
      assert.equal(status, 401);
      assert.equal(challenge, `Bearer resource_metadata="${rs.prmUrl}"`);
    }

    // A client whose stored token has expired is refused and renews it with the refresh token
    // (offline_access was granted), without asking the user again.
    const key = new URL(rs.url).href;
    const expire = async (dropRefresh: boolean) => {
      const state = (await store.get(key))!;
      const tokens: Record<string, unknown> = { ...state.tokens![idp.issuer], access_token: expired };
      if (dropRefresh) delete tokens.refresh_token;
      state.tokens![idp.issuer] = tokens;
      await store.set(key, state);
    };
    assert.equal(typeof stored?.tokens?.[idp.issuer]?.refresh_token, "string");
    await expire(false);
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
    }
    assert.equal(authorizations.length, 1);
    const refreshed = (await store.get(key))?.tokens?.[idp.issuer]?.access_token as string;
    assert.notEqual(refreshed, expired);
    assert.equal((await statusWith(rs.url, refreshed))[0], 200);

    // Without a refresh token, the refused client runs the authorization again.
    await expire(true);
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
    }
    assert.equal(authorizations.length, 2);
    const renewed = (await store.get(key))?.tokens?.[idp.issuer]?.access_token as string;
    assert.notEqual(renewed, expired);
    assert.equal((await statusWith(rs.url, renewed))[0], 200);
  } finally {
    await rs.close();
    await idp.close();
  }
});
