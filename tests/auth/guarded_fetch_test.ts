/**
 * The guarded fetcher: which URLs and addresses it refuses (vulnerability #12 of
 * ../shared/research/auth.md §5: SSRF through discovery, CIMD or jwks_uri), and its caps.
 *
 * @module
 */

import assert from "node:assert/strict";
import { classify, guardedFetch, GuardedFetchError } from "../../auth/mod.ts";

Deno.test("vulnerability #12 (SSRF; FastMCP #4400, #4426): private, loopback, link-local and IPv4 smuggled in IPv6 (mapped, NAT64, 6to4, Teredo, ISATAP) are refused", async () => {
  for (
    const url of [
      "https://10.0.0.1/jwks",
      "https://192.168.1.1/jwks",
      "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/",
      "https://127.0.0.1/",
      "https://[::1]/",
      "https://[::ffff:10.0.0.1]/",
      "https://[64:ff9b::a00:1]/",
      "https://[2002:a00:1::]/",
      "https://[fd00::1]/",
      "https://[fe80::1]/",
      "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
      "https://[64:ff9b:1::a00:1]/",
      "https://[2606:4700::5efe:a00:1]/",
    ]
  ) {
    await assert.rejects(guardedFetch(url), GuardedFetchError, url);
  }
  assert.equal(classify("8.8.8.8"), "global");
  assert.equal(classify("2606:4700:4700::1111"), "global");
  assert.equal(classify("::ffff:8.8.8.8"), "global");
  assert.match(classify("::ffff:192.168.0.1"), /private \(IPv4 inside IPv6\)/);
});

Deno.test("only https is fetched, plain http only to loopback; no credentials in URLs", async () => {
  await assert.rejects(guardedFetch("http://example.com/jwks"), /only https is fetched/);
  await assert.rejects(guardedFetch("ftp://example.com/x"), /only https is fetched/);
  await assert.rejects(guardedFetch("file:///etc/passwd"), /only https is fetched/);
  await assert.rejects(guardedFetch("https://user:pass@example.com/"), /credentials in a URL/);
});

Deno.test("redirects are not followed, and bodies are capped in bytes and time", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/redirect") return Response.redirect("http://10.0.0.1/jwks", 302);
    if (path === "/big") return new Response("x".repeat(100_000));
    if (path === "/slow") await new Promise((r) => setTimeout(r, 1000));
    return new Response("ok");
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    assert.equal((await guardedFetch(`${base}/ok`)).text, "ok");
    await assert.rejects(guardedFetch(`${base}/redirect`), /redirects are not followed/);
    await assert.rejects(
      guardedFetch(`${base}/big`, { maxBytes: 1000 }),
      /over the cap of 1000|more than 1000 bytes/,
    );
    await assert.rejects(guardedFetch(`${base}/slow`, { timeoutMs: 100 }), /no answer within 100 ms/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a URL the operator marks trusted-internal skips the address rules, not the caps", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/redirect") return Response.redirect("http://10.0.0.1/jwks", 302);
    return new Response("x".repeat(2_000));
  });
  // Loopback spelt as IPv4 inside IPv6: refused as plain http to a non-loopback name unless vouched for.
  const base = `http://[::ffff:127.0.0.1]:${server.addr.port}`;
  try {
    await assert.rejects(guardedFetch(`${base}/jwks`), /only https is fetched/);
    assert.equal((await guardedFetch(`${base}/jwks`, { trustedInternal: true })).text.length, 2_000);
    await assert.rejects(
      guardedFetch(`${base}/jwks`, { trustedInternal: true, maxBytes: 1000 }),
      /over the cap of 1000|more than 1000 bytes/,
    );
    await assert.rejects(
      guardedFetch(`${base}/redirect`, { trustedInternal: true }),
      /redirects are not followed/,
    );
    await assert.rejects(
      guardedFetch("http://user:pass@10.0.0.1/", { trustedInternal: true }),
      /credentials in a URL/,
    );
  } finally {
    await server.shutdown();
  }
});
