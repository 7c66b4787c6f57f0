/**
 * The OAuth proxy's upstream leg against a real local stand-in provider: the authorization URL
 * (its own client, PKCE, state), the code exchange and refresh with either client
 * authentication, GitHub's form-encoded answers, and refusals that never echo the upstream's
 * words (they may name the proxy's secret).
 *
 * @module
 */

import assert from "node:assert/strict";
import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";
import {
  exchangeUpstreamCode,
  refreshUpstream,
  upstreamAuthorizeUrl,
  type UpstreamConfig,
  UpstreamError,
} from "../../auth/oauth_proxy/upstream.ts";

const VERIFIER = "upstream-verifier-of-enough-length-0123456789abcdef";

/** A provider that checks what it is sent and answers in its dialect. */
function provider(dialect: "json" | "github") {
  const seen: { form: Record<string, string>; authorization: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const form = Object.fromEntries(new URLSearchParams(await req.text()));
    seen.push({ form, authorization: req.headers.get("authorization") });
    const secret = form.client_secret ??
      atob((req.headers.get("authorization") ?? "Basic ").slice(6)).split(":")[1];
    const answer = (body: Record<string, string | number>, status = 200) =>
      dialect === "github"
        ? new Response(new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])), { status })
        : Response.json(body, { status });
    if (secret !== "upstream-secret") {
      return answer({ error: "invalid_client", error_description: "bad secret upstream-secret?" }, 401);
    }
    if (form.grant_type === "authorization_code") {
      if (form.code !== "good-code" || form.code_verifier !== VERIFIER) {
        return answer({ error: "invalid_grant" }, 400);
      }
      return answer({
        access_token: "up-at-1",
        refresh_token: "up-rt-1",
        expires_in: 60,
        id_token: "id.token.x",
      });
    }
    if (form.grant_type === "refresh_token" && form.refresh_token === "up-rt-1") {
      return answer({ access_token: "up-at-2", expires_in: 60 });
    }
    return answer({ error: "invalid_grant" }, 400);
  });
  const config: UpstreamConfig = {
    authorizationEndpoint: `http://127.0.0.1:${server.addr.port}/authorize`,
    tokenEndpoint: `http://127.0.0.1:${server.addr.port}/token`,
    clientId: "proxy-client",
    clientSecret: "upstream-secret",
    redirectUri: "https://mcp.example/auth/callback",
    scopes: ["openid", "email"],
  };
  return { server, config, seen };
}

Deno.test("the upstream authorization URL carries the proxy's client, redirect, scopes, state and PKCE", async () => {
  const { server, config } = provider("json");
  try {
    const url = new URL(
      await upstreamAuthorizeUrl(
        { ...config, extraAuthorizeParams: { prompt: "consent" } },
        "txn-1",
        VERIFIER,
      ),
    );
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      prompt: "consent",
      response_type: "code",
      client_id: "proxy-client",
      redirect_uri: "https://mcp.example/auth/callback",
      state: "txn-1",
      code_challenge: await pkceChallenge(VERIFIER),
      code_challenge_method: "S256",
      scope: "openid email",
    });
  } finally {
    await server.shutdown();
  }
});

for (const dialect of ["json", "github"] as const) {
  for (const method of ["client_secret_post", "client_secret_basic"] as const) {
    Deno.test(`code exchange and refresh (${dialect} answers, ${method})`, async () => {
      const { server, config, seen } = provider(dialect);
      try {
        const started = Date.now();
        const tokens = await exchangeUpstreamCode(
          { ...config, tokenEndpointAuthMethod: method },
          "good-code",
          VERIFIER,
        );
        assert.equal(tokens.accessToken, "up-at-1");
        assert.equal(tokens.refreshToken, "up-rt-1");
        assert.equal(tokens.idToken, "id.token.x");
        assert.ok(tokens.expiresAt! >= started + 60_000 && tokens.expiresAt! <= Date.now() + 60_000);
        assert.equal(seen[0].form.redirect_uri, "https://mcp.example/auth/callback");
        if (method === "client_secret_basic") {
          assert.equal(seen[0].form.client_secret, undefined);
          assert.match(seen[0].authorization ?? "", /^Basic /);
        } else assert.equal(seen[0].authorization, null);
        // A provider that does not rotate refresh tokens: the old one stays.
        const refreshed = await refreshUpstream({ ...config, tokenEndpointAuthMethod: method }, {
          accessToken: "up-at-1",
          refreshToken: "up-rt-1",
        });
        assert.deepEqual([refreshed.accessToken, refreshed.refreshToken], ["up-at-2", "up-rt-1"]);
      } finally {
        await server.shutdown();
      }
    });
  }
}

Deno.test("#19: a refusal names the upstream's error code and never echoes its words", async () => {
  const { server, config } = provider("json");
  try {
    await assert.rejects(exchangeUpstreamCode(config, "bad-code", VERIFIER), (e: Error) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.code, "invalid_grant");
      return true;
    });
    await assert.rejects(
      exchangeUpstreamCode({ ...config, clientSecret: "wrong" }, "good-code", VERIFIER),
      (e: Error) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.code, "invalid_client");
        assert.doesNotMatch(e.message, /upstream-secret|bad secret/);
        return true;
      },
    );
    await assert.rejects(
      exchangeUpstreamCode(
        { ...config, tokenEndpoint: "http://127.0.0.1:1/token", timeoutMs: 1_000 },
        "good-code",
        VERIFIER,
      ),
      (e: Error) => e instanceof UpstreamError && e.code === "temporarily_unavailable",
    );
  } finally {
    await server.shutdown();
  }
});
