/**
 * `WorkOSProvider` against a stand-in AuthKit domain on 127.0.0.1 (`/oauth2/authorize`,
 * `/oauth2/token`, `/oauth2/userinfo`; opaque access tokens, no id token): the user named by
 * userinfo's `sub`, the default scopes and extra authorization parameters sent upstream, and the
 * server's own scopes advertised to clients.
 *
 * @module
 */

import assert from "node:assert/strict";
import { WorkOSProvider } from "../../auth/mod.ts";
import { PROXY_SECRET, serverBehind, signInThroughProxy, whoami } from "../helpers/oauth_proxy.ts";
import { startStandIn } from "../helpers/stand_in_idp.ts";

const BASE = "https://mcp.example.com";

Deno.test("WorkOSProvider: the user from AuthKit's userinfo, scopes and extra parameters sent upstream, scopesSupported advertised", async () => {
  const authkit = await startStandIn({
    paths: { authorize: "/oauth2/authorize", token: "/oauth2/token" },
    clientId: "client_01",
    clientSecret: "sk_test",
    idToken: false,
    accessToken: () => "workos-opaque-token",
    routes: (req, url) =>
      url.pathname === "/oauth2/userinfo" && req.headers.get("authorization") === "Bearer workos-opaque-token"
        ? Response.json({ sub: "user_01H", email: "ada@example.com" })
        : undefined,
  });
  const mcp = serverBehind(
    new WorkOSProvider({
      authkitDomain: authkit.base,
      clientId: "client_01",
      clientSecret: "sk_test",
      scopesSupported: ["notes:read"],
      extraAuthorizeParams: { organization_id: "org_01" },
      baseUrl: BASE,
      jwtSigningKey: PROXY_SECRET,
    }),
  );
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    const metadata = await (await send(new Request(`${BASE}/.well-known/oauth-authorization-server`))).json();
    assert.deepEqual(metadata.scopes_supported, ["notes:read"]);
    const { tokens } = await signInThroughProxy(mcp, BASE, "ada", "notes:read");
    const [authorize] = authkit.to("/oauth2/authorize");
    assert.equal(authorize.params.get("scope"), "openid profile email offline_access");
    assert.equal(authorize.params.get("organization_id"), "org_01");
    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "user_01H" }]);
  } finally {
    await mcp.close();
    await authkit.close();
  }
});
