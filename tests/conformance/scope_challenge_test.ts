/**
 * The fixture's side of the pending server scope-challenge scenario (SEP-2350, conformance PR
 * #481), checked here until the suite ships it: the low token gets a 403 `insufficient_scope`
 * challenge naming both scopes of each operation and a same-origin metadata URL, the full token
 * the normal result, and a request without a token is served as before.
 *
 * @module
 */

import assert from "node:assert/strict";
import { modernRequest, readAnswer } from "../helpers/http.ts";

import { mcp } from "../../examples/conformance/server.ts";

/** The fixture's port, as it read it (the test sets no environment: test files share the process's). */
const PORT = Deno.env.get("PORT") ?? "3000";
const URL_ = `http://localhost:${PORT}/mcp`;

/** The operations and scope pairs of the scenario's fixture contract. */
const OPERATIONS = [
  {
    method: "tools/call",
    params: { name: "test_simple_text", arguments: {} },
    scopes: ["mcp:conformance:tools:call", "mcp:conformance:tools:test_simple_text"],
  },
  {
    method: "resources/read",
    params: { uri: "test://static-text" },
    scopes: ["mcp:conformance:resources:read", "mcp:conformance:resources:static"],
  },
  {
    method: "resources/read",
    params: { uri: "test://template/123/data" },
    scopes: ["mcp:conformance:resources:read", "mcp:conformance:resources:template:123"],
  },
  {
    method: "prompts/get",
    params: { name: "test_simple_prompt" },
    scopes: ["mcp:conformance:prompts:get", "mcp:conformance:prompts:test_simple_prompt"],
  },
];

function send(method: string, params: Record<string, unknown>, token?: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return mcp.fetch(modernRequest(method, params, 7, headers, URL_));
}

/** The parameters of a `Bearer` challenge. */
function challengeParams(header: string): Record<string, string> {
  assert.match(header, /^Bearer /);
  const out: Record<string, string> = {};
  for (const [, key, value] of header.slice(7).matchAll(/([a-z_]+)="((?:\\.|[^"])*)"/g)) out[key] = value;
  return out;
}

Deno.test("SEP-2350 fixture contract: low token 403 with both scopes, full token served, no token unchanged", async () => {
  try {
    for (const { method, params, scopes } of OPERATIONS) {
      const what = `${method} ${JSON.stringify(params)}`;
      const low = await send(method, params, "mcp-conformance-scope-low");
      assert.equal(low.status, 403, what);
      const challenge = challengeParams(low.headers.get("www-authenticate") ?? "");
      await low.body?.cancel();
      assert.equal(challenge.error, "insufficient_scope", what);
      for (const scope of scopes) assert.ok(challenge.scope.split(" ").includes(scope), `${what}: ${scope}`);
      assert.equal(
        challenge.resource_metadata,
        `http://localhost:${PORT}/.well-known/oauth-protected-resource/mcp`,
      );

      for (const token of ["mcp-conformance-scope-full", undefined]) {
        const res = await send(method, params, token);
        assert.equal(res.status, 200, `${what} with ${token ?? "no token"}`);
        const answer = await readAnswer(res);
        assert.equal(answer.error, undefined, `${what} with ${token ?? "no token"}`);
      }
    }
    // A token that is not one of the fixture's is refused, not served as anonymous.
    const forged = await send("tools/list", {}, "mcp-conformance-scope-forged");
    await forged.body?.cancel();
    assert.equal(forged.status, 401);
  } finally {
    await mcp.close();
  }
});
