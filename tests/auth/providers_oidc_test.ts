/**
 * `OIDCProxy`: configured from a real provider's discovery document (`npm:oidc-provider` without
 * dynamic registration, the proxy its only client) through a whole sign-in to a tool call, with
 * the provider's JWT access tokens verified on its published keys; and discovery itself against
 * local documents: the issuer named must be the one the URL was built from (mix-up guard), the
 * fetch is bounded in time and bytes and follows no redirect, endpoints must be URLs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { OIDCProxy, type OIDCProxyOptions } from "../../auth/mod.ts";
import {
  PROXY_SECRET,
  proxyOverIdp,
  signInThroughProxy,
  signInUntilClient,
  whoami,
} from "../helpers/oauth_proxy.ts";

const BASE = "https://mcp.example.com";

Deno.test("OIDCProxy: discovered from oidc-provider (no DCR there), a client signs in and calls a tool; the provider's JWTs are verified", async () => {
  let proxy: OIDCProxy | undefined;
  const { idp, mcp } = await proxyOverIdp(BASE, async (idp, client) =>
    proxy = await OIDCProxy.discover({
      configUrl: `${idp.issuer}/.well-known/openid-configuration`,
      ...client,
      audience: `${BASE}/mcp`,
      baseUrl: BASE,
      jwtSigningKey: PROXY_SECRET,
    }));
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    assert.deepEqual(
      [proxy!.configuration.authorization_endpoint, proxy!.configuration.token_endpoint],
      [`${idp.issuer}/auth`, `${idp.issuer}/token`],
    );
    assert.equal(proxy!.configuration.jwks_uri, `${idp.issuer}/jwks`);
    const { upstreamCallback, tokens } = await signInThroughProxy(mcp, BASE, "grace");
    assert.equal(upstreamCallback.searchParams.get("iss"), idp.issuer);
    assert.equal(idp.jwksRequests, 1, "the provider's access token was verified on its keys at sign-in");
    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "grace" }]);
    assert.equal(idp.jwksRequests, 1, "and on each use, with the keys kept");
  } finally {
    await mcp.close();
    await idp.close();
  }
});

Deno.test("OIDCProxy: a provider token for another audience fails the sign-in, naming the check", async () => {
  const { idp, mcp } = await proxyOverIdp(BASE, (idp, client) =>
    OIDCProxy.discover({
      configUrl: `${idp.issuer}/.well-known/openid-configuration`,
      ...client,
      audience: "https://elsewhere.example.com/api",
      baseUrl: BASE,
      jwtSigningKey: PROXY_SECRET,
    }));
  try {
    const { clientRedirect } = await signInUntilClient(mcp, BASE);
    assert.equal(clientRedirect.searchParams.get("code"), null);
    assert.equal(clientRedirect.searchParams.get("error"), "server_error");
    assert.match(
      clientRedirect.searchParams.get("error_description")!,
      /did not pass this server's check: .*'aud'/,
    );
  } finally {
    await mcp.close();
    await idp.close();
  }
});

/** Local discovery documents by path; `/slow` answers when released, `/moved` redirects, `/big` is 300 KiB. */
function documents(docs: (base: string) => Record<string, unknown>) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const { pathname, origin: base } = new URL(req.url);
    if (pathname === "/slow/.well-known/openid-configuration") {
      await released;
      return Response.json({});
    }
    if (pathname === "/moved/.well-known/openid-configuration") {
      return new Response(null, {
        status: 302,
        headers: { location: `${base}/.well-known/openid-configuration` },
      });
    }
    if (pathname === "/big/.well-known/openid-configuration") {
      return Response.json({ issuer: `${base}/big`, padding: "x".repeat(300 * 1024) });
    }
    const doc = docs(base)[pathname];
    return doc ? Response.json(doc) : new Response("not found", { status: 404 });
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    close: async () => {
      release();
      await server.shutdown();
    },
  };
}

const endpoints = (at: string) => ({
  authorization_endpoint: `${at}/authorize`,
  token_endpoint: `${at}/token`,
  jwks_uri: `${at}/jwks`,
});

function options(configUrl: string, more: Partial<OIDCProxyOptions> = {}): OIDCProxyOptions {
  return {
    configUrl,
    clientId: "mcp-proxy",
    clientSecret: "s",
    baseUrl: BASE,
    jwtSigningKey: PROXY_SECRET,
    ...more,
  };
}

