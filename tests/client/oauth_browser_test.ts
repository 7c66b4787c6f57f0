/**
 * The browser flow's pieces: the untrusted-URL rule (auth.md §5 #1: CVE-2025-6514 was a
 * server-chosen authorization URL reaching a shell), the browser's fixed argv, and the loopback
 * callback server (ignores responses it did not ask for, never echoes the request, times out).
 *
 * @module
 */

import assert from "node:assert/strict";
import { ClientError } from "../../client.ts";
import { browserCommand, checkUntrustedUrl, LoopbackCallback } from "../../client/oauth_browser.ts";

Deno.test("untrusted URLs: https, or http on loopback, and never user-info", () => {
  for (
    const ok of [
      "https://auth.example.com/authorize?x=1",
      "http://127.0.0.1:8080/a",
      "http://localhost/a",
      "http://[::1]:9/a",
    ]
  ) {
    assert.equal(checkUntrustedUrl(ok, "it").href, new URL(ok).href);
  }
  const refused: [string, RegExp][] = [
    ["javascript:alert(1)", /must use https.*not javascript:/],
    ["file:///etc/passwd", /not file:/],
    ["http://evil.example.com/authorize", /must use https \(or http on a loopback host\), not http:/],
    ["http://localhost.evil.example.com/", /not http:/],
    ["https://user:pw@auth.example.com/", /must not carry user-info/],
    ["https://localhost@evil.example.com/", /must not carry user-info/],
    ["-oProxyCommand=calc", /is not a URL/],
  ];
  for (const [url, message] of refused) {
    assert.throws(
      () => checkUntrustedUrl(url, "the authorization endpoint"),
      (e: unknown) => e instanceof ClientError && e.code === "oauth" && message.test(e.message),
      url,
    );
  }
});

Deno.test("the browser is one fixed program with the URL as its only argument", () => {
  const url = new URL("https://auth.example.com/authorize?a=1&b=$(touch /tmp/x)");
  assert.deepEqual(browserCommand(url, "/usr/bin/firefox"), ["/usr/bin/firefox", url.href]);
  const [program, ...args] = browserCommand(url, "");
  assert.equal(args.at(-1), url.href);
  assert.ok(["xdg-open", "open", "rundll32"].includes(program));
  // The URL is serialized: the shell metacharacters are percent-encoded, and it starts with the scheme.
  assert.ok(url.href.startsWith("https://"));
});

Deno.test("loopback callback: only the awaited state ends the wait, the page echoes nothing, a wait times out", async () => {
  assert.throws(() => LoopbackCallback.listen({ host: "0.0.0.0" }), /must be loopback/);
  const loopback = LoopbackCallback.listen();
  try {
    assert.match(loopback.redirectUrl, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const waited = loopback.wait("s-1", 5_000);
    const stray = await fetch(`${loopback.redirectUrl}?state=other&code=stolen`);
    assert.equal(stray.status, 400);
    await stray.body?.cancel();
    const elsewhere = await fetch(new URL("/elsewhere", loopback.redirectUrl));
    await elsewhere.body?.cancel();
    assert.equal(elsewhere.status, 404);
    const res = await fetch(
      `${loopback.redirectUrl}?state=s-1&code=c0de&error_description=%3Cscript%3Ealert(1)%3C/script%3E`,
    );
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.ok(!html.includes("script") && !html.includes("c0de"), html);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    const url = await waited;
    assert.equal(url.searchParams.get("code"), "c0de");
    await assert.rejects(loopback.wait("s-2", 20), /no authorization response within 20 ms/);
    const pending = assert.rejects(loopback.wait("s-3", 60_000), /closed/);
    await loopback.close();
    await pending;
  } finally {
    await loopback.close().catch(() => {});
  }
});
