/**
 * Parts of the OAuth proxy: upstream tokens sealed at rest (§5 #9: they never leave the proxy,
 * and a store read elsewhere yields nothing usable), and the authorization server metadata.
 *
 * @module
 */

import assert from "node:assert/strict";
import { authorizationServerMetadata, METADATA_PATHS } from "../../auth/oauth_proxy/metadata.ts";
import { TokenVault } from "../../auth/oauth_proxy/token_vault.ts";

const SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

Deno.test("#9: upstream tokens are sealed at rest; only this key, this id and untouched bytes open them", async () => {
  const vault = await TokenVault.create(SECRET);
  const tokens = { access_token: "upstream-at", refresh_token: "upstream-rt", expires_at: 1_900_000_000 };
  const sealed = await vault.seal("jti-1", tokens);
  assert.doesNotMatch(sealed, /upstream/);
  assert.notEqual(await vault.seal("jti-1", tokens), sealed, "a fresh IV each time");
  assert.deepEqual(await vault.open("jti-1", sealed), tokens);
  assert.equal(await vault.open("jti-2", sealed), undefined, "a record moved under another id does not open");
  const flipped = sealed.slice(0, 20) + (sealed[20] === "A" ? "B" : "A") + sealed.slice(21);
  assert.equal(await vault.open("jti-1", flipped), undefined);
  assert.equal(await (await TokenVault.create(`${SECRET}x`)).open("jti-1", sealed), undefined);
  assert.equal(await vault.open("jti-1", "not base64!"), undefined);
  await assert.rejects(TokenVault.create("short"), /at least 32 bytes/);
});

Deno.test("authorization server metadata: PKCE S256, CIMD, iss in responses, both well-known paths", () => {
  const metadata = authorizationServerMetadata({ issuer: "https://auth.example/", scopes: ["notes:read"] });
  assert.deepEqual(metadata, {
    issuer: "https://auth.example",
    authorization_endpoint: "https://auth.example/authorize",
    token_endpoint: "https://auth.example/token",
    registration_endpoint: "https://auth.example/register",
    revocation_endpoint: "https://auth.example/revoke",
    revocation_endpoint_auth_methods_supported: ["none"],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
    scopes_supported: ["notes:read"],
  });
  assert.equal(
    authorizationServerMetadata({ issuer: "https://auth.example", registration: false })
      .registration_endpoint,
    undefined,
  );
  assert.throws(
    () => authorizationServerMetadata({ issuer: "https://auth.example/?x=1" }),
    /no query or fragment/,
  );
  assert.deepEqual(METADATA_PATHS, [
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
  ]);
});
