/**
 * The upstream session behind the OAuth proxy's tokens, against a stand-in provider on a real
 * socket: refreshed on use when it expires within the threshold (FastMCP 3.4's proactive refresh,
 * §2.6 d), once for many concurrent requests and once across replicas sharing a store, capped
 * and ended when the provider gave no refresh token or the refresh token expired, checked by the
 * upstream verifier, revoked upstream with the proxy's token, and the upstream token given to
 * tools but never to the principal.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { AuthError, OAuthProxy, type OAuthProxyOptions, type TokenVerifier } from "../../auth/mod.ts";
import { FastMCP } from "../../mod.ts";
import { memoryStore } from "../../server/store/memory.ts";
import type { Store } from "../../server/store/store.ts";
import {
  authorizeUrl,
  Browser,
  redeem,
  registerClient,
  tokenRequest,
  toolText,
} from "../helpers/proxy_browser.ts";
import { SHARED_BACKENDS, sharedStore } from "../helpers/redis.ts";
import { type StandInIdp, standInIdp, type StandInOptions } from "../helpers/standin_idp.ts";

const BASE = "https://mcp.example.com";

function server(
  idp: StandInIdp,
  options: Partial<OAuthProxyOptions> = {},
  store?: Store,
  storeUrl?: string,
): FastMCP {
  const mcp = new FastMCP({
    name: "notes",
    logger: () => {},
    ...(store ? { store } : storeUrl ? { store: storeUrl } : {}),
    auth: new OAuthProxy({
      upstreamAuthorizationEndpoint: `${idp.base}/authorize`,
      upstreamTokenEndpoint: `${idp.base}/token`,
      upstreamRevocationEndpoint: `${idp.base}/revoke`,
      upstreamClientId: "proxy-client",
      upstreamClientSecret: "upstream-secret",
      baseUrl: BASE,
      jwtSigningKey: "proxy-secret-of-at-least-thirty-two-bytes",
      scopesSupported: ["notes:read"],
      ...options,
    }),
  });
  mcp.tool("upstream", async (_args, ctx) => ctx.accessToken?.upstreamToken ?? "none");
  mcp.tool("principal", async (_args, ctx) => JSON.stringify(ctx.facts.principal));
  return mcp;
}

/** Signs a user in through `mcp`; the client's id and the proxy's tokens. */
async function signedIn(mcp: FastMCP) {
  const clientId = await registerClient(mcp, BASE);
  const back = await new Browser(mcp, BASE).signIn(await authorizeUrl(BASE, clientId));
  return { clientId, tokens: await redeem(mcp, BASE, clientId, back) };
}

async function withProxy(
  idpOptions: StandInOptions,
  proxyOptions: Partial<OAuthProxyOptions>,
  run: (idp: StandInIdp, mcp: FastMCP) => Promise<void>,
): Promise<void> {
  const idp = standInIdp(idpOptions);
  const mcp = server(idp, proxyOptions);
  try {
    await run(idp, mcp);
  } finally {
    await mcp.close();
    await idp.close();
  }
}

Deno.test("§2.6 d: an upstream token expiring within the threshold is refreshed on use; tools get it, the principal never", async () => {
  await withProxy({ expiresIn: 120 }, { tokenExpiryThresholdSeconds: 60 }, async (idp, mcp) => {
    const { tokens } = await signedIn(mcp);
    const token = String(tokens.access_token);
    // 120 s left, 60 s threshold: not due.
    assert.equal(await toolText(mcp, BASE, token, "upstream"), "at-2");
    assert.equal(idp.refreshes.tried, 0);
    assert.doesNotMatch(String(await toolText(mcp, BASE, token, "principal")), /at-2|rt-2/);
  });
  await withProxy({ expiresIn: 120 }, { tokenExpiryThresholdSeconds: 150 }, async (idp, mcp) => {
    const { tokens } = await signedIn(mcp);
    // Due: refreshed before the tool runs (a rotated refresh token: the old one is spent).
    assert.equal(await toolText(mcp, BASE, String(tokens.access_token), "upstream"), "at-3");
    assert.deepEqual(idp.refreshes, { tried: 1, granted: 1 });
  });
});

