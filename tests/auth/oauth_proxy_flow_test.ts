/**
 * The OAuth proxy's whole flow over HTTP, against a local stand-in identity provider that, like
 * GitHub or Google, registers no clients: a client registers with the proxy, consents on its
 * page (CSRF double submit), signs in upstream (the proxy's own client and PKCE), comes back
 * through the callback (consent binding checked), redeems its code, calls a tool with the
 * proxy's token, refreshes, and is refused after revocation. Browsers and oidc-provider come next.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { OAuthProxy } from "../../auth/mod.ts";
import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";
import { FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";
import {
  authorizeUrl as clientAuthorizeUrl,
  Browser,
  CLIENT_REDIRECT,
  hidden,
  registerClient,
  VERIFIER,
} from "../helpers/proxy_browser.ts";

const BASE = "https://mcp.example.com";
const SECRET = "proxy-secret-of-at-least-thirty-two-bytes";

/** An identity provider that knows only the proxy's client; GitHub's kind sends no id token, only a /user API. */
function identityProvider(kind: "oidc" | "github" = "oidc") {
  const challenges = new Map<string, string>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/user") {
      return req.headers.get("authorization") === "Bearer upstream-at"
        ? Response.json({ id: 1234, login: "ada" })
        : new Response("unauthorized", { status: 401 });
    }
    if (url.pathname === "/authorize") {
      const p = url.searchParams;
      if (p.get("client_id") !== "proxy-client") return new Response("unknown client", { status: 400 });
      challenges.set("up-code", p.get("code_challenge")!);
      const back = new URL(p.get("redirect_uri")!);
      back.searchParams.set("code", "up-code");
      back.searchParams.set("state", p.get("state")!);
      return new Response(null, { status: 302, headers: { location: back.href } });
    }
    const form = new URLSearchParams(await req.text());
    if (form.get("client_secret") !== "upstream-secret") {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    if (
      form.get("code") !== "up-code" ||
      await pkceChallenge(form.get("code_verifier")!) !== challenges.get("up-code")
    ) {
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    }
    const idToken = `e30.${btoa(JSON.stringify({ sub: "ada" })).replace(/=+$/, "")}.sig`;
    const tokens = { access_token: "upstream-at", refresh_token: "upstream-rt", expires_in: 3600 };
    return Response.json(kind === "oidc" ? { ...tokens, id_token: idToken } : tokens);
  });
  return { server, base: `http://127.0.0.1:${server.addr.port}` };
}

function setUp(upstream: string, identity?: (tokens: { accessToken: string }) => Promise<string>) {
  const mcp = new FastMCP({
    name: "notes",
    logger: () => {},
    auth: new OAuthProxy({
      upstreamAuthorizationEndpoint: `${upstream}/authorize`,
      upstreamTokenEndpoint: `${upstream}/token`,
      upstreamClientId: "proxy-client",
      upstreamClientSecret: "upstream-secret",
      baseUrl: BASE,
      jwtSigningKey: SECRET,
      scopesSupported: ["notes:read"],
      ...(identity ? { identity } : {}),
    }),
  });
  mcp.tool("whoami", async (_args, ctx) => ctx.accessToken?.subject ?? "nobody");
  return mcp;
}

