/**
 * The OAuth proxy's `/authorize` checks: a bad client or redirect URI is refused on a page and
 * never redirected to (§5 #6); other problems go back to the checked redirect URI with `state`
 * and `iss` (§5 #16); PKCE S256 is required; a foreign `resource` is `invalid_target` (§5 #8).
 *
 * @module
 */

import assert from "node:assert/strict";
import { checkAuthorizeRequest } from "../../auth/oauth_proxy/authorize_request.ts";
import { ClientRegistry } from "../../auth/oauth_proxy/clients.ts";
import { memoryStore } from "../../server/store/memory.ts";

const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async function setUp() {
  const store = memoryStore();
  const clients = new ClientRegistry(() => store);
  const client = await clients.register({ client_name: "Notes", redirect_uris: ["https://app.example/cb"] });
  const context = {
    clients,
    issuer: "https://auth.example",
    resource: "https://mcp.example/mcp",
    scopes: ["notes:read", "notes:write"],
  };
  const query = (extra: Record<string, string | undefined> = {}) => {
    const base: Record<string, string | undefined> = {
      response_type: "code",
      client_id: client.clientId,
      redirect_uri: "https://app.example/cb",
      code_challenge: CHALLENGE,
      code_challenge_method: "S256",
      state: "s-1",
      scope: "notes:read",
      resource: "https://mcp.example/mcp",
      ...extra,
    };
    return new URLSearchParams(Object.entries(base).filter(([, v]) => v !== undefined) as [string, string][]);
  };
  return { store, client, context, query };
}

Deno.test("a good request passes, with its redirect URI, state, scopes and the canonical resource", async () => {
  const { store, client, context, query } = await setUp();
  const outcome = await checkAuthorizeRequest(query(), context);
  assert.deepEqual(outcome, {
    kind: "valid",
    request: {
      client,
      redirectUri: "https://app.example/cb",
      state: "s-1",
      scopes: ["notes:read"],
      resource: "https://mcp.example/mcp",
      codeChallenge: CHALLENGE,
    },
  });
  // The client's only redirect URI stands in for a missing one.
  assert.equal((await checkAuthorizeRequest(query({ redirect_uri: undefined }), context)).kind, "valid");
  store.close();
});

Deno.test("#6: an unknown client or an unregistered redirect URI is refused on a page, never redirected to", async () => {
  const { store, context, query } = await setUp();
  for (
    const [extra, message] of [
      [{ client_id: undefined }, /names no client/],
      [{ client_id: "mcp_nobody" }, /not registered/],
      [{ redirect_uri: "https://attacker.example/cb" }, /not one the client registered/],
      [{ redirect_uri: "https://app.example/cb/../steal" }, /segments/],
      [{ redirect_uri: "javascript:alert(1)" }, /scheme/],
    ] as const
  ) {
    const outcome = await checkAuthorizeRequest(query(extra), context);
    assert.equal(outcome.kind, "refuse", JSON.stringify(extra));
    assert.match((outcome as { message: string }).message, message);
  }
  store.close();
});

Deno.test("#8, #16: other problems go back to the client with state and iss; a foreign resource is invalid_target", async () => {
  const { store, context, query } = await setUp();
  const cases: [Record<string, string | undefined>, string][] = [
    [{ response_type: "token" }, "unsupported_response_type"],
    [{ code_challenge: undefined }, "invalid_request"],
    [{ code_challenge_method: "plain" }, "invalid_request"],
    [{ code_challenge: "short" }, "invalid_request"],
    [{ resource: "https://other.example/mcp" }, "invalid_target"],
    [{ scope: "notes:read admin" }, "invalid_scope"],
  ];
  for (const [extra, error] of cases) {
    const outcome = await checkAuthorizeRequest(query(extra), context);
    assert.equal(outcome.kind, "redirect", JSON.stringify(extra));
    const location = new URL((outcome as { location: string }).location);
    assert.equal(`${location.origin}${location.pathname}`, "https://app.example/cb");
    assert.equal(location.searchParams.get("error"), error);
    assert.equal(location.searchParams.get("state"), "s-1");
    assert.equal(location.searchParams.get("iss"), "https://auth.example");
  }
  // The canonical resource with a trailing slash, or with its host in capitals, is the same resource.
  assert.equal(
    (await checkAuthorizeRequest(query({ resource: "https://MCP.example/mcp/" }), context)).kind,
    "valid",
  );
  store.close();
});
