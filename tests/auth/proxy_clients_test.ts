/**
 * The OAuth proxy's clients: registrations (public, with safe redirect URIs, never given the
 * upstream's credentials: §5 #6, #19) and client ID metadata documents fetched through the
 * guarded fetcher from a real local server, checked, bounded and cached.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ClientMetadataError, ClientRegistry, isDocumentUrl } from "../../auth/oauth_proxy/clients.ts";
import { memoryStore } from "../../server/store/memory.ts";

function registry(options = {}) {
  const store = memoryStore();
  return { store, registry: new ClientRegistry(() => store, options) };
}

async function refused(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (e: Error) => {
    assert.ok(e instanceof ClientMetadataError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("#19: a registration gets a proxy id and no secret, and is kept in the store", async () => {
  const { store, registry: clients } = registry();
  const client = await clients.register({
    client_name: "Notes",
    redirect_uris: ["http://127.0.0.1:3000/cb"],
  });
  assert.match(client.clientId, /^mcp_[0-9a-f]{32}$/);
  assert.deepEqual(Object.keys(client).sort(), ["clientId", "clientName", "redirectUris", "source"]);
  assert.deepEqual(await clients.get(client.clientId), client);
  assert.deepEqual(await store.get(["oauth-proxy", "clients", client.clientId]), client);
  assert.equal(await clients.get("mcp_unknown"), undefined);
  store.close();
});

Deno.test("#6, #7: a registration with an unsafe redirect URI, or none, or a confidential client is refused", async () => {
  const { store, registry: clients } = registry();
  await refused(
    clients.register({ redirect_uris: ["javascript:alert(1)"] }),
    "invalid_redirect_uri",
    /scheme/,
  );
  await refused(
    clients.register({ redirect_uris: ["http://localhost@evil.example/cb"] }),
    "invalid_redirect_uri",
    /userinfo/,
  );
  await refused(
    clients.register({ redirect_uris: ["https://a.example/cb/../x"] }),
    "invalid_redirect_uri",
    /segments/,
  );
  await refused(clients.register({ redirect_uris: [] }), "invalid_redirect_uri", /needs redirect_uris/);
  await refused(
    clients.register({ redirect_uris: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) }),
    "invalid_redirect_uri",
    /more than 10/,
  );
  await refused(
    clients.register({
      redirect_uris: ["https://a.example/cb"],
      token_endpoint_auth_method: "client_secret_basic",
    }),
    "invalid_client_metadata",
    /only public clients/,
  );
  await refused(clients.register("nope"), "invalid_client_metadata", /must be a JSON object/);
  store.close();
});

Deno.test("a client ID metadata document is fetched, checked against its own URL, bounded and cached", async () => {
  let hits = 0;
  const documents: Record<string, unknown> = {};
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    hits++;
    const path = new URL(req.url).pathname;
    if (path === "/big.json") return new Response("x".repeat(10_000));
    return documents[path] === undefined
      ? new Response("gone", { status: 404 })
      : Response.json(documents[path]);
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  documents["/client.json"] = {
    client_id: `${base}/client.json`,
    client_name: "Desktop",
    redirect_uris: ["http://127.0.0.1:5000/callback"],
  };
  documents["/liar.json"] = {
    client_id: "https://trusted.example/client.json",
    redirect_uris: ["https://a.example/cb"],
  };
  documents["/unsafe.json"] = { client_id: `${base}/unsafe.json`, redirect_uris: ["data:text/html,x"] };
  const { store, registry: clients } = registry();
  try {
    const client = await clients.get(`${base}/client.json`);
    assert.deepEqual(client, {
      clientId: `${base}/client.json`,
      clientName: "Desktop",
      redirectUris: ["http://127.0.0.1:5000/callback"],
      source: "metadata-document",
    });
    await clients.get(`${base}/client.json`);
    assert.equal(hits, 1, "the second look-up is served from the cache");
    await refused(
      clients.get(`${base}/liar.json`),
      "invalid_client_metadata",
      /client_id is not its own URL/,
    );
    await refused(clients.get(`${base}/unsafe.json`), "invalid_redirect_uri", /scheme/);
    await refused(clients.get(`${base}/missing.json`), "invalid_client", /answered 404/);
    await refused(clients.get(`${base}/big.json`), "invalid_client", /metadata document: .*/);
  } finally {
    store.close();
    await server.shutdown();
  }
});

Deno.test("#12: a metadata document on a private address is refused by the guarded fetcher", async () => {
  const { store, registry: clients } = registry();
  await refused(clients.get("https://10.0.0.1/client.json"), "invalid_client", /metadata document: /);
  await refused(
    clients.get("https://169.254.169.254/latest/meta-data"),
    "invalid_client",
    /metadata document: /,
  );
  store.close();
});

Deno.test("which client ids are metadata document URLs", () => {
  assert.equal(isDocumentUrl("https://app.example/client.json"), true);
  assert.equal(isDocumentUrl("http://127.0.0.1:8000/client.json"), true);
  assert.equal(isDocumentUrl("https://app.example/"), false, "a document URL has a path");
  assert.equal(isDocumentUrl("http://app.example/client.json"), false);
  assert.equal(isDocumentUrl("https://app.example/client.json#x"), false);
  assert.equal(isDocumentUrl("mcp_0123"), false);
});