Deno.test("the proxy's flow: register, consent, upstream sign-in, callback, code, tool call, refresh, revocation", async () => {
  const idp = identityProvider();
  const mcp = setUp(idp.base);
  try {
    const metadata = await (await mcp.fetch(new Request(`${BASE}/.well-known/oauth-authorization-server`)))
      .json();
    assert.equal(metadata.issuer, BASE);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    const clientId = await registerClient(mcp, BASE);
    const browser = new Browser(mcp, BASE);

    const consent = await browser.go(await clientAuthorizeUrl(BASE, clientId));
    assert.equal(consent.status, 200);
    assert.match(consent.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
    const page = await consent.text();
    assert.match(page, /Notes app wants to use https:\/\/mcp\.example\.com\/mcp/);
    assert.ok(browser.cookies.has("__Host-mcp-csrf"));

    const approved = await browser.go(`${BASE}/consent`, {
      method: "POST",
      body: new URLSearchParams({
        transaction: hidden(page, "transaction"),
        csrf: hidden(page, "csrf"),
        decision: "approve",
      }),
    });
    assert.equal(approved.status, 302);
    const upstreamUrl = approved.headers.get("location")!;
    assert.ok(upstreamUrl.startsWith(`${idp.base}/authorize?`));
    assert.ok(browser.cookies.has("__Host-mcp-consent"));

    const signedIn = await browser.go(upstreamUrl);
    await signedIn.body?.cancel();
    const callback = await browser.go(signedIn.headers.get("location")!);
    assert.equal(callback.status, 302);
    const back = new URL(callback.headers.get("location")!);
    assert.equal(`${back.origin}${back.pathname}`, CLIENT_REDIRECT);
    assert.equal(back.searchParams.get("state"), "client-state");
    assert.equal(back.searchParams.get("iss"), BASE);
    assert.doesNotMatch(back.href, /upstream/);

    const token = async (params: Record<string, string>) =>
      await mcp.fetch(new Request(`${BASE}/token`, { method: "POST", body: new URLSearchParams(params) }));
    const issued = await (await token({
      grant_type: "authorization_code",
      code: back.searchParams.get("code")!,
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
      code_verifier: VERIFIER,
    })).json();
    assert.doesNotMatch(JSON.stringify(issued), /upstream-at|upstream-rt/);

    const whoami = async (accessToken: string) =>
      await mcp.fetch(
        modernRequest("tools/call", { name: "whoami", arguments: {} }, 1, {
          authorization: `Bearer ${accessToken}`,
        }, `${BASE}/mcp`),
      );
    const answer = await readAnswer(await whoami(issued.access_token));
    assert.deepEqual(answer.result!.content, [{ type: "text", text: "ada" }]);

    const refreshed = await (await token({
      grant_type: "refresh_token",
      refresh_token: issued.refresh_token,
      client_id: clientId,
    })).json();
    assert.equal(
      (await whoami(issued.access_token)).status,
      401,
      "the old access token ends with its refresh",
    );
    assert.equal((await readAnswer(await whoami(refreshed.access_token))).result!.isError, undefined);

    await mcp.fetch(
      new Request(`${BASE}/revoke`, {
        method: "POST",
        body: new URLSearchParams({ token: refreshed.access_token }),
      }),
    );
    assert.equal((await whoami(refreshed.access_token)).status, 401);
  } finally {
    await mcp.close();
    await idp.server.shutdown();
  }
});

Deno.test("#3, #5: consent from another browser, or without the CSRF cookie, gets nowhere", async () => {
  const idp = identityProvider();
  const mcp = setUp(idp.base);
  try {
    const clientId = await registerClient(mcp, BASE);
    const attacker = new Browser(mcp, BASE);
    const page = await (await attacker.go(await clientAuthorizeUrl(BASE, clientId))).text();
    const form = {
      transaction: hidden(page, "transaction"),
      csrf: hidden(page, "csrf"),
      decision: "approve",
    };
    // The victim's browser posts the attacker's form: it has no CSRF cookie.
    const victim = new Browser(mcp, BASE);
    const forged = await victim.go(`${BASE}/consent`, { method: "POST", body: new URLSearchParams(form) });
    assert.equal(forged.status, 400);
    await forged.body?.cancel();
    // The attacker consents, then lures the victim to the upstream URL: the callback wants the attacker's binding cookie.
    const approved = await attacker.go(`${BASE}/consent`, {
      method: "POST",
      body: new URLSearchParams(form),
    });
    const signedIn = await victim.go(approved.headers.get("location")!);
    await signedIn.body?.cancel();
    const callback = await victim.go(signedIn.headers.get("location")!);
    assert.equal(callback.status, 400);
    assert.match(await callback.text(), /this browser did not approve/);
  } finally {
    await mcp.close();
    await idp.server.shutdown();
  }
});

Deno.test("#6: an unregistered redirect URI is refused on a page; a denial goes back with access_denied", async () => {
  const idp = identityProvider();
  const mcp = setUp(idp.base);
  try {
    const clientId = await registerClient(mcp, BASE);
    const browser = new Browser(mcp, BASE);
    const evil = await clientAuthorizeUrl(BASE, clientId, { redirect_uri: "https://attacker.example/cb" });
    const refused = await browser.go(evil);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("location"), null);
    await refused.body?.cancel();
    const page = await (await browser.go(await clientAuthorizeUrl(BASE, clientId))).text();
    const denied = await browser.go(`${BASE}/consent`, {
      method: "POST",
      body: new URLSearchParams({
        transaction: hidden(page, "transaction"),
        csrf: hidden(page, "csrf"),
        decision: "deny",
      }),
    });
    const back = new URL(denied.headers.get("location")!);
    assert.equal(back.searchParams.get("error"), "access_denied");
    assert.equal(back.searchParams.get("state"), "client-state");
  } finally {
    await mcp.close();
    await idp.server.shutdown();
  }
});

Deno.test("a provider without id tokens (GitHub's kind): identity names the user; without it the sign-in fails cleanly", async () => {
  const idp = identityProvider("github");
  const identity = async ({ accessToken }: { accessToken: string }) =>
    String(
      (await (await fetch(`${idp.base}/user`, { headers: { authorization: `Bearer ${accessToken}` } }))
        .json()).id,
    );
  try {
    for (
      const [mcp, expected] of [[setUp(idp.base, identity), "1234"], [setUp(idp.base), undefined]] as const
    ) {
      try {
        const clientId = await registerClient(mcp, BASE);
        const browser = new Browser(mcp, BASE);
        const page = await (await browser.go(await clientAuthorizeUrl(BASE, clientId))).text();
        const approved = await browser.go(`${BASE}/consent`, {
          method: "POST",
          body: new URLSearchParams({
            transaction: hidden(page, "transaction"),
            csrf: hidden(page, "csrf"),
            decision: "approve",
          }),
        });
        const signedIn = await browser.go(approved.headers.get("location")!);
        await signedIn.body?.cancel();
        const back = new URL((await browser.go(signedIn.headers.get("location")!)).headers.get("location")!);
        if (expected === undefined) {
          assert.equal(back.searchParams.get("error"), "server_error", back.href);
          assert.match(back.searchParams.get("error_description") ?? "", /named no user/);
          continue;
        }
        const issued = await (await mcp.fetch(
          new Request(`${BASE}/token`, {
            method: "POST",
            body: new URLSearchParams({
              grant_type: "authorization_code",
              code: back.searchParams.get("code")!,
              redirect_uri: CLIENT_REDIRECT,
              client_id: clientId,
              code_verifier: VERIFIER,
            }),
          }),
        )).json();
        const answer = await readAnswer(
          await mcp.fetch(
            modernRequest("tools/call", { name: "whoami", arguments: {} }, 1, {
              authorization: `Bearer ${issued.access_token}`,
            }, `${BASE}/mcp`),
          ),
        );
        assert.deepEqual(answer.result!.content, [{ type: "text", text: expected }]);
      } finally {
        await mcp.close();
      }
    }
  } finally {
    await idp.server.shutdown();
  }
});
