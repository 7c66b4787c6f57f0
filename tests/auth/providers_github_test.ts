/**
 * `GitHubProvider` against a stand-in GitHub on 127.0.0.1 laid out as github.com is (its OAuth
 * pages under `/login/oauth/`, a token endpoint that answers form-encoded unless asked for JSON,
 * no id token, the REST API's `/user`): the whole sign-in to a tool call as the GitHub user's id,
 * `/user` asked once per cache time, and a token GitHub stops accepting refused on use.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { GitHubProvider } from "../../auth/mod.ts";
import {
  callTool,
  listStatus,
  PROXY_SECRET,
  serverBehind,
  signInThroughProxy,
  whoami,
} from "../helpers/oauth_proxy.ts";
import { startStandIn } from "../helpers/stand_in_idp.ts";

const BASE = "https://mcp.example.com";

/** GitHub with one user, 1234 (`ada`), and the tokens it has issued and not revoked. */
async function standInGitHub() {
  const live = new Set<string>();
  let serial = 0;
  const github = await startStandIn({
    paths: { authorize: "/login/oauth/authorize", token: "/login/oauth/access_token" },
    clientId: "Iv1.proxy",
    clientSecret: "github-secret",
    idToken: false,
    refreshToken: false,
    formUnlessJson: true,
    accessToken: () => {
      const token = `gho_${++serial}`;
      live.add(token);
      return token;
    },
    routes: (req, url) => {
      if (url.pathname !== "/user") return undefined;
      const token = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      if (!live.has(token) || !req.headers.get("user-agent")) {
        return Response.json({ message: "Bad credentials" }, { status: 401 });
      }
      return Response.json({ id: 1234, login: "ada", name: "Ada" }, {
        headers: { "x-oauth-scopes": "read:user" },
      });
    },
  });
  return { github, live };
}

function provider(site: string, cacheTtlMs?: number) {
  const auth = new GitHubProvider({
    clientId: "Iv1.proxy",
    clientSecret: "github-secret",
    githubUrl: site,
    apiBaseUrl: site,
    baseUrl: BASE,
    jwtSigningKey: PROXY_SECRET,
    ...(cacheTtlMs !== undefined ? { cacheTtlMs } : {}),
  });
  const mcp = serverBehind(auth);
  mcp.tool("login", async (_args, ctx) => {
    const upstream = ctx.accessToken?.claims.upstream_claims as { login?: string } | undefined;
    return upstream?.login ?? "unknown";
  });
  return mcp;
}

Deno.test("GitHubProvider: sign-in through GitHub's OAuth pages, the user named by /user's id, asked once per cache time", async () => {
  const { github } = await standInGitHub();
  const mcp = provider(github.base);
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    const { tokens } = await signInThroughProxy(mcp, BASE);
    const [authorize] = github.to("/login/oauth/authorize");
    assert.equal(authorize.params.get("scope"), "read:user");
    assert.equal(authorize.params.get("redirect_uri"), `${BASE}/auth/callback`);
    const [exchange] = github.to("/login/oauth/access_token");
    assert.equal(exchange.params.get("client_id"), "Iv1.proxy");
    assert.match(exchange.headers.get("accept")!, /application\/json/);
    assert.equal(github.to("/user").length, 1, "the sign-in asked /user who the user is");

    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "1234" }]);
    assert.deepEqual(await callTool(send, BASE, tokens.access_token, "login"), [{
      type: "text",
      text: "ada",
    }]);
    assert.equal(github.to("/user").length, 1, "the tool calls used the remembered answer");
  } finally {
    await mcp.close();
    await github.close();
  }
});

Deno.test("GitHubProvider: a token GitHub no longer accepts is refused at the next call", async () => {
  const { github, live } = await standInGitHub();
  const mcp = provider(github.base, 0);
  const send = (req: Request) => Promise.resolve(mcp.fetch(req));
  try {
    const { tokens } = await signInThroughProxy(mcp, BASE);
    assert.deepEqual(await whoami(send, BASE, tokens.access_token), [{ type: "text", text: "1234" }]);
    live.clear();
    assert.equal((await listStatus(send, BASE, tokens.access_token)).status, 401);
    assert.equal(
      github.to("/user").length,
      4,
      "sign-in (its check and the user's id), the first call, the refused one",
    );
  } finally {
    await mcp.close();
    await github.close();
  }
});
