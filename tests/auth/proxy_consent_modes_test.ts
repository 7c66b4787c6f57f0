/**
 * The OAuth proxy's consent modes and run-time scopes, against a stand-in provider: `"remember"`
 * passes silently only for a remembered approval of the same client, redirect URI and scopes, and
 * only when the browser says the navigation began on this site or with the user (§5 #4, §2.6 b);
 * `"external"` and `false` go straight upstream (the latter with a warning); `updateScopes()`
 * changes both metadata documents, challenges, the upstream request and the scopes every token
 * needs.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { OAuthProxy, type OAuthProxyOptions } from "../../auth/mod.ts";
import { FastMCP } from "../../mod.ts";
import { authorizeUrl, Browser, redeem, registerClient, toolText } from "../helpers/proxy_browser.ts";
import { type StandInIdp, standInIdp } from "../helpers/standin_idp.ts";

const BASE = "https://mcp.example.com";

function setUp(idp: StandInIdp, options: Partial<OAuthProxyOptions>): { mcp: FastMCP; proxy: OAuthProxy } {
  const proxy = new OAuthProxy({
    upstreamAuthorizationEndpoint: `${idp.base}/authorize`,
    upstreamTokenEndpoint: `${idp.base}/token`,
    upstreamClientId: "proxy-client",
    upstreamClientSecret: "upstream-secret",
    baseUrl: BASE,
    jwtSigningKey: "proxy-secret-of-at-least-thirty-two-bytes",
    scopesSupported: ["notes:read", "notes:write"],
    upstreamScopes: ["openid"],
    ...options,
  });
  const mcp = new FastMCP({ name: "notes", logger: () => {}, auth: proxy });
  mcp.tool("whoami", async (_args, ctx) => ctx.accessToken?.subject ?? "nobody");
  return { mcp, proxy };
}

async function withProxy(
  options: Partial<OAuthProxyOptions>,
  run: (mcp: FastMCP, proxy: OAuthProxy, idp: StandInIdp) => Promise<void>,
): Promise<void> {
  const idp = standInIdp({ expiresIn: 3600 });
  const { mcp, proxy } = setUp(idp, options);
  try {
    await run(mcp, proxy, idp);
  } finally {
    await mcp.close();
    await idp.close();
  }
}

/** Where `/authorize` sends the browser: "consent" for the page, "upstream" for the provider. */
async function landing(browser: Browser, url: string, site?: string, idp?: StandInIdp): Promise<string> {
  const res = await browser.go(url, site ? { headers: { "sec-fetch-site": site } } : {});
  await res.body?.cancel();
  if (res.status === 200) return "consent";
  return res.headers.get("location")!.startsWith(`${idp!.base}/authorize`)
    ? "upstream"
    : `elsewhere ${res.status}`;
}

Deno.test("#4, §2.6 b (FastMCP #3960): remember mode is silent only for the same approval, and only on a same-site or user navigation", async () => {
  await withProxy({ requireAuthorizationConsent: "remember" }, async (mcp, _proxy, idp) => {
    const clientId = await registerClient(mcp, BASE);
    const browser = new Browser(mcp, BASE);
    const url = await authorizeUrl(BASE, clientId);
    // The first time, the page; approving remembers it in a signed __Host- cookie.
    const page = await browser.go(url, { headers: { "sec-fetch-site": "none" } });
    assert.equal(page.status, 200);
    const approved = await browser.decide(await page.text(), "approve");
    await approved.body?.cancel();
    const remembered = [...browser.cookies.keys()].filter((k) => k.startsWith("__Host-mcp-approved-"));
    assert.equal(remembered.length, 1);
    for (const line of approved.headers.getSetCookie().filter((l) => l.startsWith("__Host-mcp-approved-"))) {
      assert.match(line, /; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=2592000$/);
    }
    // Silent for the user's own or a same-site navigation.
    for (const site of ["none", "same-origin", "same-site"]) {
      assert.equal(await landing(browser, url, site, idp), "upstream", site);
    }
    // An authorization server in the middle bounces the browser here cross-site; a missing header fails closed.
    assert.equal(await landing(browser, url, "cross-site", idp), "consent");
    assert.equal(await landing(browser, url, undefined, idp), "consent");
    // Another scope set or another browser: the page again.
    assert.equal(
      await landing(
        browser,
        await authorizeUrl(BASE, clientId, { scope: "notes:read notes:write" }),
        "none",
        idp,
      ),
      "consent",
    );
    assert.equal(await landing(new Browser(mcp, BASE), url, "none", idp), "consent");
    // A forged approval cookie (right name, wrong signature) counts for nothing.
    const forged = new Browser(mcp, BASE);
    forged.cookies.set(remembered[0], `${browser.cookies.get(remembered[0])!.split(".")[0]}.AAAA`);
    assert.equal(await landing(forged, url, "none", idp), "consent");
  });
});

