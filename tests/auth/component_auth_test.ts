/**
 * Per-component authorization: `auth:` on tools, resources, templates, prompts and mounts, and
 * `AuthMiddleware`. Components a caller may not use are absent from its listings; using one gives
 * a 403 `insufficient_scope` challenge naming every scope the operation needs (SEP-2350) when
 * scopes are what is missing, and otherwise the very answer an unknown name gets.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type AuthCheck,
  AuthMiddleware,
  AuthorizationError,
  FastMCP,
  InsufficientScopeError,
  RemoteAuthProvider,
  requireRoles,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
} from "../../mod.ts";
import { StaticTokenVerifier as Verifier } from "../../auth/mod.ts";
import { z } from "zod";
import { legacyRequest, modernRequest, readAnswer } from "../helpers/http.ts";
import { StdioPeer } from "../helpers/stdio.ts";

const BASE = "https://notes.example.com";
const METADATA = `${BASE}/.well-known/oauth-protected-resource/mcp`;

const TOKENS = {
  reader: { subject: "rita", clientId: "app", scopes: ["notes:read"] },
  writer: { subject: "will", clientId: "app", scopes: ["notes:read", "notes:write"] },
  admin: { subject: "ada", clientId: "app", scopes: ["notes:admin"] },
  nobody: { subject: "nemo", clientId: "app", scopes: [] },
  manager: {
    subject: "mia",
    clientId: "app",
    scopes: ["notes:read"],
    claims: { realm_access: { roles: ["manager"] } },
  },
};
type Who = keyof typeof TOKENS;

function server(options: { middleware?: AuthMiddleware[]; hierarchy?: Record<string, string[]> } = {}) {
  const auth = new RemoteAuthProvider({
    tokenVerifier: new StaticTokenVerifier({ tokens: Object.fromEntries(Object.entries(TOKENS)) }),
    authorizationServers: ["https://idp.example.com"],
    baseUrl: BASE,
    scopesSupported: ["notes:read", "notes:write"],
    scopeHierarchy: options.hierarchy,
  });
  return new FastMCP({
    name: "notes",
    logLevel: "error",
    auth,
    middleware: options.middleware,
    runInThread: false,
  });
}

async function send(mcp: FastMCP, who: Who, method: string, params: Record<string, unknown> = {}) {
  const req = modernRequest(method, params, 1, { authorization: `Bearer ${who}` });
  const res = await mcp.fetch(req);
  const challenge = res.headers.get("www-authenticate");
  const body = await readAnswer(res) as { result?: Record<string, unknown>; error?: Record<string, unknown> };
  return { status: res.status, challenge, ...body };
}

async function names(mcp: FastMCP, who: Who, method = "tools/list", key = "tools", field = "name") {
  const { result } = await send(mcp, who, method);
  return (result![key] as Record<string, string>[]).map((c) => c[field]).sort();
}

const call = (mcp: FastMCP, who: Who, name: string) => send(mcp, who, "tools/call", { name, arguments: {} });

function notes(): FastMCP {
  const mcp = server({ hierarchy: { "notes:admin": ["notes:write"], "notes:write": ["notes:read"] } });
  mcp.tool("list_notes", { auth: requireScopes("notes:read") }, () => Promise.resolve("3 notes"));
  mcp.tool("write_note", { auth: requireScopes("notes:write") }, () => Promise.resolve("written"));
  mcp.tool("purge", { auth: requireScopes("notes:write", "notes:admin") }, () => Promise.resolve("purged"));
  mcp.tool("ping", () => Promise.resolve("pong"));
  return mcp;
}

Deno.test("tools a token's scopes do not cover are absent from its listing", async () => {
  const mcp = notes();
  try {
    assert.deepEqual(await names(mcp, "reader"), ["list_notes", "ping"]);
    assert.deepEqual(await names(mcp, "writer"), ["list_notes", "ping", "write_note"]);
    // notes:admin implies notes:write, which implies notes:read (the scope hierarchy).
    assert.deepEqual(await names(mcp, "admin"), ["list_notes", "ping", "purge", "write_note"]);
    assert.deepEqual(await names(mcp, "nobody"), ["ping"]);
  } finally {
    await mcp.close();
  }
});

Deno.test("SEP-2350: calling a tool without its scopes is a 403 naming every scope it needs", async () => {
  const mcp = notes();
  try {
    const refused = await call(mcp, "writer", "purge");
    assert.equal(refused.status, 403);
    assert.equal(
      refused.challenge,
      `Bearer error="insufficient_scope", error_description="Tool 'purge' needs the scopes notes:write notes:admin", ` +
        `scope="notes:write notes:admin", resource_metadata="${METADATA}"`,
    );
    assert.deepEqual(refused.error, {
      code: -32003,
      message: "Tool 'purge' needs the scopes notes:write notes:admin",
      data: { requiredScopes: ["notes:write", "notes:admin"] },
    });
    assert.equal((await call(mcp, "reader", "write_note")).status, 403);
    const allowed = await call(mcp, "admin", "purge");
    assert.equal(allowed.status, 200);
    assert.deepEqual(allowed.result?.content, [{ type: "text", text: "purged" }]);
  } finally {
    await mcp.close();
  }
});

Deno.test("the 403 challenge also names the scopes every token needs, and the 2025 wire gets it too", async () => {
  const auth = new RemoteAuthProvider({
    // A verifier that demands "mcp" of every token: challenges ask for it alongside the operation's.
    tokenVerifier: new Verifier({
      tokens: { t: { subject: "s", scopes: ["mcp"] } },
      requiredScopes: ["mcp"],
    }),
    authorizationServers: ["https://idp.example.com"],
    baseUrl: BASE,
  });
  const mcp = new FastMCP({ name: "legacy", logLevel: "error", auth });
  mcp.tool("admin_only", { auth: requireScopes("mcp:admin") }, () => Promise.resolve("ok"));
  try {
    const headers = { authorization: "Bearer t" };
    const init = await mcp.fetch(
      legacyRequest({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }, headers),
    );
    const session = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const res = await mcp.fetch(
      legacyRequest(
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "admin_only", arguments: {} } },
        { ...headers, "mcp-session-id": session },
      ),
    );
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("mcp-session-id"), session);
    assert.match(
      res.headers.get("www-authenticate")!,
      /^Bearer error="insufficient_scope", .* scope="mcp mcp:admin"/,
    );
    const body = await readAnswer(res) as { error: { code: number } };
    assert.equal(body.error.code, -32003);
    // Without a token, the 401 asks for what every token needs.
    const bare = await mcp.fetch(modernRequest("tools/list"));
    await bare.body?.cancel();
    assert.equal(bare.headers.get("www-authenticate"), `Bearer scope="mcp", resource_metadata="${METADATA}"`);
  } finally {
    await mcp.close();
  }
});

Deno.test("static and templated resources and prompts: hidden, then 403 with their scopes", async () => {
  const mcp = server();
  mcp.resource("notes://index", { auth: requireScopes("notes:read") }, () => Promise.resolve("index"));
  mcp.resource(
    "notes://{id}",
    { auth: requireScopes("notes:read") },
    ({ id }) => Promise.resolve(`note ${id}`),
  );
  mcp.prompt("summarize", { auth: requireScopes("notes:write") }, () => Promise.resolve("Summarize."));
  try {
    assert.deepEqual(await names(mcp, "nobody", "resources/list", "resources", "uri"), []);
    assert.deepEqual(
      await names(mcp, "nobody", "resources/templates/list", "resourceTemplates", "uriTemplate"),
      [],
    );
    assert.deepEqual(await names(mcp, "reader", "resources/list", "resources", "uri"), ["notes://index"]);
    assert.deepEqual(await names(mcp, "reader", "prompts/list", "prompts"), []);
    assert.deepEqual(await names(mcp, "writer", "prompts/list", "prompts"), ["summarize"]);
    for (const uri of ["notes://index", "notes://42"]) {
      const refused = await send(mcp, "nobody", "resources/read", { uri });
      assert.equal(refused.status, 403, uri);
      assert.match(refused.challenge!, /scope="notes:read"/);
      assert.equal(refused.error?.message, `Resource '${uri}' needs the scopes notes:read`);
      const read = await send(mcp, "reader", "resources/read", { uri });
      assert.equal(read.status, 200, uri);
    }
    const prompt = await send(mcp, "reader", "prompts/get", { name: "summarize" });
    assert.equal(prompt.status, 403);
    assert.match(prompt.challenge!, /scope="notes:write"/);
    assert.equal((await send(mcp, "writer", "prompts/get", { name: "summarize" })).status, 200);
  } finally {
    await mcp.close();
  }
});

Deno.test("a role refusal is opaque: the same answer as a tool that does not exist", async () => {
  const mcp = server();
  const managers = requireRoles("manager", { claim: "realm_access.roles" });
  mcp.tool("approve", { auth: managers }, () => Promise.resolve("approved"));
  mcp.prompt("review", { auth: managers }, () => Promise.resolve("Review."));
  try {
    assert.deepEqual(await names(mcp, "reader"), []);
    assert.deepEqual(await names(mcp, "manager"), ["approve"]);
    const hidden = await call(mcp, "reader", "approve");
    const missing = await call(mcp, "reader", "no_such_tool");
    assert.equal(hidden.status, missing.status);
    assert.equal(hidden.challenge, null);
    assert.deepEqual(
      { ...hidden.error, message: String(hidden.error?.message).replace("approve", "X") },
      { ...missing.error, message: String(missing.error?.message).replace("no_such_tool", "X") },
    );
    assert.equal((await call(mcp, "manager", "approve")).result?.isError, undefined);
    // Completion does not reveal it either.
    const completion = await send(mcp, "reader", "completion/complete", {
      ref: { type: "ref/prompt", name: "review" },
      argument: { name: "x", value: "" },
    });
    assert.equal(completion.error?.message, "Unknown prompt: 'review'");
  } finally {
    await mcp.close();
  }
});

Deno.test("an AuthorizationError from a check is an explicit refusal the caller reads", async () => {
  const mcp = server();
  const verifiedEmail: AuthCheck = ({ token }) => {
    if (token?.claims.email_verified !== true) throw new AuthorizationError("verify your email first");
    return true;
  };
  const broken: AuthCheck = () => {
    throw new Error("the policy service is down");
  };
  mcp.tool("send_mail", { auth: verifiedEmail }, () => Promise.resolve("sent"));
  mcp.tool("fragile", { auth: broken }, () => Promise.resolve("never"));
  try {
    const refused = await call(mcp, "reader", "send_mail");
    assert.equal(refused.status, 200);
    assert.deepEqual(refused.error, {
      code: -32003,
      message: "Tool 'send_mail' is not permitted: verify your email first",
    });
    // A check that fails (not one that says no) refuses silently: unknown, and logged.
    assert.equal((await call(mcp, "reader", "fragile")).error?.message, "Unknown tool: 'fragile'");
  } finally {
    await mcp.close();
  }
});

Deno.test("an opaque refusal hides a scope shortfall, and checks after a shortfall are not run", async () => {
  let ran = 0;
  const counted: AuthCheck = ({ token }) => {
    ran++;
    return token?.subject === "will";
  };
  const mcp = server();
  mcp.tool(
    "gated",
    { auth: [requireScopes("notes:write"), counted, requireScopes("notes:admin")] },
    () => Promise.resolve("in"),
  );
  try {
    // reader lacks notes:write: the shortfall is named up to the opaque check, which is not run.
    const short = await call(mcp, "reader", "gated");
    assert.equal(short.status, 403);
    assert.match(short.challenge!, /scope="notes:write"/);
    assert.equal(ran, 0);
    // writer holds notes:write; the opaque check runs and passes; notes:admin is missing.
    const will = await call(mcp, "writer", "gated");
    assert.equal(will.status, 403);
    assert.match(will.challenge!, /scope="notes:write notes:admin"/);
    assert.equal(ran, 1);
    // A caller the opaque check turns away learns nothing of notes:admin.
    const other = server();
    other.tool("gated", { auth: [counted, requireScopes("notes:admin")] }, () => Promise.resolve("in"));
    try {
      const hidden = await call(other, "reader", "gated");
      assert.equal(hidden.status, 200);
      assert.equal(hidden.error?.message, "Unknown tool: 'gated'");
      assert.equal(hidden.challenge, null);
    } finally {
      await other.close();
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("AuthMiddleware: server-wide checks and tag restrictions, whatever the middleware order", async () => {
  const mcp = server({
    middleware: [
      new AuthMiddleware({ auth: requireScopes("notes:read") }),
      new AuthMiddleware({ auth: restrictTag("danger", { scopes: ["notes:write"] }) }),
    ],
  });
  mcp.tool("read", () => Promise.resolve("r"));
  mcp.tool("drop", { tags: ["danger"] }, () => Promise.resolve("dropped"));
  try {
    assert.deepEqual(await names(mcp, "nobody"), []);
    assert.deepEqual(await names(mcp, "reader"), ["read"]);
    assert.deepEqual(await names(mcp, "writer"), ["drop", "read"]);
    const nobody = await call(mcp, "nobody", "drop");
    assert.equal(nobody.status, 403);
    // Both layers' scopes at once: one re-authorization covers the chain.
    assert.match(nobody.challenge!, /scope="notes:read notes:write"/);
    assert.equal((await call(mcp, "writer", "drop")).status, 200);
  } finally {
    await mcp.close();
  }
});

Deno.test("a mounted server: the mount's auth, the child's AuthMiddleware and its components' auth all hold", async () => {
  const parent = server();
  const child = new FastMCP({
    name: "archive",
    runInThread: false,
    middleware: [new AuthMiddleware({ auth: restrictTag("old", { scopes: ["notes:write"] }) })],
  });
  child.tool("search", () => Promise.resolve("found"));
  child.tool("restore", { tags: ["old"] }, () => Promise.resolve("restored"));
  child.tool("shred", { auth: requireScopes("notes:admin") }, () => Promise.resolve("shredded"));
  parent.mount(child, { namespace: "archive", auth: requireScopes("notes:read") });
  try {
    assert.deepEqual(await names(parent, "nobody"), []);
    assert.deepEqual(await names(parent, "reader"), ["archive_search"]);
    assert.deepEqual(await names(parent, "writer"), ["archive_restore", "archive_search"]);
    assert.equal((await call(parent, "nobody", "archive_search")).status, 403);
    assert.equal((await call(parent, "reader", "archive_restore")).status, 403);
    const shred = await call(parent, "writer", "archive_shred");
    assert.equal(shred.status, 403);
    assert.match(shred.challenge!, /scope="notes:read notes:admin"/);
    assert.deepEqual((await call(parent, "writer", "archive_restore")).result?.content, [
      { type: "text", text: "restored" },
    ]);
  } finally {
    await parent.close();
  }
});

Deno.test("a handler may ask for scopes that depend on its arguments (InsufficientScopeError)", async () => {
  const mcp = server();
  mcp.tool("remove", { input: z.object({ path: z.string() }) }, async ({ path }, ctx) => {
    await Promise.resolve();
    if (path.startsWith("/shared/") && !ctx.accessToken?.scopes.includes("notes:admin")) {
      throw new InsufficientScopeError(["notes:write", "notes:admin"]);
    }
    return `removed ${path}`;
  });
  try {
    const own = await send(mcp, "writer", "tools/call", { name: "remove", arguments: { path: "/mine/a" } });
    assert.equal(own.status, 200);
    const shared = await send(mcp, "writer", "tools/call", {
      name: "remove",
      arguments: { path: "/shared/a" },
    });
    assert.equal(shared.status, 403);
    assert.match(shared.challenge!, /scope="notes:write notes:admin"/);
  } finally {
    await mcp.close();
  }
});

Deno.test("component auth is not applied on stdio (the process is its user's own)", async () => {
  const mcp = server();
  mcp.tool("write_note", { auth: requireScopes("notes:write") }, () => Promise.resolve("written"));
  const peer = await StdioPeer.open(mcp);
  try {
    await peer.handshake();
    const list = await peer.request(1, "tools/list", {});
    assert.deepEqual((list.result as { tools: { name: string }[] }).tools.map((t) => t.name), ["write_note"]);
    const answer = await peer.request(2, "tools/call", { name: "write_note", arguments: {} });
    assert.deepEqual((answer.result as { content: unknown[] }).content, [{ type: "text", text: "written" }]);
  } finally {
    await peer.close();
    await mcp.close();
  }
});

Deno.test("allowAnonymous: no token is an anonymous caller, and a scope-guarded tool asks it to authenticate", async () => {
  const auth = new RemoteAuthProvider({
    tokenVerifier: new StaticTokenVerifier({ tokens: { w: { subject: "w", scopes: ["notes:write"] } } }),
    authorizationServers: ["https://idp.example.com"],
    baseUrl: BASE,
    allowAnonymous: true,
  });
  const mcp = new FastMCP({ name: "mixed", logLevel: "error", auth, runInThread: false });
  mcp.tool("read", () => Promise.resolve("open to all"));
  mcp.tool("write", { auth: requireScopes("notes:write") }, () => Promise.resolve("written"));
  const anonymous = (method: string, params: Record<string, unknown> = {}) =>
    mcp.fetch(modernRequest(method, params, 1));
  try {
    const list = await readAnswer(await anonymous("tools/list"));
    assert.deepEqual(list.result.tools.map((t: { name: string }) => t.name), ["read"]);
    const read = await readAnswer(await anonymous("tools/call", { name: "read", arguments: {} }));
    assert.deepEqual(read.result.content, [{ type: "text", text: "open to all" }]);
    const write = await anonymous("tools/call", { name: "write", arguments: {} });
    assert.equal(write.status, 401);
    assert.equal(
      write.headers.get("www-authenticate"),
      `Bearer scope="notes:write", resource_metadata="${METADATA}"`,
    );
    await write.body?.cancel();
    // A token, when presented, is still verified.
    const bad = await mcp.fetch(modernRequest("tools/list", {}, 1, { authorization: "Bearer nope" }));
    await bad.body?.cancel();
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get("www-authenticate")!, /^Bearer error="invalid_token"/);
    const good = await mcp.fetch(
      modernRequest("tools/call", { name: "write", arguments: {} }, 1, { authorization: "Bearer w" }),
    );
    assert.equal(good.status, 200);
    await good.body?.cancel();
  } finally {
    await mcp.close();
  }
});

Deno.test("without auth on the server, a scope-guarded component is simply unseen", async () => {
  const mcp = new FastMCP({ name: "open", logLevel: "error", runInThread: false });
  mcp.tool("write", { auth: requireScopes("notes:write") }, () => Promise.resolve("written"));
  try {
    const list = await readAnswer(await mcp.fetch(modernRequest("tools/list")));
    assert.deepEqual(list.result.tools, []);
    const res = await mcp.fetch(modernRequest("tools/call", { name: "write", arguments: {} }));
    assert.equal(res.status, 200);
    assert.equal((await readAnswer(res)).error.message, "Unknown tool: 'write'");
  } finally {
    await mcp.close();
  }
});

Deno.test("a challenge naming a client's URI keeps to the characters RFC 6750 allows in error_description", async () => {
  const mcp = server();
  mcp.resource("notes://{id}", { auth: requireScopes("notes:read") }, ({ id }) => Promise.resolve(id));
  try {
    const quoted = await send(mcp, "nobody", "resources/read", { uri: 'notes://a"b' });
    assert.equal(quoted.status, 403);
    assert.match(
      quoted.challenge!,
      /^Bearer error="insufficient_scope", error_description="Resource 'notes:\/\/a\?b' needs/,
    );
    // The 2025 wire has no Mcp-Name header, so any URI reaches the server: one outside Latin-1 too.
    const headers = { authorization: "Bearer nobody" };
    const init = await mcp.fetch(legacyRequest({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }, headers));
    const session = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const uri = "notes://\u00fc\u2028x";
    const res = await mcp.fetch(legacyRequest(
      { jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri } },
      { ...headers, "mcp-session-id": session },
    ));
    assert.equal(res.status, 403);
    assert.match(res.headers.get("www-authenticate")!, /error_description="Resource 'notes:\/\/\?\?x' needs/);
    // The JSON-RPC error keeps the URI as the client sent it.
    assert.equal((await readAnswer(res)).error.message, `Resource '${uri}' needs the scopes notes:read`);
  } finally {
    await mcp.close();
  }
});