Deno.test("concurrent requests with a due upstream token refresh it once (rotating refresh tokens survive)", async () => {
  await withProxy(
    { expiresIn: 120, refreshDelayMs: 150 },
    { tokenExpiryThresholdSeconds: 150 },
    async (idp, mcp) => {
      const { tokens } = await signedIn(mcp);
      const token = String(tokens.access_token);
      const texts = await Promise.all(
        Array.from({ length: 8 }, () => toolText(mcp, BASE, token, "upstream")),
      );
      assert.deepEqual(texts, Array(8).fill("at-3"));
      assert.deepEqual(idp.refreshes, { tried: 1, granted: 1 });
    },
  );
});

Deno.test("two replicas sharing a store: one refresh wins, the other uses its tokens instead of failing", async () => {
  const idp = standInIdp({ expiresIn: 120, refreshDelayMs: 150 });
  const store = memoryStore();
  const a = server(idp, { tokenExpiryThresholdSeconds: 150 }, store);
  const b = server(idp, { tokenExpiryThresholdSeconds: 150 }, store);
  try {
    const { tokens } = await signedIn(a);
    const token = String(tokens.access_token);
    const [fromA, fromB] = await Promise.all([
      toolText(a, BASE, token, "upstream"),
      toolText(b, BASE, token, "upstream"),
    ]);
    // One replica claimed the refresh; the other waited for its tokens instead of spending the
    // same (rotating) refresh token.
    assert.deepEqual([fromA, fromB], ["at-3", "at-3"]);
    assert.deepEqual(idp.refreshes, { tried: 1, granted: 1 });
  } finally {
    await a.close();
    await b.close();
    await idp.close();
  }
});

Deno.test("§2.6 d: without an upstream refresh token the proxy's token lives no longer than the upstream one", async () => {
  await withProxy(
    { expiresIn: 2, refreshTokens: false },
    { tokenExpiryThresholdSeconds: 0 },
    async (_idp, mcp) => {
      const { clientId, tokens } = await signedIn(mcp);
      assert.ok(Number(tokens.expires_in) <= 2, `expires_in ${tokens.expires_in}`);
      assert.equal(await toolText(mcp, BASE, String(tokens.access_token), "upstream"), "at-2");
      await new Promise((r) => setTimeout(r, 2_100));
      assert.equal(await toolText(mcp, BASE, String(tokens.access_token), "upstream"), 401);
      // Nor does the proxy's refresh token outlive what it stands for.
      const refreshed = await tokenRequest(mcp, BASE, {
        grant_type: "refresh_token",
        refresh_token: String(tokens.refresh_token),
        client_id: clientId,
      });
      assert.equal(refreshed.status, 400);
      assert.equal((await refreshed.json()).error, "invalid_grant");
    },
  );
});

Deno.test("an upstream refresh token past its refresh_expires_in is not used: the session has ended", async () => {
  await withProxy(
    { expiresIn: 1, refreshExpiresIn: 1 },
    { tokenExpiryThresholdSeconds: 0 },
    async (idp, mcp) => {
      const { tokens } = await signedIn(mcp);
      await new Promise((r) => setTimeout(r, 1_100));
      assert.equal(await toolText(mcp, BASE, String(tokens.access_token), "upstream"), 401);
      assert.equal(idp.refreshes.tried, 0);
    },
  );
});

Deno.test("the proxy's refresh grant refreshes a due upstream token, and fails once the provider ends the session", async () => {
  await withProxy({ expiresIn: 120 }, { tokenExpiryThresholdSeconds: 150 }, async (idp, mcp) => {
    const { clientId, tokens } = await signedIn(mcp);
    const res = await tokenRequest(mcp, BASE, {
      grant_type: "refresh_token",
      refresh_token: String(tokens.refresh_token),
      client_id: clientId,
    });
    const renewed = await res.json();
    assert.equal(res.status, 200);
    assert.deepEqual(idp.refreshes, { tried: 1, granted: 1 });
    idp.endSession();
    const ended = await tokenRequest(mcp, BASE, {
      grant_type: "refresh_token",
      refresh_token: renewed.refresh_token,
      client_id: clientId,
    });
    assert.equal(ended.status, 400);
    assert.match((await ended.json()).error_description, /session has ended/);
  });
});

