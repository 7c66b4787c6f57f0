/**
 * The OAuth proxy's redirect URI rules, one test per vulnerability they close
 * (`../shared/research/auth.md` §5) and per FastMCP 3.3/3.4 hardening item (§2.4).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  isRegisteredRedirect,
  matchesRedirectPattern,
  redirectProblem,
  unsafeRedirectUri,
} from "../../auth/oauth_proxy/redirect_uri.ts";

Deno.test("#7 (FastMCP #4419): javascript:, data:, file:, vbscript: and other non-http(s) schemes are refused", () => {
  for (
    const uri of [
      "javascript:alert(1)",
      "data:text/html,<script>1</script>",
      "file:///etc/passwd",
      "vbscript:msgbox",
      "ftp://example.com/cb",
      "com.example.app:/callback",
    ]
  ) {
    assert.match(unsafeRedirectUri(uri) ?? "", /scheme must be https/, uri);
  }
});

Deno.test("#7 userinfo: http://localhost@evil.example (which goes to evil.example) is refused", () => {
  for (
    const uri of [
      "http://localhost@evil.example/cb",
      "https://user:pass@app.example/cb",
      "https://@app.example/cb",
    ]
  ) {
    assert.match(unsafeRedirectUri(uri) ?? "", /must not carry userinfo/, uri);
  }
});

Deno.test("#7, §2.6 a (FastMCP #3963): dot segments are refused raw, percent-encoded in any case, and hidden behind %2f", () => {
  for (
    const uri of [
      "https://app.example/cb/../../steal",
      "https://app.example/cb/%2e%2e/steal",
      "https://app.example/cb/%2E%2E/steal",
      "https://app.example/cb/./x",
      "https://app.example/cb/..",
      "https://app.example/cb/..%2fsteal",
      "https://app.example/cb/.%2e/steal",
    ]
  ) {
    assert.match(unsafeRedirectUri(uri) ?? "", /must not have \. or \.\. segments/, uri);
  }
  // Dots inside a segment are names, not traversal.
  assert.equal(unsafeRedirectUri("https://app.example/v1.2/cb..done"), undefined);
});

Deno.test("http is refused except on a loopback host, and fragments are refused", () => {
  assert.match(unsafeRedirectUri("http://app.example/cb") ?? "", /must be https/);
  assert.equal(unsafeRedirectUri("http://127.0.0.1:43127/callback"), undefined);
  assert.equal(unsafeRedirectUri("http://localhost/callback"), undefined);
  assert.equal(unsafeRedirectUri("http://[::1]:9000/callback"), undefined);
  assert.match(unsafeRedirectUri("https://app.example/cb#frag") ?? "", /must not carry a fragment/);
  assert.match(unsafeRedirectUri("not a url") ?? "", /not a URL/);
});

Deno.test("#6 (CVE-2025-4143, FastMCP #4408): only a URI the client registered is accepted, a loopback one on any port", () => {
  const registered = ["https://app.example/callback", "http://127.0.0.1:3000/cb"];
  assert.equal(isRegisteredRedirect("https://app.example/callback", registered), true);
  assert.equal(isRegisteredRedirect("HTTPS://APP.EXAMPLE:443/callback", registered), true);
  // RFC 8252 §7.3: a native app's loopback listener gets whatever port is free.
  assert.equal(isRegisteredRedirect("http://127.0.0.1:51234/cb", registered), true);
  for (
    const uri of [
      "https://attacker.example/callback",
      "https://app.example/callback/extra",
      "https://app.example/callback?to=evil",
      "https://app.example:8443/callback",
      "http://127.0.0.1:51234/other",
      "http://localhost:3000/cb",
    ]
  ) {
    assert.equal(isRegisteredRedirect(uri, registered), false, uri);
  }
  // A registered URI that is itself unsafe matches nothing.
  assert.equal(isRegisteredRedirect("https://app.example/cb/../x", ["https://app.example/cb/../x"]), false);
});

Deno.test("#7 allowlist patterns: a wildcard subdomain never matches the apex, * never crosses a /, ports compare", () => {
  assert.equal(matchesRedirectPattern("https://a.example.com/cb", "https://*.example.com/cb"), true);
  assert.equal(matchesRedirectPattern("https://example.com/cb", "https://*.example.com/cb"), false);
  assert.equal(matchesRedirectPattern("https://evilexample.com/cb", "https://*.example.com/cb"), false);
  assert.equal(matchesRedirectPattern("https://app.example/oauth/cb", "https://app.example/*/cb"), true);
  assert.equal(matchesRedirectPattern("https://app.example/a/b/cb", "https://app.example/*/cb"), false);
  assert.equal(matchesRedirectPattern("https://app.example/anything/at/all", "https://app.example"), true);
  assert.equal(matchesRedirectPattern("https://app.example:8443/cb", "https://app.example/cb"), false);
  assert.equal(matchesRedirectPattern("https://app.example:8443/cb", "https://app.example:*/cb"), true);
  assert.equal(matchesRedirectPattern("http://localhost:5173/cb", "http://localhost/cb"), true);
  assert.equal(matchesRedirectPattern("http://localhost:5173/cb", "http://localhost:*"), true);
  // Patterns cannot re-allow what is never safe.
  assert.equal(matchesRedirectPattern("javascript:alert(1)", "javascript:*"), false);
  assert.equal(matchesRedirectPattern("https://app.example/cb/../x", "https://app.example"), false);
});

Deno.test("redirectProblem: registered and, when the operator set one, allowed; an empty allowlist allows nothing", () => {
  const registered = ["https://app.example/callback"];
  assert.equal(redirectProblem("https://app.example/callback", registered), undefined);
  assert.equal(redirectProblem("https://app.example/callback", registered, ["https://*.example"]), undefined);
  assert.match(
    redirectProblem("https://app.example/callback", registered, []) ?? "",
    /not in the server's allowed/,
  );
  assert.match(
    redirectProblem("https://other.example/callback", registered) ?? "",
    /not one the client registered/,
  );
  assert.match(redirectProblem("https://app.example/callback/..", registered) ?? "", /\. or \.\. segments/);
});
