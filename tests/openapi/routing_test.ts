/**
 * Route maps, `routeMapFn`, `componentFn`, `names` and tags: which operations become which
 * components, and under which names.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client } from "../../client.ts";
import { FastMCP, OpenAPIProvider, type OpenAPIProviderOptions } from "../../mod.ts";
import { startApi, testSpec } from "./fixture_api.ts";

async function toolNames(options: OpenAPIProviderOptions): Promise<string[]> {
  const provider = await new OpenAPIProvider(testSpec(), options).load();
  return (await provider.listTools()).map((tool) => tool.name);
}

Deno.test("every operation is a tool by default, named by operationId or else by method and path", async () => {
  assert.deepEqual(await toolNames({}), [
    "getItem",
    "deleteItem",
    "createItem",
    "submitForm",
    "upload",
    "putRaw",
    "postTree",
    "styledPath",
    "getFile",
    "get_users_userId_posts",
    "getText",
    "getImage",
    "fail",
    "slow",
    "listThings",
    "wrongShape",
  ]);
});

Deno.test("route maps: the first match wins; GET with path parameters a template, GET a resource, a tag excluded", async () => {
  const api = startApi();
  try {
    const mcp = await FastMCP.fromOpenAPI(testSpec(api.url), {
      routeMaps: [
        { tags: ["admin"], mcpType: "exclude" },
        { methods: ["GET"], pattern: /\{/, mcpType: "template", mcpTags: ["templated"] },
        { methods: ["GET"], pattern: "^/(text|list)$", mcpType: "resource" },
        { methods: ["GET"], mcpType: "exclude" },
        { methods: ["GET"], mcpType: "tool" },
      ],
    });
    await using client = new Client(mcp);
    const tools = (await client.listTools()).map((t) => t.name);
    assert.deepEqual(tools, ["createItem", "submitForm", "upload", "putRaw", "postTree"]);
    assert.deepEqual((await client.listResources()).map((r) => r.uri), [
      "resource://getText",
      "resource://listThings",
    ]);
    const templates = (await client.listResourceTemplates()).map((t) => t.uriTemplate);
    assert.deepEqual(templates, [
      "resource://getItem/{id__path}{?id__query,tags,ids,words,pipes,filter,point,state,next}",
      "resource://styledPath/{coords}/{label}",
      "resource://getFile/{path}",
      "resource://get_users_userId_posts/{userId}",
    ]);
    const [text] = await client.readResource("resource://getText");
    assert.deepEqual(text, { uri: "resource://getText", mimeType: "text/plain", text: "plain words" });
    const [item] = await client.readResource("resource://getItem/9?state=");
    assert.equal((item as { text: string }).text, '{"id":7,"name":"pen","price":1.5}');
    assert.deepEqual(api.received.map((r) => r.target), ["/text", "/items/9?state="]);
  } finally {
    await api.close();
  }
});

Deno.test("routeMapFn sees each operation with its mapped type and may change it", async () => {
  const seen: string[] = [];
  const provider = await new OpenAPIProvider(testSpec(), {
    routeMaps: [{ methods: ["POST"], mcpType: "exclude" }],
    routeMapFn: (route, type) => {
      seen.push(`${route.method} ${route.path} ${type}`);
      if (route.operationId === "upload") return "tool";
      return route.method === "GET" ? "exclude" : undefined;
    },
  }).load();
  assert.deepEqual((await provider.listTools()).map((t) => t.name), ["deleteItem", "upload", "putRaw"]);
  assert.ok(seen.includes("POST /upload exclude"));
  assert.ok(seen.includes("GET /text tool"));
});

Deno.test("componentFn adjusts names, descriptions and tags; names renames by operationId; tags are carried", async () => {
  const provider = await new OpenAPIProvider(testSpec(), {
    names: { getItem: "fetch_item" },
    tags: ["api"],
    routeMaps: [{ pattern: "^/items", mcpType: "tool", mcpTags: ["store"] }, { mcpType: "exclude" }],
    componentFn: (route, draft) => {
      if (route.operationId === "createItem") {
        draft.name = "add_item";
        draft.description = "Adds an item";
        draft.tags.push("write");
      }
    },
  }).load();
  const tools = await provider.listTools();
  assert.deepEqual(tools.map((t) => [t.name, [...t.tags]]), [
    ["fetch_item", ["items", "store", "api"]],
    ["deleteItem", ["items", "admin", "store", "api"]],
    ["add_item", ["items", "store", "api", "write"]],
  ]);
  assert.equal(tools[2].listing.description, "Adds an item");
});

Deno.test("tags select tools on the server like any component's", async () => {
  const mcp = await FastMCP.fromOpenAPI(testSpec(), { server: { name: "store" } });
  mcp.enable({ tags: ["items"], only: true });
  mcp.disable({ tags: ["admin"] });
  await using client = new Client(mcp);
  assert.deepEqual((await client.listTools()).map((t) => t.name), ["getItem", "createItem"]);
});