Deno.test("#4: the default mode always asks, and never writes an approval cookie", async () => {
  await withProxy({}, async (mcp, _proxy, idp) => {
    const clientId = await registerClient(mcp, BASE);
    const browser = new Browser(mcp, BASE);
    const url = await authorizeUrl(BASE, clientId);
    const back = await browser.signIn(url);
    assert.ok(back.searchParams.get("code"));
    assert.equal([...browser.cookies.keys()].some((k) => k.startsWith("__Host-mcp-approved-")), false);
    assert.equal(await landing(browser, url, "same-origin", idp), "consent");
  });
});

Deno.test("external mode goes straight upstream, still bound to the browser that started it (§5 #3)", async () => {
  await withProxy({ requireAuthorizationConsent: "external" }, async (mcp, _proxy, idp) => {
    const clientId = await registerClient(mcp, BASE);
    const browser = new Browser(mcp, BASE);
    const started = await browser.go(await authorizeUrl(BASE, clientId));
    assert.equal(started.status, 302);
    const upstream = started.headers.get("location")!;
    assert.ok(upstream.startsWith(`${idp.base}/authorize`));
    // Replayed in another browser, the upstream URL gets nowhere.
    const victim = new Browser(mcp, BASE);
    const signedIn = await victim.go(upstream);
    await signedIn.body?.cancel();
    const callback = await victim.go(signedIn.headers.get("location")!);
    assert.equal(callback.status, 400);
    await callback.body?.cancel();
    // The browser that started it completes it.
    const back = await browser.throughUpstream(upstream);
    const tokens = await redeem(mcp, BASE, clientId, back);
    assert.equal(await toolText(mcp, BASE, String(tokens.access_token), "whoami"), "ada");
  });
});

Deno.test("consent off goes straight upstream and warns that it is for development only", async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  try {
    await withProxy({ requireAuthorizationConsent: false }, async (mcp, _proxy, idp) => {
      const clientId = await registerClient(mcp, BASE);
      assert.equal(
        await landing(new Browser(mcp, BASE), await authorizeUrl(BASE, clientId), "none", idp),
        "upstream",
      );
    });
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /requireAuthorizationConsent is false.*development only/);
});

