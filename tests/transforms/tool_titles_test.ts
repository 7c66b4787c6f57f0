/**
 * `ToolTitles`: tools without a title are listed with one made of their name's words, through
 * copies; the tools themselves keep their listings.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { FastMCP, Namespace } from "../../mod.ts";
import { ToolTitles } from "../../server/transforms/tool_titles.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

type Json = Record<string, unknown>;

async function send(mcp: FastMCP, method: string, params: Json = {}): Promise<Json> {
  return await readAnswer(await mcp.fetch(modernRequest(method, params)));
}

async function titles(mcp: FastMCP): Promise<Record<string, string | undefined>> {
  const { tools } = (await send(mcp, "tools/list")).result as { tools: { name: string; title?: string }[] };
  return Object.fromEntries(tools.map((t) => [t.name, t.title]));
}

function server(): FastMCP {
  return new FastMCP({ name: "titles", logger: () => {}, runInThread: false });
}

Deno.test("titles are made of the name's words: separators, camelCase humps and acronyms", async () => {
  const mcp = server();
  for (
    const name of ["get_weather_forecast", "getWeatherForecast", "parseHTTPResponse", "v2.status-check", "x"]
  ) {
    mcp.tool(name, async () => name);
  }
  mcp.addTransform(new ToolTitles());
  try {
    assert.deepEqual(await titles(mcp), {
      get_weather_forecast: "Get Weather Forecast",
      getWeatherForecast: "Get Weather Forecast",
      parseHTTPResponse: "Parse HTTP Response",
      "v2.status-check": "V2 Status Check",
      x: "X",
    });
  } finally {
    await mcp.close();
  }
});

Deno.test("a tool with a title, or an annotations title, keeps it", async () => {
  const mcp = server();
  mcp.tool("ping", { title: "Ping the server" }, async () => "pong");
  mcp.tool("old_style", { annotations: { title: "Old style title" } }, async () => "old");
  mcp.addTransform(new ToolTitles());
  try {
    assert.deepEqual(await titles(mcp), { ping: "Ping the server", old_style: undefined });
  } finally {
    await mcp.close();
  }
});

Deno.test("the tool itself is not changed, and the titled copy calls, hides and shows as it does", async () => {
  const mcp = server();
  const tool = mcp.tool("get_weather_forecast", async () => "sunny");
  mcp.addTransform(new ToolTitles());
  try {
    assert.equal((await titles(mcp)).get_weather_forecast, "Get Weather Forecast");
    assert.equal(tool.listing.title, undefined);
    assert.equal(mcp.tools.get("get_weather_forecast")?.listing.title, undefined);
    const called = (await send(mcp, "tools/call", { name: "get_weather_forecast", arguments: {} }))
      .result as Json;
    assert.deepEqual(called.content, [{ type: "text", text: "sunny" }]);
    tool.disable();
    assert.deepEqual(await titles(mcp), {});
    tool.enable();
    assert.deepEqual(await titles(mcp), { get_weather_forecast: "Get Weather Forecast" });
  } finally {
    await mcp.close();
  }
});

Deno.test("titles come from the names clients see when a namespace is applied first", async () => {
  const mcp = server();
  mcp.tool("search", async () => "found");
  mcp.addTransform(new Namespace("docs"));
  mcp.addTransform(new ToolTitles());
  try {
    assert.deepEqual(await titles(mcp), { docs_search: "Docs Search" });
  } finally {
    await mcp.close();
  }
});
