/**
 * `createProxy` against real upstreams: our own server over HTTP (a real socket) and in memory,
 * a server written with the official v1 SDK over stdio, and upstreams that are down, on the wrong
 * path, refusing credentials, or not MCP at all. Downstream clients speak both eras, and so do
 * the proxy's own clients.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { Client, ConnectionError, McpError, type VersionNegotiation } from "../../client.ts";
import { createProxy, FastMCP, StaticTokenVerifier } from "../../mod.ts";
import { PNG, upstreamServer } from "./fixtures/proxy_upstream.ts";

const ERAS: [string, VersionNegotiation][] = [["2025", "legacy"], ["2026", "auto"]];

Deno.test("a proxy over HTTP lists and calls the upstream's components, results passed on intact", async () => {
  const upstream = upstreamServer();
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  try {
    for (const [upEra, upNegotiation] of ERAS) {
      const proxy = createProxy(http.url, { name: "gateway", client: { negotiation: upNegotiation } });
      for (const [downEra, negotiation] of ERAS) {
        await using client = new Client(proxy, { negotiation });
        const tools = await client.listTools();
        const forecast = tools.find((t) => t.name === "forecast")!;
        assert.equal(forecast.description, "Forecast for a city", `${upEra}→${downEra}`);
        assert.deepEqual(forecast.annotations, { readOnlyHint: true });
        assert.deepEqual(forecast._meta?.owner, "team-weather");
        assert.equal((forecast.inputSchema.properties as Record<string, unknown>).city !== undefined, true);
        assert.deepEqual(await client.callTool("forecast", { city: "Oslo" }), { city: "Oslo", tempC: 21 });

        const broken = await client.callToolResult("broken");
        assert.equal(broken.isError, true);
        assert.deepEqual(broken.content, [
          { type: "text", text: "no radar" },
          { type: "image", data: PNG, mimeType: "image/png" },
        ]);
        assert.deepEqual(broken.structuredContent, { code: 7 });
        assert.deepEqual(broken._meta?.trace, "abc");

        const [config] = await client.readResource("config://app");
        assert.deepEqual(JSON.parse((config as { text: string }).text), { theme: "dark" });
        const templates = await client.listResourceTemplates();
        assert.equal(templates[0].uriTemplate, "search://items{?q,limit}");
        const [found] = await client.readResource("search://items?q=rain&limit=3");
        assert.equal((found as { text: string }).text, "rain:3");
        const prompt = await client.getPrompt("review", { code: "let x" });
        assert.deepEqual(prompt.messages[0].content, { type: "text", text: "Review let x" });
        await client.ping();
        // An upstream protocol error reaches the caller with its code.
        await assert.rejects(client.callTool("nope"), (e) => e instanceof McpError && e.rpcCode === -32602);
      }
      await proxy.close();
    }
  } finally {
    await upstream.close();
  }
});

/** Calls the upstream's `ask` through `proxy`: its questions answered downstream, its log and progress heard there. */
async function assertRelayed(proxy: FastMCP, negotiation: VersionNegotiation, pair: string): Promise<void> {
  const logs: unknown[] = [];
  const progress: number[] = [];
  let sampled = 0;
  await using client = new Client(proxy, {
    negotiation,
    logLevel: "info",
    onLog: (m) => logs.push(m.data),
    sampling: (params) => {
      sampled++;
      assert.equal(params.maxTokens, 16);
      return { role: "assistant", content: { type: "text", text: "hi" }, model: "test" };
    },
    elicitation: () => ({ action: "accept", content: { ok: true } }),
  });
  const out = await client.callTool("ask", {}, { onProgress: (p) => progress.push(p.progress) });
  assert.deepEqual(out, [{ type: "text", text: "hi/true" }], pair);
  assert.equal(sampled, 1, `${pair}: the upstream tool ran once and asked once`);
  // A 2026 upstream runs the tool again for each input round, so its progress and log may repeat.
  assert.ok(progress.length >= 1 && progress.every((p) => p === 1), `${pair}: progress ${progress}`);
  assert.ok(logs.length >= 1 && logs.every((l) => l === "asking the model"), `${pair}: logs ${logs}`);
}

Deno.test("sampling, elicitation, logs and progress are relayed, in every pairing of eras", async () => {
  const upstream = upstreamServer();
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  try {
    for (const [upEra, upNegotiation] of ERAS) {
      const proxy = createProxy(http.url, { name: "gateway", client: { negotiation: upNegotiation } });
      for (const [downEra, negotiation] of ERAS) {
        await assertRelayed(proxy, negotiation, `${upEra} upstream, ${downEra} downstream`);
      }
      await proxy.close();
    }
  } finally {
    await upstream.close();
  }
});

