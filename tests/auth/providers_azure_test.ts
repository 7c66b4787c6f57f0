/**
 * `AzureProvider` against a stand-in Microsoft Entra ID on 127.0.0.1 laid out as the v2.0
 * endpoints are (`/{tenant}/oauth2/v2.0/authorize`, `…/token`, `/{tenant}/discovery/v2.0/keys`),
 * whose access tokens, like Entra's, hold in `scp` only the scopes of this API that the token
 * request named: this server's scopes go up prefixed with the API's identifier URI, on the
 * authorization URL and on every token request (code and refresh, Graph scopes left out), and
 * come back verified on the tenant's keys. Then Azure AD B2C's policy paths, and the settings
 * refused at construction.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AzureProvider, type AzureProviderOptions } from "../../auth/mod.ts";
import {
  PROXY_SECRET,
  serverBehind,
  signInThroughProxy,
  signInUntilClient,
  whoami,
} from "../helpers/oauth_proxy.ts";
import { startStandIn } from "../helpers/stand_in_idp.ts";

const BASE = "https://mcp.example.com";
const CLIENT_ID = "11111111-2222-3333-4444-555555555555";

/** Entra for one tenant path; access tokens last `expiresIn` and carry this API's requested scopes, unprefixed, in `scp`. */
function standInEntra(tenant: string, apiUri: string, expiresIn = 3_600) {
  return startStandIn({
    paths: {
      authorize: `/${tenant}/oauth2/v2.0/authorize`,
      token: `/${tenant}/oauth2/v2.0/token`,
      jwks: `/${tenant}/discovery/v2.0/keys`,
    },
    issuer: (base) => `${base}/${tenant}/v2.0`,
    clientId: CLIENT_ID,
    clientSecret: "entra-secret",
    expiresIn,
    accessToken: ({ form, sign }) => {
      const scp = (form.get("scope") ?? "").split(" ")
        .filter((s) => s.startsWith(`${apiUri}/`)).map((s) => s.slice(apiUri.length + 1));
      return sign({
        sub: "ada",
        aud: CLIENT_ID,
        scp: scp.join(" "),
        exp: Math.floor(Date.now() / 1000) + expiresIn,
      });
    },
  });
}

const options = (authority: string): AzureProviderOptions => ({
  tenantId: "tenant-guid",
  clientId: CLIENT_ID,
  clientSecret: "entra-secret",
  requiredScopes: ["notes.read"],
  additionalAuthorizeScopes: ["User.Read"],
  baseAuthority: authority,
  baseUrl: BASE,
  jwtSigningKey: PROXY_SECRET,
});

Deno.test("AzureProvider: scopes prefixed on the authorization URL and every token request, Entra's JWT verified on the tenant's keys", async () => {
  // A token that expires within the proxy's threshold: the first tool call refreshes it upstream.
  const entra = await standInEntra("tenant-guid", `api://${CLIENT_ID}`, 30);
  const mcp = serverBehind(new AzureProvider(options(entra.base)));
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    const { tokens } = await signInThroughProxy(mcp, BASE, "ada", "notes.read");
    const [authorize] = entra.to("/tenant-guid/oauth2/v2.0/authorize");
    assert.equal(
      authorize.params.get("scope"),
      `api://${CLIENT_ID}/notes.read User.Read openid offline_access`,
    );
    assert.equal(authorize.params.get("prompt"), "select_account");
    assert.equal(authorize.params.has("resource"), false, "v2.0 takes scopes, not a resource");

    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "ada" }]);
    const exchanges = entra.to("/tenant-guid/oauth2/v2.0/token");
    assert.deepEqual(
      exchanges.map((r) => [r.params.get("grant_type"), r.params.get("scope")]),
      [
        ["authorization_code", `api://${CLIENT_ID}/notes.read openid offline_access`],
        ["refresh_token", `api://${CLIENT_ID}/notes.read openid offline_access`],
      ],
    );
    assert.equal(entra.to("/tenant-guid/discovery/v2.0/keys").length, 1, "Entra's token was verified");
  } finally {
    await mcp.close();
    await entra.close();
  }
});

Deno.test("AzureProvider: an Entra token without this API's scope in scp fails the sign-in, naming the scope", async () => {
  // identifierUri differs from what Entra is asked for: its tokens' scp stays empty.
  const entra = await standInEntra("tenant-guid", "api://another-api");
  const mcp = serverBehind(new AzureProvider(options(entra.base)));
  try {
    const { clientRedirect } = await signInUntilClient(mcp, BASE, "ada", "notes.read");
    assert.equal(clientRedirect.searchParams.get("code"), null);
    assert.match(clientRedirect.searchParams.get("error_description")!, /lacks the scopes notes\.read/);
  } finally {
    await mcp.close();
    await entra.close();
  }
});

Deno.test("AzureProvider.fromB2C: the policy in every path, scopes prefixed with the tenant's identifier URI", async () => {
  const tenant = "contoso.onmicrosoft.com/B2C_1_signin";
  const apiUri = `https://contoso.onmicrosoft.com/${CLIENT_ID}`;
  const b2c = await standInEntra(tenant, apiUri);
  const { tenantId: _tenantId, baseAuthority: _baseAuthority, additionalAuthorizeScopes: _, ...rest } =
    options("");
  const mcp = serverBehind(
    AzureProvider.fromB2C({
      ...rest,
      tenantName: "contoso",
      policyName: "B2C_1_signin",
      customDomain: b2c.base,
    }),
  );
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    const { tokens } = await signInThroughProxy(mcp, BASE, "ada", "notes.read");
    const [authorize] = b2c.to(`/${tenant}/oauth2/v2.0/authorize`);
    assert.equal(authorize.params.get("scope"), `${apiUri}/notes.read openid offline_access`);
    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "ada" }]);
    assert.equal(b2c.to(`/${tenant}/discovery/v2.0/keys`).length, 0, "no tokenIssuer: not verified");
  } finally {
    await mcp.close();
    await b2c.close();
  }
});

Deno.test("AzureProvider refuses settings it cannot keep safe", () => {
  const base = options("login.microsoftonline.com");
  assert.throws(
    () => new AzureProvider({ ...base, requiredScopes: ["openid", "email"] }),
    /requiredScopes needs one of this API's scopes/,
  );
  assert.throws(
    () => new AzureProvider({ ...base, tenantId: "organizations" }),
    /tenant 'organizations' signs in users of any directory; give tokenIssuer/,
  );
  const { tenantId: _, baseAuthority: _b, ...b2c } = base;
  assert.throws(
    () =>
      AzureProvider.fromB2C({ ...b2c, tenantName: "contoso.onmicrosoft.com", policyName: "B2C_1_signin" }),
    /tenantName is the short name/,
  );
});
