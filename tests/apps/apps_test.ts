/**
 * MCP Apps on the wire: the extension's declaration, tool and resource `_meta.ui` in the shapes
 * of the extension's published types, app-only tools hidden from clients without the extension,
 * `ctx.clientSupportsApps`, and apps through mounts and proxies.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import type { McpUiResourceMeta, McpUiToolMeta } from "@modelcontextprotocol/ext-apps";
import { Client } from "../../client.ts";
import { Approval, bundleApp, Choice, createProxy, FastMCP, FileUpload, FormInput } from "../../mod.ts";
import { modernMeta, modernRequest, readAnswer } from "../helpers/http.ts";
import { z } from "zod";

const UI = { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } } };

function weather(): FastMCP {
  const mcp = new FastMCP({ name: "weather", logger: () => {} });
  mcp.resource("ui://weather/dashboard", {
    app: {
      csp: { connectDomains: ["https://api.example.com"] },
      permissions: { geolocation: {} },
      prefersBorder: true,
    },
  }, () => "<!DOCTYPE html><html><body>dashboard</body></html>");
  mcp.tool(
    "forecast",
    { app: { resourceUri: "ui://weather/dashboard" } },
    async (_args, ctx) => ctx.clientSupportsApps ? "shown in the dashboard" : "sunny, 21 °C",
  );
  mcp.tool(
    "refresh",
    { app: { resourceUri: "ui://weather/dashboard", visibility: ["app"] } },
    async () => "ok",
  );
  mcp.tool("plain", async () => "plain");
  return mcp;
}

async function send(mcp: FastMCP, method: string, params: Record<string, unknown> = {}, capabilities = {}) {
  const meta = modernMeta({ "io.modelcontextprotocol/clientCapabilities": capabilities });
  return await readAnswer(await mcp.fetch(modernRequest(method, { ...params, _meta: meta })));
}

Deno.test("a tool's app option is its _meta.ui (and the older flat key), as the extension's types have it", async () => {
  const mcp = weather();
  try {
    const tools = (await send(mcp, "tools/list", {}, UI)).result!.tools as {
      name: string;
      _meta?: Record<string, unknown>;
    }[];
    const forecast = tools.find((t) => t.name === "forecast")!;
    const ui: McpUiToolMeta = forecast._meta!.ui as McpUiToolMeta;
    assert.deepEqual(ui, { resourceUri: "ui://weather/dashboard" });
    assert.equal(forecast._meta!["ui/resourceUri"], "ui://weather/dashboard");
    const refresh: McpUiToolMeta = tools.find((t) => t.name === "refresh")!._meta!.ui as McpUiToolMeta;
    assert.deepEqual(refresh.visibility, ["app"]);
    assert.equal(tools.find((t) => t.name === "plain")!._meta, undefined);
  } finally {
    await mcp.close();
  }
});

Deno.test("a UI resource is text/html;profile=mcp-app with _meta.ui on its listing and on each read", async () => {
  const mcp = weather();
  try {
    const expected: McpUiResourceMeta = {
      csp: { connectDomains: ["https://api.example.com"] },
      permissions: { geolocation: {} },
      prefersBorder: true,
    };
    const [listed] = (await send(mcp, "resources/list")).result!.resources as Record<string, unknown>[];
    assert.equal(listed.mimeType, "text/html;profile=mcp-app");
    assert.deepEqual((listed._meta as { ui: McpUiResourceMeta }).ui, expected);
    const [read] = (await send(mcp, "resources/read", { uri: "ui://weather/dashboard" })).result!
      .contents as Record<string, unknown>[];
    assert.equal(read.mimeType, "text/html;profile=mcp-app");
    assert.deepEqual((read._meta as { ui: McpUiResourceMeta }).ui, expected);
    assert.match(read.text as string, /^<!DOCTYPE html>/);
  } finally {
    await mcp.close();
  }
});

Deno.test("app-only tools are left out of tools/list for clients without the extension, on both eras", async () => {
  const mcp = weather();
  try {
    const names = async (capabilities: Record<string, unknown>) =>
      ((await send(mcp, "tools/list", {}, capabilities)).result!.tools as { name: string }[]).map((t) =>
        t.name
      );
    assert.deepEqual(await names({}), ["forecast", "plain"]);
    assert.deepEqual(await names(UI), ["forecast", "refresh", "plain"]);
    // A host that renders other kinds of UI only is not an Apps host.
    assert.deepEqual(
      await names({ extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/x-other"] } } }),
      [
        "forecast",
        "plain",
      ],
    );
    await using legacy = new Client(mcp, { negotiation: "legacy" });
    assert.deepEqual((await legacy.listTools()).map((t) => t.name), ["forecast", "plain"]);
    // Visibility is not access control: the app-only tool answers a direct call.
    assert.deepEqual(await legacy.callTool("refresh"), [{ type: "text", text: "ok" }]);
  } finally {
    await mcp.close();
  }
});

Deno.test("the extension is declared once an app is defined, and tools see whether the client renders apps", async () => {
  const plain = new FastMCP({ name: "plain", logger: () => {} });
  plain.tool("x", async () => "x");
  const mcp = weather();
  try {
    const declared = async (server: FastMCP) =>
      ((await send(server, "server/discover")).result!.capabilities as {
        extensions: Record<string, unknown>;
      })
        .extensions["io.modelcontextprotocol/ui"];
    assert.equal(await declared(plain), undefined);
    assert.deepEqual(await declared(mcp), {});
    const text = async (capabilities: Record<string, unknown>) =>
      ((await send(mcp, "tools/call", { name: "forecast", arguments: {} }, capabilities)).result!.content as {
        text: string;
      }[])[0].text;
    assert.equal(await text(UI), "shown in the dashboard");
    assert.equal(await text({}), "sunny, 21 °C");
  } finally {
    await plain.close();
    await mcp.close();
  }
});

Deno.test("a mounted server's app tools point at its namespaced ui:// resources", async () => {
  const parent = new FastMCP({ name: "hub", logger: () => {} });
  parent.mount(weather(), { namespace: "wx" });
  try {
    const tools = (await send(parent, "tools/list", {}, UI)).result!.tools as {
      name: string;
      _meta?: Record<string, unknown>;
    }[];
    const forecast = tools.find((t) => t.name === "wx_forecast")!;
    assert.deepEqual(forecast._meta!.ui, { resourceUri: "ui://wx/weather/dashboard" });
    assert.equal(forecast._meta!["ui/resourceUri"], "ui://wx/weather/dashboard");
    const read = await send(parent, "resources/read", { uri: "ui://wx/weather/dashboard" });
    assert.match((read.result!.contents as { text: string }[])[0].text, /dashboard/);
    const discover = (await send(parent, "server/discover")).result!.capabilities as {
      extensions: Record<string, unknown>;
    };
    assert.deepEqual(discover.extensions["io.modelcontextprotocol/ui"], {});
  } finally {
    await parent.close();
  }
});

Deno.test("a proxy passes apps through: tool and resource _meta.ui, and the read's", async () => {
  const upstream = weather();
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  const proxy = createProxy(http.url, { name: "gateway" });
  try {
    const tools = (await send(proxy, "tools/list", {}, UI)).result!.tools as {
      name: string;
      _meta?: Record<string, unknown>;
    }[];
    assert.deepEqual(tools.find((t) => t.name === "forecast")!._meta!.ui, {
      resourceUri: "ui://weather/dashboard",
    });
    assert.deepEqual(tools.map((t) => t.name).sort(), ["forecast", "plain", "refresh"]);
    const hidden = (await send(proxy, "tools/list", {}, {})).result!.tools as { name: string }[];
    assert.deepEqual(hidden.map((t) => t.name).sort(), ["forecast", "plain"]);
    const [read] = (await send(proxy, "resources/read", { uri: "ui://weather/dashboard" })).result!
      .contents as Record<string, unknown>[];
    assert.deepEqual((read._meta as { ui: McpUiResourceMeta }).ui.prefersBorder, true);
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

Deno.test("app options are checked: a non-ui:// resource, an empty or unknown visibility, a form of non-scalars", () => {
  const mcp = new FastMCP({ name: "bad", logger: () => {} });
  assert.throws(
    () => mcp.tool("t", { app: { resourceUri: "https://x" } }, async () => ""),
    /must be a ui:\/\/ URI/,
  );
  assert.throws(
    () => mcp.tool("u", { app: { visibility: [] } }, async () => ""),
    /must list "model", "app" or both/,
  );
  assert.throws(
    () => mcp.tool("v", { app: { visibility: ["user" as "app"] } }, async () => ""),
    /must list "model", "app" or both/,
  );
  assert.throws(
    () => mcp.resource("file:///x.html", { app: {} }, () => ""),
    /an app's resource must be a ui:\/\/ URI/,
  );
  assert.throws(
    () => new FormInput({ schema: z.object({ tags: z.array(z.string()) }) }),
    /field 'tags' is not a string, number, boolean or enum/,
  );
});

Deno.test("bundleApp writes the folder's scripts, styles and images into one page; paths out of it are refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/ui/img`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/ui/index.html`,
      `<!DOCTYPE html><html><head><link rel="stylesheet" href="style.css">
<script src="https://cdn.example.com/lib.js"></script></head>
<body><img src="img/logo.png" alt="logo"><p id="out"></p><script src="app.js"></script></body></html>`,
    );
    await Deno.writeTextFile(
      `${dir}/ui/app.js`,
      `document.getElementById("out").textContent = "</script> ok";`,
    );
    await Deno.writeTextFile(`${dir}/ui/style.css`, "p { color: red }");
    await Deno.writeFile(`${dir}/ui/img/logo.png`, new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    const html = await bundleApp(`${dir}/ui`);
    assert.match(html, /<style>p \{ color: red \}<\/style>/);
    assert.match(
      html,
      /<script>document\.getElementById\("out"\)\.textContent = "<\\\/script> ok";<\/script>/,
    );
    assert.match(html, /<img src="data:image\/png;base64,iVBORw==" alt="logo">/);
    assert.match(html, /<script src="https:\/\/cdn\.example\.com\/lib\.js"><\/script>/);
    assert.doesNotMatch(html, /app\.js|style\.css/);

    await Deno.writeTextFile(`${dir}/secret.js`, "steal()");
    await Deno.writeTextFile(`${dir}/ui/escape.html`, `<script src="../secret.js"></script>`);
    await assert.rejects(
      bundleApp(`${dir}/ui`, { entry: "escape.html" }),
      /'\.\.\/secret\.js' leads outside the folder/,
    );
    await Deno.writeTextFile(`${dir}/ui/missing.html`, `<script src="nope.js"></script>`);
    await assert.rejects(
      bundleApp(`${dir}/ui`, { entry: "missing.html" }),
      /'nope\.js' is not a file of the folder/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("each ready-made page is one script and one style, the script valid JavaScript, and no data in the markup", () => {
  const apps = [
    new FormInput({ schema: z.object({ a: z.string() }) }),
    new Approval(),
    new Choice(),
    new FileUpload(),
  ];
  for (const app of apps) {
    const html = app.page.html;
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    assert.equal(scripts.length, 1);
    assert.equal((html.match(/<style>/g) ?? []).length, 1);
    // Compiled, not run: a syntax error in the page's script fails here without a browser.
    new Function(scripts[0]);
    assert.doesNotMatch(html, / on[a-z]+=/, "no inline event handlers");
  }
});