Deno.test("a proxy in front of our own server over stdio: an error with an image intact, questions relayed", async () => {
  const script = new URL("./fixtures/proxy_upstream.ts", import.meta.url).pathname;
  for (const [upEra, upNegotiation] of ERAS) {
    const proxy = createProxy(script, {
      name: "gateway",
      client: { negotiation: upNegotiation, stderr: "null" },
    });
    try {
      for (const [downEra, negotiation] of ERAS) {
        const pair = `${upEra} stdio upstream, ${downEra} downstream`;
        await using client = new Client(proxy, { negotiation });
        const broken = await client.callToolResult("broken");
        assert.equal(broken.isError, true, pair);
        assert.deepEqual(broken.content, [
          { type: "text", text: "no radar" },
          { type: "image", data: PNG, mimeType: "image/png" },
        ], pair);
        assert.deepEqual(broken.structuredContent, { code: 7 }, pair);
        await assertRelayed(proxy, negotiation, pair);
      }
    } finally {
      await proxy.close();
    }
  }
});

Deno.test("a proxy in front of a server written with the official v1 SDK (stdio)", async () => {
  const script = new URL("../client/fixtures/sdk_v1_stdio_server.ts", import.meta.url).pathname;
  const proxy = createProxy(script, { name: "gateway", client: { stderr: "null" } });
  try {
    await using client = new Client(proxy);
    assert.deepEqual((await client.listTools()).map((t) => t.name).sort(), ["echo", "where"]);
    assert.deepEqual(await client.callTool("echo", { text: "hey" }), [{ type: "text", text: "echo: hey" }]);
    const [greeting] = await client.readResource("greeting://world");
    assert.equal((greeting as { text: string }).text, "Hello, world!");
  } finally {
    await proxy.close();
  }
});

Deno.test("an upstream that cannot serve fails the downstream greeting, naming why", async (t) => {
  const refused = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (refused.addr as Deno.NetAddr).port;
  refused.close();
  const html = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("<html>hello</html>", { headers: { "content-type": "text/html" } }),
  );
  const guarded = new FastMCP({
    name: "guarded",
    auth: new StaticTokenVerifier({ tokens: { good: { clientId: "c" } } }),
  });
  guarded.tool("secret", () => "s");
  const guardedHttp = guarded.serve({ hostname: "127.0.0.1", port: 0 });
  const upstream = upstreamServer();
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  const cases: [string, string, RegExp][] = [
    ["down", `http://127.0.0.1:${deadPort}/mcp`, /cannot reach/],
    ["wrong path", http.url.replace(/\/mcp$/, "/nope"), /404|not an MCP server/],
    ["not MCP", `http://127.0.0.1:${html.addr.port}/mcp`, /not an MCP server|content type/],
    ["refusing auth", guardedHttp.url, /401/],
    ["missing command", "/nonexistent/server.ts", /exited|cannot start/],
  ];
  try {
    for (const [name, target, why] of cases) {
      await t.step(name, async () => {
        for (const [, negotiation] of ERAS) {
          const proxy = createProxy(target, {
            name: "gateway",
            client: { stderr: "null", timeoutMs: 5_000 },
          });
          const client = new Client(proxy, { negotiation });
          const error = await client.connect().then(() => undefined, (e) => e);
          await client.close();
          await proxy.close();
          assert.ok(error instanceof McpError || error instanceof ConnectionError, `${name}: ${error}`);
          assert.match(String(error.message), /upstream/, name);
          assert.match(String(error.message), why, name);
        }
      });
    }
  } finally {
    await html.shutdown();
    await guarded.close();
    await upstream.close();
  }
});

Deno.test("a configuration of two upstreams is served with each under its entry's name", async () => {
  const weather = upstreamServer();
  const weatherHttp = weather.serve({ hostname: "127.0.0.1", port: 0 });
  const script = new URL("../client/fixtures/sdk_v1_stdio_server.ts", import.meta.url).pathname;
  const proxy = createProxy({
    mcpServers: {
      weather: { url: weatherHttp.url },
      sdk: { command: Deno.execPath(), args: ["run", "-A", script] },
    },
  }, { name: "gateway", client: { stderr: "null" } });
  try {
    await using client = new Client(proxy);
    const names = (await client.listTools()).map((t) => t.name).sort();
    assert.deepEqual(names, ["sdk_echo", "sdk_where", "weather_ask", "weather_broken", "weather_forecast"]);
    assert.deepEqual(await client.callTool("weather_forecast", { city: "Rome" }), {
      city: "Rome",
      tempC: 21,
    });
    assert.deepEqual(await client.callTool("sdk_echo", { text: "x" }), [{ type: "text", text: "echo: x" }]);
  } finally {
    await proxy.close();
    await weather.close();
  }
});