Deno.test("updateScopes: metadata, challenges, the upstream request and required scopes change at run time", async () => {
  await withProxy({}, async (mcp, proxy, idp) => {
    const clientId = await registerClient(mcp, BASE);
    const tokens = await redeem(
      mcp,
      BASE,
      clientId,
      await new Browser(mcp, BASE).signIn(await authorizeUrl(BASE, clientId)),
    );
    proxy.updateScopes({
      supported: ["notes:read", "notes:admin"],
      upstream: ["openid", "email"],
      required: ["notes:admin"],
    });
    const as = await (await mcp.fetch(new Request(`${BASE}/.well-known/oauth-authorization-server`))).json();
    const prm = await (await mcp.fetch(new Request(`${BASE}/.well-known/oauth-protected-resource/mcp`)))
      .json();
    assert.deepEqual([as.scopes_supported, prm.scopes_supported], [["notes:read", "notes:admin"], [
      "notes:read",
      "notes:admin",
    ]]);
    // A token granted before keeps its scopes, and now lacks the required one.
    assert.equal(await toolText(mcp, BASE, String(tokens.access_token), "whoami"), 403);
    const anonymous = await mcp.fetch(new Request(`${BASE}/mcp`, { method: "POST", body: "{}" }));
    await anonymous.body?.cancel();
    assert.match(anonymous.headers.get("www-authenticate")!, /scope="notes:admin"/);
    // A scope no longer supported is refused; the upstream is asked for the new scopes.
    const browser = new Browser(mcp, BASE);
    const refused = await browser.go(await authorizeUrl(BASE, clientId, { scope: "notes:write" }));
    assert.equal(new URL(refused.headers.get("location")!).searchParams.get("error"), "invalid_scope");
    const page = await browser.go(await authorizeUrl(BASE, clientId, { scope: "notes:admin" }));
    const approved = await browser.decide(await page.text(), "approve");
    const upstream = new URL(approved.headers.get("location")!);
    assert.equal(upstream.origin, idp.base);
    assert.equal(upstream.searchParams.get("scope"), "openid email");
  });
});

Deno.test("#2 (GHSA-c2jp-c369-7pvx, FastMCP #2056): a freshly registered client meets the consent page before anything goes upstream", async () => {
  await withProxy({}, async (mcp, _proxy, idp) => {
    // Open registration: anyone can register a client whose redirect URI they own.
    const res = await mcp.fetch(
      new Request(`${BASE}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_name: "Totally Legit",
          redirect_uris: ["https://attacker.example/cb"],
        }),
      }),
    );
    const { client_id: clientId } = await res.json();
    // A signed-in user's browser lured to it, even on a same-site navigation: the proxy's own page
    // naming the client and where the browser would go, never a redirect to the provider (whose
    // remembered consent for the proxy's one client would make it silent).
    const browser = new Browser(mcp, BASE);
    const page = await browser.go(
      await authorizeUrl(BASE, clientId, { redirect_uri: "https://attacker.example/cb" }),
      { headers: { "sec-fetch-site": "same-origin" } },
    );
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("location"), null);
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.match(page.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
    const html = await page.text();
    assert.match(html, /Totally Legit/);
    assert.match(html, /<strong>attacker\.example<\/strong>/);
    assert.ok(!html.includes(idp.base), "the upstream URL is not on the page");
  });
});

Deno.test("FastMCP #3784: the proxy's cookies stay small however many authorizations one browser starts or remembers", async () => {
  await withProxy({ requireAuthorizationConsent: "remember" }, async (mcp) => {
    const clientId = await registerClient(mcp, BASE);
    const browser = new Browser(mcp, BASE);
    const sizes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const scope = i % 2 ? "notes:read" : "notes:write";
      const page = await browser.go(await authorizeUrl(BASE, clientId, { scope, state: `s${i}` }));
      const approved = await browser.decide(await page.text(), "approve");
      for (const line of [...page.headers.getSetCookie(), ...approved.headers.getSetCookie()]) {
        sizes.push(line.split(";")[0].length);
      }
    }
    // One CSRF cookie and one binding cookie, replaced each time; one approval per client,
    // redirect URI and scope set: two here, each of fixed size.
    assert.deepEqual(
      [...browser.cookies.keys()].filter((k) => k.startsWith("__Host-mcp-approved-")).length,
      2,
    );
    assert.ok(Math.max(...sizes) < 160, `largest cookie ${Math.max(...sizes)} bytes`);
    assert.ok(browser.cookies.size <= 4, `${browser.cookies.size} cookies`);
  });
});
