/**
 * The OAuth proxy's consent page and signed cookies: every value escaped (§5 #15), no script,
 * no framing, a form that works without JavaScript, the redirect host shown and a local-only
 * redirect flagged (§5 #18); cookies signed per purpose, tampering and cross-purpose use refused.
 *
 * @module
 */

import assert from "node:assert/strict";
import { consentHeaders, consentPage, escapeHtml } from "../../auth/oauth_proxy/consent_page.ts";
import { CookieSigner, hostCookie, readHostCookie } from "../../auth/oauth_proxy/signed_cookie.ts";

const REQUEST = {
  clientName: "Notes",
  clientId: "client-1",
  redirectUri: "https://app.example/callback",
  scopes: ["notes:read"],
  resource: "https://mcp.example/mcp",
  transactionId: "txn-1",
  csrfToken: "csrf-1",
  action: "/consent",
};

Deno.test("#15 (CVE-2025-62800): every interpolated value of the consent page is escaped", () => {
  const hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
  const page = consentPage({
    ...REQUEST,
    clientName: hostile,
    clientId: hostile,
    scopes: [hostile],
    resource: hostile,
    transactionId: hostile,
    csrfToken: hostile,
    redirectUri: `https://app.example/cb?x=${encodeURIComponent(hostile)}`,
  });
  assert.doesNotMatch(page, /<script|<img|onerror=alert\(1\)>/);
  assert.match(
    page,
    /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/,
  );
  assert.equal(escapeHtml(`<a href="x" title='y'>&`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;");
});

Deno.test("the consent page is a form that works without JavaScript, under a policy that allows none", () => {
  const page = consentPage(REQUEST);
  assert.match(page, /<form method="post" action="\/consent">/);
  assert.match(page, /<input type="hidden" name="transaction" value="txn-1">/);
  assert.match(page, /<input type="hidden" name="csrf" value="csrf-1">/);
  assert.match(page, /<button type="submit" name="decision" value="approve">Allow<\/button>/);
  assert.match(page, /<button type="submit" name="decision" value="deny">Deny<\/button>/);
  const headers = consentHeaders();
  const csp = headers.get("content-security-policy")!;
  assert.match(
    csp,
    /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; frame-ancestors 'none'/,
  );
  assert.equal(headers.get("x-frame-options"), "DENY");
  assert.equal(headers.get("cache-control"), "no-store");
});

Deno.test("#18: the redirect host is shown on its own, and a redirect to this computer is flagged", () => {
  assert.match(consentPage(REQUEST), /<strong>app\.example<\/strong>/);
  assert.doesNotMatch(consentPage(REQUEST), /class="warn"/);
  const local = consentPage({ ...REQUEST, redirectUri: "http://127.0.0.1:43127/callback" });
  assert.match(local, /<strong>127\.0\.0\.1:43127<\/strong>/);
  assert.match(local, /class="warn">This application receives the answer on this computer only/);
});

Deno.test("#3, #5: signed cookies verify only untouched and only for their own purpose", async () => {
  const secret = "a-secret-of-at-least-thirty-two-bytes!!";
  const csrf = await CookieSigner.create(secret, "csrf");
  const binding = await CookieSigner.create(secret, "consent-binding");
  const signed = await csrf.sign("txn-1.token");
  assert.equal(await csrf.verify(signed), "txn-1.token");
  assert.equal(await csrf.verify(signed.replace("txn-1", "txn-2")), undefined);
  assert.equal(await csrf.verify(`${signed.slice(0, -2)}AA`), undefined);
  assert.equal(await csrf.verify("unsigned"), undefined);
  assert.equal(
    await binding.verify(signed),
    undefined,
    "a value signed for one purpose verifies for no other",
  );
  const other = await CookieSigner.create("another-secret-of-at-least-32-bytes!!", "csrf");
  assert.equal(await other.verify(signed), undefined);
  await assert.rejects(CookieSigner.create("short", "csrf"), /at least 32 bytes/);
});

Deno.test("__Host- cookies: Secure, path /, no Domain, HttpOnly, SameSite=Lax; read back by name", () => {
  assert.equal(
    hostCookie("csrf", "abc.def", 600),
    "__Host-csrf=abc.def; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600",
  );
  assert.throws(() => hostCookie("csrf", "a;b", 1), /URL-safe/);
  assert.equal(readHostCookie("a=1; __Host-csrf=abc.def; b=2", "csrf"), "abc.def");
  assert.equal(readHostCookie("csrf=abc.def", "csrf"), undefined, "an unprefixed cookie is not ours");
  assert.equal(readHostCookie(null, "csrf"), undefined);
});
