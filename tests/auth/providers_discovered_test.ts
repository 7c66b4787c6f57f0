/**
 * The providers configured by OpenID discovery (Auth0, Okta, Keycloak, OCI), each against a
 * stand-in on 127.0.0.1 laid out as the real one is (its discovery path, endpoint paths, issuer
 * form and client authentication), through a whole sign-in to a tool call: where each looks for
 * its document, what it sends upstream, and whether the provider's JWTs are verified.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  Auth0Provider,
  KeycloakProvider,
  OCIProvider,
  type OIDCProxy,
  OktaProvider,
} from "../../auth/mod.ts";
import { PROXY_SECRET, serverBehind, signInThroughProxy, whoami } from "../helpers/oauth_proxy.ts";
import { type StandIn, type StandInOptions, startStandIn } from "../helpers/stand_in_idp.ts";

const BASE = "https://mcp.example.com";
const CLIENT = { clientId: "mcp-proxy", clientSecret: "upstream-secret" };
const COMMON = { ...CLIENT, baseUrl: BASE, jwtSigningKey: PROXY_SECRET };

/** Signs in through `build`'s proxy in front of a stand-in and calls `whoami`; returns the stand-in's record. */
async function signInVia(
  standIn: Omit<StandInOptions, "clientId" | "clientSecret">,
  build: (idp: StandIn) => Promise<OIDCProxy>,
  check: (idp: StandIn, proxy: OIDCProxy) => void,
): Promise<void> {
  const idp = await startStandIn({ ...standIn, ...CLIENT });
  try {
    const proxy = await build(idp);
    const mcp = serverBehind(proxy);
    try {
      const { tokens } = await signInThroughProxy(mcp, BASE);
      const send = (req: Request) => Promise.resolve(mcp.fetch(req));
      assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "ada" }]);
      check(idp, proxy);
    } finally {
      await mcp.close();
    }
  } finally {
    await idp.close();
  }
}

Deno.test("Auth0Provider: audience sent to both endpoints, offline_access asked for, the JWT verified for the audience", async () => {
  const audience = "https://notes.example.com/api";
  await signInVia(
    {
      paths: {
        discovery: "/.well-known/openid-configuration",
        authorize: "/authorize",
        token: "/oauth/token",
        revoke: "/oauth/revoke",
        jwks: "/.well-known/jwks.json",
      },
      // Auth0's issuer ends with a slash.
      issuer: (base) => `${base}/`,
      authMethods: ["client_secret_basic", "client_secret_post"],
      accessToken: ({ base, sign }) =>
        sign({ sub: "ada", aud: [audience, `${base}/userinfo`], exp: Math.floor(Date.now() / 1000) + 600 }),
    },
    (idp) =>
      Auth0Provider.discover({
        ...COMMON,
        configUrl: `${idp.base}/.well-known/openid-configuration`,
        audience,
      }),
    (idp, proxy) => {
      assert.equal(proxy.configuration.revocation_endpoint, `${idp.base}/oauth/revoke`);
      const [authorize] = idp.to("/authorize");
      assert.deepEqual(
        [authorize.params.get("audience"), authorize.params.get("scope")],
        [audience, "openid offline_access"],
      );
      const [exchange] = idp.to("/oauth/token");
      assert.deepEqual([exchange.params.get("audience"), exchange.params.get("client_secret")], [
        audience,
        "upstream-secret",
      ]);
      assert.equal(idp.to("/.well-known/jwks.json").length, 1, "the access token was verified");
    },
  );
});

Deno.test("OktaProvider: the custom authorization server's document, offline_access asked for, the JWT verified for api://default", async () => {
  await signInVia(
    {
      paths: {
        discovery: "/oauth2/default/.well-known/openid-configuration",
        authorize: "/oauth2/default/v1/authorize",
        token: "/oauth2/default/v1/token",
        revoke: "/oauth2/default/v1/revoke",
        jwks: "/oauth2/default/v1/keys",
      },
      issuer: (base) => `${base}/oauth2/default`,
      authMethods: [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
        "none",
      ],
      accessToken: ({ sign }) =>
        sign({ sub: "ada", aud: "api://default", exp: Math.floor(Date.now() / 1000) + 600 }),
    },
    (idp) => OktaProvider.discover({ ...COMMON, domain: idp.base, audience: "api://default" }),
    (idp) => {
      assert.equal(idp.to("/oauth2/default/.well-known/openid-configuration").length, 1);
      assert.equal(idp.to("/oauth2/default/v1/authorize")[0].params.get("scope"), "openid offline_access");
      assert.equal(idp.to("/oauth2/default/v1/keys").length, 1, "the access token was verified");
    },
  );
});

Deno.test("KeycloakProvider: the realm's document and endpoints, openid only, no verification without an audience", async () => {
  const realm = "/realms/notes";
  await signInVia(
    {
      paths: {
        discovery: `${realm}/.well-known/openid-configuration`,
        authorize: `${realm}/protocol/openid-connect/auth`,
        token: `${realm}/protocol/openid-connect/token`,
        revoke: `${realm}/protocol/openid-connect/revoke`,
        jwks: `${realm}/protocol/openid-connect/certs`,
      },
      issuer: (base) => `${base}${realm}`,
      authMethods: ["private_key_jwt", "client_secret_basic", "client_secret_post", "client_secret_jwt"],
    },
    (idp) => KeycloakProvider.discover({ ...COMMON, realmUrl: `${idp.base}${realm}/` }),
    (idp) => {
      assert.equal(idp.to(`${realm}/protocol/openid-connect/auth`)[0].params.get("scope"), "openid");
      assert.equal(idp.to(`${realm}/protocol/openid-connect/certs`).length, 0);
    },
  );
});

Deno.test("OCIProvider: the domain's shared issuer accepted, client_secret_basic as the domain lists, the JWT verified", async () => {
  await signInVia(
    {
      paths: {
        discovery: "/.well-known/openid-configuration",
        authorize: "/oauth2/v1/authorize",
        token: "/oauth2/v1/token",
        revoke: "/oauth2/v1/revoke",
        jwks: "/admin/v1/SigningCert/jwk",
      },
      issuer: () => "https://identity.oraclecloud.com/",
      authMethods: ["client_secret_basic", "client_secret_jwt"],
      accessToken: ({ sign }) =>
        sign({ sub: "ada", aud: "notes-app", exp: Math.floor(Date.now() / 1000) + 600 }),
    },
    (idp) =>
      OCIProvider.discover({
        ...COMMON,
        configUrl: `${idp.base}/.well-known/openid-configuration`,
        audience: "notes-app",
      }),
    (idp) => {
      const [exchange] = idp.to("/oauth2/v1/token");
      assert.match(exchange.headers.get("authorization")!, /^Basic /);
      assert.equal(exchange.params.has("client_secret"), false);
      assert.equal(idp.to("/admin/v1/SigningCert/jwk").length, 1, "the access token was verified");
    },
  );
});
