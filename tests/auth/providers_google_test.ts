/**
 * `GoogleProvider` against a stand-in Google on 127.0.0.1 (the accounts site's
 * `/o/oauth2/v2/auth`, the OAuth API's `/token`, `/tokeninfo` and `/revoke`), whose access tokens
 * are opaque as Google's are: the offline-access parameters on the authorization URL, the user
 * from the id token, each use checked at `tokeninfo` (the token in the body), a token issued to
 * another client refused, and revocation passed on.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GoogleProvider } from "../../auth/mod.ts";
import {
  listStatus,
  PROXY_SECRET,
  serverBehind,
  signInThroughProxy,
  whoami,
} from "../helpers/oauth_proxy.ts";
import { startStandIn } from "../helpers/stand_in_idp.ts";

const BASE = "https://mcp.example.com";
const CLIENT_ID = "1234.apps.googleusercontent.com";

/** Google, whose tokeninfo says every token it issued was for `audience.client`. */
async function standInGoogle() {
  const issued = new Set<string>();
  const audience = { client: CLIENT_ID };
  let serial = 0;
  const google = await startStandIn({
    paths: { authorize: "/o/oauth2/v2/auth", token: "/token", revoke: "/revoke" },
    issuer: () => "https://accounts.google.com",
    clientId: CLIENT_ID,
    clientSecret: "GOCSPX-secret",
    accessToken: () => {
      const token = `ya29.${++serial}`;
      issued.add(token);
      return token;
    },
    routes: (req, url, params) => {
      if (url.pathname !== "/tokeninfo" || req.method !== "POST") return undefined;
      if (!issued.has(params.get("access_token") ?? "")) {
        return Response.json({ error: "invalid_token" }, { status: 400 });
      }
      return Response.json({
        aud: audience.client,
        azp: audience.client,
        sub: "110248495921238986420",
        scope: "openid",
        expires_in: "3599",
      });
    },
  });
  return { google, audience };
}

function provider(site: string) {
  return serverBehind(
    new GoogleProvider({
      clientId: CLIENT_ID,
      clientSecret: "GOCSPX-secret",
      accountsUrl: site,
      oauth2Url: site,
      cacheTtlMs: 0,
      baseUrl: BASE,
      jwtSigningKey: PROXY_SECRET,
    }),
  );
}

Deno.test("GoogleProvider: offline access asked for, the user from the id token, each use checked at tokeninfo, revocation passed on", async () => {
  const { google } = await standInGoogle();
  const mcp = provider(google.base);
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    const { tokens } = await signInThroughProxy(mcp, BASE);
    const [authorize] = google.to("/o/oauth2/v2/auth");
    assert.deepEqual(
      ["scope", "access_type", "prompt"].map((name) => authorize.params.get(name)),
      ["openid", "offline", "consent"],
    );
    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "ada" }]);
    const [check] = google.to("/tokeninfo");
    assert.equal(check.method, "POST");
    assert.equal(check.params.get("access_token"), "ya29.1", "in the body, not the URL");

    const revoked = await send(
      new Request(`${BASE}/revoke`, {
        method: "POST",
        body: new URLSearchParams({ token: tokens.refresh_token }),
      }),
    );
    assert.equal(revoked.status, 200);
    await revoked.body?.cancel();
    const [revocation] = google.to("/revoke");
    assert.equal(revocation.params.get("token_type_hint"), "refresh_token");
  } finally {
    await mcp.close();
    await google.close();
  }
});

Deno.test("GoogleProvider: a Google token issued to another client is refused", async () => {
  const { google, audience } = await standInGoogle();
  const mcp = provider(google.base);
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    const { tokens } = await signInThroughProxy(mcp, BASE);
    assert.equal((await listStatus(send, BASE, tokens.access_token)).status, 200);
    audience.client = "5678.apps.googleusercontent.com";
    assert.equal((await listStatus(send, BASE, tokens.access_token)).status, 401);
  } finally {
    await mcp.close();
    await google.close();
  }
});
