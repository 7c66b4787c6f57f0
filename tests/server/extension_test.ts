/**
 * The extension API as clients meet it: an extension is declared under
 * `capabilities.extensions` on the eras it names, its methods answer on those eras only, a method
 * may insist that the client declared the extension, name a param mirrored in `Mcp-Name`, and
 * carry 2026 cache hints; clashes are errors when the extension is added.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { type Extension, FastMCP } from "../../mod.ts";
import { legacyRequest, modernMeta, modernRequest, readAnswer } from "../helpers/http.ts";

const CLOCK: Extension = {
  id: "com.example/clock",
  settings: { precision: "ms" },
  capabilities: { logging: {} },
  methods: {
    "clock/now": { handler: (params) => ({ now: 42, zone: params.zone ?? "UTC" }), cacheable: true },
    "clock/set": { handler: () => ({ set: true }), eras: ["modern"], nameParam: "zone" },
  },
};

function server(...extensions: Extension[]): FastMCP {
  const mcp = new FastMCP({ name: "ext", logger: () => {} });
  for (const e of extensions) mcp.addExtension(e);
  return mcp;
}

async function legacyCapabilities(mcp: FastMCP): Promise<Record<string, unknown>> {
  const res = await mcp.fetch(legacyRequest({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  }));
  const { result } = await readAnswer(res);
  return result!.capabilities as Record<string, unknown>;
}

Deno.test("an extension is declared with its settings on both eras, with the capabilities it implies", async () => {
  const mcp = server(CLOCK);
  try {
    const modern = (await readAnswer(await mcp.fetch(modernRequest("server/discover")))).result!
      .capabilities as Record<string, unknown>;
    assert.deepEqual((modern.extensions as Record<string, unknown>)["com.example/clock"], {
      precision: "ms",
    });
    assert.deepEqual(modern.logging, {});
    const legacy = await legacyCapabilities(mcp);
    assert.deepEqual((legacy.extensions as Record<string, unknown>)["com.example/clock"], {
      precision: "ms",
    });
    // The tasks extension stays where it was: an extension on 2026, the core capability on 2025.
    assert.ok("io.modelcontextprotocol/tasks" in (modern.extensions as Record<string, unknown>));
    assert.ok(!("io.modelcontextprotocol/tasks" in (legacy.extensions as Record<string, unknown>)));
    assert.ok(legacy.tasks);
  } finally {
    await mcp.close();
  }
});

Deno.test("extension methods answer on their eras, with 2026 cache hints where they say so", async () => {
  const mcp = server(CLOCK);
  try {
    const now = await readAnswer(await mcp.fetch(modernRequest("clock/now", { zone: "CET" })));
    assert.equal(now.result!.now, 42);
    assert.equal(now.result!.zone, "CET");
    assert.equal(now.result!.resultType, "complete");
    assert.equal(typeof now.result!.ttlMs, "number");
    assert.equal(typeof now.result!.cacheScope, "string");
    const set = await readAnswer(
      await mcp.fetch(modernRequest("clock/set", { zone: "CET" }, 1, { "mcp-name": "CET" })),
    );
    assert.deepEqual(set.result!.set, true);
  } finally {
    await mcp.close();
  }
});

Deno.test("a method's Mcp-Name param is checked on 2026 HTTP like tools/call's name", async () => {
  const mcp = server(CLOCK);
  try {
    const res = await mcp.fetch(modernRequest("clock/set", { zone: "CET" }, 1, { "mcp-name": "PST" }));
    assert.equal(res.status, 400);
    const { error } = await readAnswer(res);
    assert.match(error!.message, /Mcp-Name 'PST' does not match body zone/);
  } finally {
    await mcp.close();
  }
});

Deno.test("a method of another era is not found there", async () => {
  const mcp = server(CLOCK);
  try {
    const init = await mcp.fetch(legacyRequest({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }));
    const session = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    await (await mcp.fetch(legacyRequest({ jsonrpc: "2.0", method: "notifications/initialized" }, headers)))
      .body
      ?.cancel();
    const now = await readAnswer(
      await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: 2, method: "clock/now" }, headers)),
    );
    assert.equal(now.result!.now, 42);
    const set = await readAnswer(
      await mcp.fetch(legacyRequest({ jsonrpc: "2.0", id: 3, method: "clock/set" }, headers)),
    );
    assert.equal(set.error?.code, -32601);
  } finally {
    await mcp.close();
  }
});

Deno.test("an extension that requires the client's declaration refuses others with -32021 naming it", async () => {
  const strict: Extension = {
    id: "com.example/strict",
    requireClient: true,
    methods: { "strict/hello": { handler: () => ({ hello: "world" }) } },
  };
  const mcp = server(strict);
  try {
    const refused = await readAnswer(await mcp.fetch(modernRequest("strict/hello")));
    assert.equal(refused.error?.code, -32021);
    assert.match(refused.error!.message, /com\.example\/strict/);
    const meta = modernMeta({
      "io.modelcontextprotocol/clientCapabilities": { extensions: { "com.example/strict": {} } },
    });
    const ok = await readAnswer(await mcp.fetch(modernRequest("strict/hello", { _meta: meta })));
    assert.equal(ok.result!.hello, "world");
  } finally {
    await mcp.close();
  }
});

Deno.test("adding an extension twice is a no-op; a second one with its id, a taken method or a bad id is an error", () => {
  const mcp = server(CLOCK);
  mcp.addExtension(CLOCK);
  assert.throws(() => mcp.addExtension({ ...CLOCK }), /an extension 'com\.example\/clock' is already added/);
  assert.throws(
    () => mcp.addExtension({ id: "com.example/other", methods: { "tools/list": { handler: () => ({}) } } }),
    /the method 'tools\/list' is already served/,
  );
  assert.throws(
    () => mcp.addExtension({ id: "com.example/again", methods: { "clock/now": { handler: () => ({}) } } }),
    /the method 'clock\/now' is already served/,
  );
  assert.throws(() => mcp.addExtension({ id: "clock" }), /must be a reverse-domain name with a path/);
});

Deno.test("an extension's middleware sees the server's calls", async () => {
  const seen: string[] = [];
  const mcp = server({
    id: "com.example/audit",
    middleware: {
      onCallTool: async (context, next) => {
        seen.push(String(context.params.name));
        return await next(context);
      },
    },
  });
  mcp.tool("ping", async () => "pong");
  try {
    await readAnswer(await mcp.fetch(modernRequest("tools/call", { name: "ping", arguments: {} })));
    assert.deepEqual(seen, ["ping"]);
  } finally {
    await mcp.close();
  }
});
