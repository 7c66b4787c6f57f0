/**
 * The MCP server as an OAuth protected resource: metadata (RFC 9728) at both well-known URLs,
 * RFC 6750 challenges header by header, the principal in handlers, and sessions bound to the
 * principal that opened them. Vulnerabilities are named after ../shared/research/auth.md §5.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  FastMCP,
  JWTVerifier,
  RemoteAuthProvider,
  StaticTokenVerifier,
  type TokenVerifier,
} from "../../mod.ts";
import { legacyRequest, modernRequest, rawHttp, readAnswer, readMessages } from "../helpers/http.ts";
import { StdioPeer } from "../helpers/stdio.ts";

const BASE = "https://mcp.example.com";
const RESOURCE = `${BASE}/mcp`;
const METADATA = `${BASE}/.well-known/oauth-protected-resource/mcp`;
const ISSUER = "https://idp.example.com";

function secured(
  tokenVerifier: TokenVerifier = new StaticTokenVerifier({
    tokens: {
      "alice-token": { subject: "alice", clientId: "app", scopes: ["read"] },
      "bob-token": { subject: "bob", clientId: "app", scopes: ["read"] },
    },
  }),
): FastMCP {
  const auth = new RemoteAuthProvider({
    tokenVerifier,
    authorizationServers: [ISSUER],
    baseUrl: BASE,
    scopesSupported: ["read"],
    resourceName: "Secured test server",
  });
  const mcp = new FastMCP({ name: "secured", logLevel: "error", auth });
  mcp.tool("whoami", {}, async (_args, ctx) => {
    await Promise.resolve();
    return `${ctx.accessToken?.subject} via ${ctx.accessToken?.clientId} (${
      ctx.facts.principal?.scopes.join(" ")
    })`;
  });
  return mcp;
}

function withToken(req: Request, token: string): Request {
  const headers = new Headers(req.headers);
  headers.set("authorization", `Bearer ${token}`);
  return new Request(req, { headers });
}

const initializeRequest = () =>
  legacyRequest({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });

const call = (id = 1) =>
  modernRequest("tools/call", { name: "whoami", arguments: {} }, id, {}, "http://127.0.0.1/mcp");

Deno.test("protected resource metadata is served at the path-inserted and the root well-known URLs", async () => {
  const mcp = secured();
  try {
    for (
      const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]
    ) {
      const res = await mcp.fetch(new Request(`http://127.0.0.1${path}`));
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(await res.json(), {
        resource: RESOURCE,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ["header"],
        scopes_supported: ["read"],
        resource_name: "Secured test server",
      });
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("no token: 401 whose challenge names the metadata and scope, and no error (RFC 6750 §3.1)", async () => {
  const mcp = secured();
  try {
    const res = await mcp.fetch(call());
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), `Bearer scope="read", resource_metadata="${METADATA}"`);
    assert.deepEqual(await res.json(), {
      error: "unauthorized",
      error_description: "a bearer token is required",
    });
  } finally {
    await mcp.close();
  }
});

Deno.test("a garbage or unknown token: 401 invalid_token, the token never echoed", async () => {
  const mcp = secured();
  try {
    for (const header of ["Bearer not-a-known-token", "Basic YWxpY2U6c2VjcmV0", "Bearer"]) {
      const req = new Request(call(), {
        headers: { ...Object.fromEntries(call().headers), authorization: header },
      });
      const res = await mcp.fetch(req);
      assert.equal(res.status, 401, header);
      const challenge = res.headers.get("www-authenticate")!;
      assert.match(
        challenge,
        /^Bearer error="invalid_token", error_description="[^"]+", scope="read", resource_metadata="/,
      );
      const body = await res.text();
      assert.ok(!body.includes("not-a-known-token") && !challenge.includes("not-a-known-token"));
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("a valid token reaches the handler as ctx.accessToken and facts.principal, on both eras", async () => {
  const mcp = secured();
  try {
    const [modern] = await readMessages(await mcp.fetch(withToken(call(), "alice-token")));
    assert.equal((modern.result as { content: { text: string }[] }).content[0].text, "alice via app (read)");
    const init = await mcp.fetch(withToken(initializeRequest(), "alice-token"));
    assert.equal(init.status, 200);
    await init.body?.cancel();
  } finally {
    await mcp.close();
  }
});

Deno.test("vulnerability #17 (session hijack): another principal presenting a session id finds no session", async () => {
  const mcp = secured();
  try {
    const init = await mcp.fetch(withToken(initializeRequest(), "alice-token"));
    await init.body?.cancel();
    const session = init.headers.get("mcp-session-id")!;
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    const ping = (token: string) =>
      mcp.fetch(withToken(legacyRequest({ jsonrpc: "2.0", id: 1, method: "ping" }, headers), token));
    const bob = await ping("bob-token");
    assert.equal(bob.status, 404);
    await bob.body?.cancel();
    const alice = await ping("alice-token");
    assert.equal(alice.status, 200);
    await alice.body?.cancel();
  } finally {
    await mcp.close();
  }
});

Deno.test("vulnerabilities #8 (audience) and #10 (refresh as access): refused with 401 invalid_token", async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const mcp = secured(
    new JWTVerifier({
      publicKey: await exportJWK(publicKey),
      algorithms: ["ES256"],
      issuer: ISSUER,
      audience: RESOURCE,
    }),
  );
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, typ = "at+jwt") =>
    new SignJWT({ iss: ISSUER, sub: "alice", client_id: "app", scope: "read", exp: now + 60, ...claims })
      .setProtectedHeader({ alg: "ES256", typ }).sign(privateKey);
  try {
    const good = await mcp.fetch(withToken(call(), await sign({ aud: RESOURCE })));
    assert.equal(good.status, 200);
    await good.body?.cancel();
    for (
      const [token, why] of [
        [await sign({ aud: BASE }), /'aud' claim/],
        [await sign({ aud: "https://other.example.com/mcp" }), /'aud' claim/],
        [await sign({ aud: RESOURCE }, "refresh+jwt"), /not an access token/],
        [await sign({ aud: RESOURCE, token_use: "refresh" }), /not an access token/],
      ] as const
    ) {
      const res = await mcp.fetch(withToken(call(), token));
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate")!, /error="invalid_token"/);
      assert.match((await res.json()).error_description, why);
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("stdio is not behind HTTP auth", async () => {
  const mcp = secured();
  const peer = await StdioPeer.open(mcp);
  try {
    await peer.handshake();
    const answer = await peer.request(1, "tools/call", { name: "whoami", arguments: {} });
    assert.equal(
      (answer.result as { content: { text: string }[] }).content[0].text,
      "undefined via undefined (undefined)",
    );
  } finally {
    await peer.close();
    await mcp.close();
  }
});

Deno.test("vulnerability #14 (missing authentication): a public bind without auth, or with static tokens, is refused", () => {
  const open = new FastMCP({ name: "open", logLevel: "error" });
  assert.throws(
    () => open.serve({ hostname: "0.0.0.0", port: 0 }),
    /refusing to serve on 0\.0\.0\.0 without auth/,
  );
  const dev = secured();
  assert.throws(
    () => dev.serve({ hostname: "0.0.0.0", port: 0 }),
    /refusing to serve static tokens on 0\.0\.0\.0/,
  );
});

Deno.test("vulnerability #13 (DNS rebinding): a loopback server refuses a foreign Host and a foreign Origin", async () => {
  const mcp = secured();
  const handle = mcp.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} });
  const port = (handle.addr as Deno.NetAddr).port;
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    authorization: "Bearer alice-token",
  };
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
  try {
    const rebound = await rawHttp(port, "POST", "/mcp", { ...headers, host: "attacker.example:80" }, body);
    assert.equal(rebound.status, 403);
    const foreign = await rawHttp(port, "POST", "/mcp", {
      ...headers,
      host: `127.0.0.1:${port}`,
      origin: "https://attacker.example",
    }, body);
    assert.equal(foreign.status, 403);
  } finally {
    await mcp.close();
    await handle.finished;
  }
});

Deno.test("a 2026 task belongs to the principal that created it: another token finds no such task", async () => {
  const mcp = secured();
  mcp.tool("slow_report", { task: true }, async () => {
    await new Promise((r) => setTimeout(r, 20));
    return "the report";
  });
  const withTasks = {
    "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  };
  const rpc = async (token: string, method: string, params: Record<string, unknown>) => {
    const req = modernRequest(method, { ...params, _meta: withTasks }, 1, {}, "http://127.0.0.1/mcp");
    return await readAnswer(await mcp.fetch(withToken(req, token)));
  };
  try {
    const created = await rpc("alice-token", "tools/call", { name: "slow_report", arguments: {} });
    assert.equal(created.result.resultType, "task");
    const taskId = created.result.taskId as string;
    for (const method of ["tasks/get", "tasks/cancel"]) {
      const stolen = await rpc("bob-token", method, { taskId });
      assert.equal(stolen.result, undefined, method);
      assert.match(stolen.error.message, /not found|unknown/i, method);
    }
    let task: Record<string, unknown> = {};
    for (let i = 0; i < 100 && task.status !== "completed"; i++) {
      task = (await rpc("alice-token", "tasks/get", { taskId })).result;
      if (task.status !== "completed") await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(task.status, "completed");
  } finally {
    await mcp.close();
  }
});