Deno.test("listings are cached for listCacheTtlMs and dropped when the upstream's list changes, both eras", async () => {
  for (const [upEra, negotiation] of ERAS) {
    const upstream = new FastMCP({ name: "changing" });
    upstream.tool("one", () => 1);
    const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
    const proxy = createProxy(http.url, { name: "gateway", listCacheTtlMs: 60_000, client: { negotiation } });
    try {
      await using client = new Client(proxy);
      assert.deepEqual((await client.listTools()).map((t) => t.name), ["one"]);
      upstream.tool("two", () => 2);
      // The upstream announces the change (2025: on the session's GET stream; 2026: on
      // subscriptions/listen); the proxy drops its cache.
      let names: string[] = [];
      for (let i = 0; i < 50 && names.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        names = (await client.listTools()).map((t) => t.name);
      }
      assert.deepEqual(names.sort(), ["one", "two"], `${upEra} upstream`);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  }
});

Deno.test("forwardHeaders refuses cookie; authorization passes only when named", async () => {
  assert.throws(() => createProxy("https://example.com/mcp", { forwardHeaders: ["Cookie"] }), /cookie/);
  const seen: (string | null)[] = [];
  const upstream = new FastMCP({ name: "headers" });
  upstream.tool("who", (_args, ctx) => {
    seen.push(
      ctx.httpRequest?.headers.get("x-tenant") ?? null,
      ctx.httpRequest?.headers.get("cookie") ?? null,
    );
    return "ok";
  });
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  const proxy = createProxy(http.url, { name: "gateway", forwardHeaders: ["x-tenant"] });
  const front = proxy.serve({ hostname: "127.0.0.1", port: 0 });
  try {
    await using client = new Client(front.url, { headers: { "x-tenant": "acme", cookie: "session=1" } });
    await client.callTool("who");
    assert.deepEqual(seen, ["acme", null]);
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

Deno.test("stateful: one upstream session per downstream session, ended with it", async () => {
  const upstream = new FastMCP({ name: "sessions" });
  upstream.tool("sid", { runInThread: false }, (_args, ctx) => ctx.sessionId ?? "none");
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  const proxy = createProxy(http.url, { name: "gateway", stateful: true, client: { negotiation: "legacy" } });
  const front = proxy.serve({ hostname: "127.0.0.1", port: 0 });
  try {
    const a = new Client(front.url, { negotiation: "legacy" });
    const b = new Client(front.url, { negotiation: "legacy" });
    const [a1, a2, b1] = [await a.callTool("sid"), await a.callTool("sid"), await b.callTool("sid")];
    assert.deepEqual(a1, a2, "one downstream session keeps its upstream session");
    assert.notDeepEqual(a1, b1, "two downstream sessions get two upstream sessions");
    const before = upstream.stats().sessions;
    await a.close();
    for (let i = 0; i < 50 && upstream.stats().sessions >= before; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(upstream.stats().sessions < before, "closing a downstream session closes its upstream one");
    await b.close();
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

Deno.test("task support is forwarded: a downstream task runs an upstream task, in every pairing of eras", async () => {
  const upstream = new FastMCP({ name: "renderer", logger: () => {}, limits: { taskPollIntervalMs: 20 } });
  const upstreamTasks: (string | undefined)[] = [];
  upstream.tool(
    "render",
    { input: z.object({ scene: z.string() }), task: "required", runInThread: false },
    async (
      { scene },
      ctx,
    ) => {
      upstreamTasks.push(ctx.taskId);
      const answer = await ctx.elicit("Resolution?", z.object({ px: z.number() }));
      return `${scene} at ${answer.action === "accept" ? answer.data.px : "?"}px`;
    },
  );
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  try {
    for (const [upEra, upNegotiation] of ERAS) {
      const proxy = createProxy(http.url, {
        name: "gateway",
        client: { negotiation: upNegotiation },
        limits: { taskPollIntervalMs: 20 },
      });
      for (const [downEra, negotiation] of ERAS) {
        const pair = `${upEra} upstream, ${downEra} downstream`;
        upstreamTasks.length = 0;
        await using client = new Client(proxy, {
          negotiation,
          elicitation: () => ({ action: "accept", content: { px: 1080 } }),
        });
        const [listed] = await client.listTools();
        assert.deepEqual(listed.execution, { taskSupport: "required" }, pair);
        const task = await client.callTool("render", { scene: "forest" }, { task: true });
        assert.ok(task.taskId, pair);
        assert.deepEqual((await task.result()).content, [{ type: "text", text: "forest at 1080px" }], pair);
        assert.equal(upstreamTasks.length, 1, pair);
        assert.equal(typeof upstreamTasks[0], "string", `${pair}: the upstream ran it as a task`);
      }
      await proxy.close();
    }
  } finally {
    await upstream.close();
  }
});