Deno.test("OIDCProxy.discover refuses a document that names another issuer (mix-up)", async () => {
  const idp = documents((base) => ({
    "/.well-known/openid-configuration": { issuer: "https://idp.evil.example", ...endpoints(base) },
  }));
  try {
    await assert.rejects(
      OIDCProxy.discover(options(`${idp.base}/.well-known/openid-configuration`)),
      /names the issuer "https:\/\/idp\.evil\.example", not http:\/\/127\.0\.0\.1:\d+: refused/,
    );
  } finally {
    await idp.close();
  }
});

Deno.test("OIDCProxy.discover takes the issuer from either well-known form, a terminating / aside", async () => {
  const idp = documents((base) => ({
    "/.well-known/oauth-authorization-server/tenant": { issuer: `${base}/tenant`, ...endpoints(base) },
    "/auth0/.well-known/openid-configuration": { issuer: `${base}/auth0/`, ...endpoints(base) },
    "/oci/.well-known/openid-configuration": {
      issuer: "https://identity.oraclecloud.com/",
      authorization_endpoint: "/oauth2/v1/authorize",
      token_endpoint: "/oauth2/v1/token",
    },
  }));
  try {
    const inserted = await OIDCProxy.discover(
      options(`${idp.base}/.well-known/oauth-authorization-server/tenant`),
    );
    assert.equal(inserted.configuration.issuer, `${idp.base}/tenant`);
    const slashed = await OIDCProxy.discover(options(`${idp.base}/auth0/.well-known/openid-configuration`));
    assert.equal(slashed.configuration.issuer, `${idp.base}/auth0/`);
    const oci = `${idp.base}/oci/.well-known/openid-configuration`;
    await assert.rejects(OIDCProxy.discover(options(oci)), /names the issuer/);
    const stated = await OIDCProxy.discover(
      options(oci, { upstreamIssuer: "https://identity.oraclecloud.com/" }),
    );
    assert.equal(stated.configuration.token_endpoint, `${idp.base}/oauth2/v1/token`, "relative, resolved");
  } finally {
    await idp.close();
  }
});

Deno.test("OIDCProxy.discover is bounded: no redirect followed, at most 256 KiB, within discoveryTimeoutMs", async () => {
  const idp = documents(() => ({}));
  try {
    await assert.rejects(
      OIDCProxy.discover(options(`${idp.base}/moved/.well-known/openid-configuration`)),
      /could not be had: status 302 \(not followed\)/,
    );
    await assert.rejects(
      OIDCProxy.discover(options(`${idp.base}/big/.well-known/openid-configuration`)),
      /is over 262144 bytes/,
    );
    await assert.rejects(
      OIDCProxy.discover(
        options(`${idp.base}/slow/.well-known/openid-configuration`, { discoveryTimeoutMs: 200 }),
      ),
      /no answer within 200 ms/,
    );
    await assert.rejects(
      OIDCProxy.discover(options(`${idp.base}/missing/.well-known/openid-configuration`)),
      /status 404/,
    );
  } finally {
    await idp.close();
  }
});

Deno.test("OIDCProxy refuses endpoints that are not http(s) URLs, and verification without an audience", async () => {
  const idp = documents((base) => ({
    "/.well-known/openid-configuration": {
      issuer: base,
      ...endpoints(base),
      token_endpoint: "javascript:alert(1)",
    },
    "/ok/.well-known/openid-configuration": { issuer: `${base}/ok`, ...endpoints(base) },
    "/keyless/.well-known/openid-configuration": {
      issuer: `${base}/keyless`,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
    },
  }));
  try {
    await assert.rejects(
      OIDCProxy.discover(options(`${idp.base}/.well-known/openid-configuration`)),
      /token_endpoint is not an https URL/,
    );
    await assert.rejects(
      OIDCProxy.discover(
        options(`${idp.base}/ok/.well-known/openid-configuration`, { verifyUpstreamTokens: true }),
      ),
      /verifyUpstreamTokens needs audience/,
    );
    await assert.rejects(
      OIDCProxy.discover(
        options(`${idp.base}/keyless/.well-known/openid-configuration`, { audience: "api" }),
      ),
      /no jwks_uri/,
    );
  } finally {
    await idp.close();
  }
});