Deno.test("the upstream verifier: a token the provider stopped accepting is refreshed once; an ended session is refused", async () => {
  const userinfo = (base: string): TokenVerifier => ({
    async verify(token) {
      const res = await fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) {
        await res.body?.cancel();
        throw new AuthError("invalid_token", "the provider refused the token");
      }
      const claims = await res.json();
      return { token, clientId: "proxy-client", scopes: [], claims, subject: claims.sub };
    },
  });
  const idp = standInIdp({ expiresIn: 3600 });
  const mcp = server(idp, { tokenVerifier: userinfo(idp.base) });
  try {
    const { tokens } = await signedIn(mcp);
    const token = String(tokens.access_token);
    assert.equal(await toolText(mcp, BASE, token, "upstream"), "at-2");
    assert.match(String(await toolText(mcp, BASE, token, "principal")), /"upstream_claims":\{"sub":"ada"\}/);
    idp.expireAccessTokens();
    assert.equal(await toolText(mcp, BASE, token, "upstream"), "at-3");
    assert.deepEqual(idp.refreshes, { tried: 1, granted: 1 });
    idp.endSession();
    assert.equal(await toolText(mcp, BASE, token, "upstream"), 401);
  } finally {
    await mcp.close();
    await idp.close();
  }
});

Deno.test("revoking the proxy's refresh token revokes the upstream grant at the provider too", async () => {
  await withProxy({ expiresIn: 3600 }, {}, async (idp, mcp) => {
    const { tokens } = await signedIn(mcp);
    const res = await mcp.fetch(
      new Request(`${BASE}/revoke`, {
        method: "POST",
        body: new URLSearchParams({ token: String(tokens.refresh_token) }),
      }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(idp.revoked, [{ token: "rt-2", hint: "refresh_token" }]);
    assert.equal(await toolText(mcp, BASE, String(tokens.access_token), "upstream"), 401);
  });
});

Deno.test("an upstream verifier that refuses the provider's tokens fails the sign-in with the reason, not later calls", async () => {
  const idp = standInIdp({ expiresIn: 3600 });
  const refusing: TokenVerifier = {
    verify: () => Promise.reject(new AuthError("invalid_token", "the token's audience is not this API")),
  };
  const mcp = server(idp, { tokenVerifier: refusing });
  try {
    const clientId = await registerClient(mcp, BASE);
    const back = await new Browser(mcp, BASE).signIn(await authorizeUrl(BASE, clientId));
    assert.equal(back.searchParams.get("error"), "server_error");
    assert.equal(back.searchParams.get("code"), null);
    assert.match(
      back.searchParams.get("error_description")!,
      /did not pass this server's check: the token's audience/,
    );
  } finally {
    await mcp.close();
    await idp.close();
  }
});

for (const backend of SHARED_BACKENDS) {
  Deno.test(`the proxy's records outlive a restart (${backend}); another secret opens none of them`, async () => {
    await using shared = await sharedStore(backend);
    const idp = standInIdp({ expiresIn: 3600 });
    try {
      const before = server(idp, {}, undefined, shared.url);
      const { clientId, tokens } = await signedIn(before);
      await before.close();
      let renewed = "", renewedRefresh = "";
      // A new process: the same store and secret.
      const after = server(idp, {}, undefined, shared.url);
      try {
        assert.equal(await toolText(after, BASE, String(tokens.access_token), "upstream"), "at-2");
        const res = await tokenRequest(after, BASE, {
          grant_type: "refresh_token",
          refresh_token: String(tokens.refresh_token),
          client_id: clientId,
        });
        const body = await res.json();
        assert.equal(res.status, 200);
        [renewed, renewedRefresh] = [body.access_token, body.refresh_token];
        assert.equal(await toolText(after, BASE, renewed, "upstream"), "at-2");
      } finally {
        await after.close();
      }
      // The same store under another secret: its tokens and sealed records mean nothing.
      const other = server(
        idp,
        { jwtSigningKey: "another-secret-of-at-least-thirty-two-bytes" },
        undefined,
        shared.url,
      );
      try {
        assert.equal(await toolText(other, BASE, renewed, "upstream"), 401);
        const refused = await tokenRequest(other, BASE, {
          grant_type: "refresh_token",
          refresh_token: renewedRefresh,
          client_id: clientId,
        });
        assert.equal(refused.status, 400);
        assert.equal((await refused.json()).error, "invalid_grant");
      } finally {
        await other.close();
      }
    } finally {
      await idp.close();
    }
  });
}
