/**
 * Tool search (`BM25SearchTransform`, `RegexSearchTransform`), seen as a client sees it: the
 * listing shrinks to the pinned tools and `search_tools` / `call_tool`; searches find tools by
 * their words and respect visibility and auth; `call_tool` reaches hidden tools through the
 * middleware, auth and validation a direct call goes through.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { FastMCP, type JsonObject, requireScopes, StaticTokenVerifier } from "../../mod.ts";
import { BM25SearchTransform } from "../../server/transforms/bm25_search.ts";
import { RegexSearchTransform } from "../../server/transforms/regex_search.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  result?: Json;
  error?: { code: number; message: string };
}
interface Found {
  name: string;
  description?: string;
  inputSchema: Json;
}

async function send(mcp: FastMCP, method: string, params: Json = {}, token?: string): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await mcp.fetch(modernRequest(method, params, 1, headers));
  return { status: res.status, ...await readAnswer(res) };
}

async function toolNames(mcp: FastMCP, token?: string): Promise<string[]> {
  const { result } = await send(mcp, "tools/list", {}, token);
  return (result!.tools as { name: string }[]).map((t) => t.name);
}

async function call(mcp: FastMCP, name: string, args: Json = {}, token?: string): Promise<Answer> {
  return await send(mcp, "tools/call", { name, arguments: args }, token);
}

function text(answer: Answer): string {
  assert.ok(answer.result, `expected a result, got ${JSON.stringify(answer.error)}`);
  return (answer.result.content as { text: string }[])[0].text;
}

/** The tools `search_tools` returns, from its structured content. */
async function search(mcp: FastMCP, args: Json, token?: string): Promise<Found[]> {
  const answer = await call(mcp, "search_tools", args, token);
  assert.equal(answer.result?.isError, undefined, text(answer));
  return (answer.result!.structuredContent as { tools: Found[] }).tools;
}

const names = (found: Found[]) => found.map((t) => t.name);

function server(name = "search"): FastMCP {
  return new FastMCP({ name, logger: () => {}, runInThread: false });
}

// Words the generated tools' descriptions are made of: common enough that several tools share each.
const VERBS = ["list", "create", "update", "delete", "archive", "export", "import", "sync", "check", "count"];
const THINGS = [
  "invoices",
  "customers",
  "orders",
  "tickets",
  "reports",
  "users",
  "files",
  "projects",
  "tasks",
];
const PLACES = ["in the billing system", "for the current account", "from the archive", "on the server"];

/** 500 tools named and described from the word lists above (deterministic). */
function manyTools(mcp: FastMCP): void {
  for (let i = 0; i < 500; i++) {
    const verb = VERBS[i % VERBS.length];
    const thing = THINGS[(i * 7) % THINGS.length];
    const place = PLACES[(i * 3) % PLACES.length];
    mcp.tool(
      `${verb}_${thing}_${i}`,
      { description: `${verb} the ${thing} ${place}, amount ${i}` },
      async () => i,
    );
  }
}

Deno.test("BM25: search finds the one tool among 500 by words of its description", async () => {
  const mcp = server();
  manyTools(mcp);
  mcp.tool("convert_money", {
    description: "Convert an amount between two currencies at today's exchange rate",
  }, async () => "converted");
  mcp.addTransform(new BM25SearchTransform());
  try {
    assert.deepEqual(await toolNames(mcp), ["search_tools", "call_tool"]);
    const found = await search(mcp, { query: "exchange rate between currencies" });
    assert.equal(found[0].name, "convert_money");
    assert.equal(found[0].description, "Convert an amount between two currencies at today's exchange rate");
    assert.deepEqual(found[0].inputSchema, { type: "object", properties: {} });
    assert.equal(found.length, 1, "no other tool has any of those words");
    // "amount" is in every description: it still finds tools, at most maxResults (5) of them.
    assert.equal((await search(mcp, { query: "amount" })).length, 5);
  } finally {
    await mcp.close();
  }
});

Deno.test("BM25: a rare word outranks a common one, a short text a long one, and words are split", async () => {
  const mcp = server();
  for (let i = 0; i < 6; i++) mcp.tool(`common_${i}`, { description: "a report" }, async () => i);
  mcp.tool("rare_one", { description: "a ledger" }, async () => "rare");
  mcp.tool("long_widget", {
    description: "widget tool with a long description that goes on about many other matters entirely",
  }, async () => "long");
  mcp.tool("short_widget", { description: "widget tool" }, async () => "short");
  mcp.tool("fetchUserProfile", async () => "profile");
  mcp.tool("send.email-now", async () => "sent");
  mcp.tool("geocode", {
    input: { type: "object", properties: { postcode: { type: "string", description: "Postal code" } } },
  }, async () => "here");
  mcp.addTransform(new BM25SearchTransform({ maxResults: 3 }));
  try {
    assert.deepEqual(names(await search(mcp, { query: "report ledger" })).slice(0, 1), ["rare_one"]);
    assert.deepEqual(names(await search(mcp, { query: "widget" })), ["short_widget", "long_widget"]);
    assert.deepEqual(names(await search(mcp, { query: "user profile" })), ["fetchUserProfile"]);
    assert.deepEqual(names(await search(mcp, { query: "email" })), ["send.email-now"]);
    assert.deepEqual(
      names(await search(mcp, { query: "postal" })),
      ["geocode"],
      "argument descriptions count",
    );
    assert.deepEqual(names(await search(mcp, { query: "POSTCODE" })), ["geocode"], "argument names count");
    assert.equal((await search(mcp, { query: "report" })).length, 3, "maxResults: 3");
    assert.deepEqual(await search(mcp, { query: "zeppelin" }), []);
  } finally {
    await mcp.close();
  }
});

Deno.test("BM25: the index follows tools added and removed after a search", async () => {
  const mcp = server();
  mcp.tool("list_orders", { description: "List the orders" }, async () => "orders");
  mcp.addTransform(new BM25SearchTransform());
  try {
    assert.deepEqual(await search(mcp, { query: "zebra" }), []);
    const zebra = mcp.tool("feed_zebra", { description: "Feed the zebra" }, async () => "fed");
    assert.deepEqual(names(await search(mcp, { query: "zebra" })), ["feed_zebra"]);
    zebra.remove();
    assert.deepEqual(await search(mcp, { query: "zebra" }), []);
  } finally {
    await mcp.close();
  }
});

Deno.test("search sees every tool though a middleware keeps the client's listing", async () => {
  const mcp = server();
  let kept: JsonObject | undefined;
  mcp.addMiddleware({
    // A cache of tools/list: what clients get is the shrunk listing.
    onListTools: async (context, next) => kept ??= await next(context),
  });
  mcp.tool("feed_zebra", { description: "Feed the zebra" }, async () => "fed");
  mcp.addTransform(new BM25SearchTransform());
  try {
    assert.deepEqual(await toolNames(mcp), ["search_tools", "call_tool"]);
    assert.deepEqual(names(await search(mcp, { query: "zebra" })), ["feed_zebra"]);
  } finally {
    await mcp.close();
  }
});

Deno.test("a search transform of one provider, whose listings are asynchronous, finds its tools", async () => {
  const inner = server("inner");
  inner.tool("feed_zebra", { description: "Feed the zebra" }, async () => "fed");
  const mcp = server();
  mcp.tool("status", async () => "ok");
  mcp.addProvider({
    listTools: async () => [...inner.tools.values()],
    getTool: async (name) => inner.tools.get(name),
    listResources: () => [],
    getResource: () => undefined,
    listResourceTemplates: () => [],
    getResourceTemplate: () => undefined,
    listPrompts: () => [],
    getPrompt: () => undefined,
  }, { transforms: [new BM25SearchTransform()] });
  try {
    assert.deepEqual(await toolNames(mcp), ["status", "search_tools", "call_tool"]);
    assert.deepEqual(names(await search(mcp, { query: "zebra" })), ["feed_zebra"]);
    assert.equal(text(await call(mcp, "call_tool", { name: "feed_zebra" })), "fed");
  } finally {
    await mcp.close();
    await inner.close();
  }
});

Deno.test("pinned tools are always listed, and left out of search results", async () => {
  const mcp = server();
  mcp.tool("help", { description: "How to search the tools of this server" }, async () => "use search_tools");
  mcp.tool("search_orders", { description: "Search the orders" }, async () => "orders");
  mcp.addTransform(new BM25SearchTransform({ alwaysVisible: ["help"] }));
  try {
    assert.deepEqual(await toolNames(mcp), ["help", "search_tools", "call_tool"]);
    assert.deepEqual(names(await search(mcp, { query: "search" })), ["search_orders"]);
    assert.equal(text(await call(mcp, "help")), "use search_tools");
  } finally {
    await mcp.close();
  }
});

Deno.test("call_tool reaches a hidden tool through middleware and validation; so does a direct call", async () => {
  const mcp = server();
  const seen: string[] = [];
  mcp.addMiddleware({
    onCallTool: async (context, next) => {
      seen.push(context.params.name as string);
      return await next(context);
    },
  });
  mcp.tool("add", {
    input: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    },
  }, async (args) => String((args.a as number) + (args.b as number)));
  mcp.addTransform(new BM25SearchTransform());
  try {
    assert.equal(text(await call(mcp, "call_tool", { name: "add", arguments: { a: 2, b: 3 } })), "5");
    assert.deepEqual(seen, ["call_tool", "add"], "the inner call goes through the middleware");
    const invalid = await call(mcp, "call_tool", { name: "add", arguments: { a: "two" } });
    assert.equal(invalid.result?.isError, true);
    assert.match(text(invalid), /add/);
    assert.equal(text(await call(mcp, "add", { a: 1, b: 1 })), "2", "a hidden tool is callable by name");
    const unknown = await call(mcp, "call_tool", { name: "nope" });
    assert.equal(unknown.result?.isError, true);
    assert.match(text(unknown), /Unknown tool: 'nope'/);
    const itself = await call(mcp, "call_tool", { name: "call_tool", arguments: { name: "add" } });
    assert.equal(itself.result?.isError, true);
    assert.match(text(itself), /cannot be called through call_tool/);
    const missing = await call(mcp, "call_tool", {});
    assert.ok(missing.error || missing.result?.isError, "call_tool's own arguments are validated");
  } finally {
    await mcp.close();
  }
});

Deno.test("search and call_tool leave out what visibility hides", async () => {
  const mcp = server();
  mcp.tool("open_vault", { description: "Open the vault" }, async () => "opened");
  mcp.tool("close_vault", { description: "Close the vault" }, async () => "closed");
  mcp.disable({ names: ["open_vault"] });
  mcp.addTransform(new BM25SearchTransform());
  try {
    assert.deepEqual(names(await search(mcp, { query: "vault" })), ["close_vault"]);
    const hidden = await call(mcp, "call_tool", { name: "open_vault" });
    assert.equal(hidden.result?.isError, true);
    assert.match(text(hidden), /Unknown tool: 'open_vault'/);
  } finally {
    await mcp.close();
  }
});

Deno.test("a server tool named like a synthesised one is an error, until the option renames it", async () => {
  const taken = server();
  taken.tool("search_tools", async () => "mine");
  taken.addTransform(new BM25SearchTransform());
  const renamed = server("renamed");
  renamed.tool("search_tools", async () => "mine");
  renamed.addTransform(
    new BM25SearchTransform({ searchToolName: "find_tools", alwaysVisible: ["search_tools"] }),
  );
  try {
    const list = await send(taken, "tools/list");
    assert.match(
      list.error?.message ?? "",
      /BM25SearchTransform: the server already has a tool named 'search_tools'/,
    );
    const direct = await call(taken, "search_tools");
    assert.match(direct.error?.message ?? "", /already has a tool named 'search_tools'/);
    assert.deepEqual(await toolNames(renamed), ["search_tools", "find_tools", "call_tool"]);
    assert.equal(text(await call(renamed, "search_tools")), "mine");
  } finally {
    await taken.close();
    await renamed.close();
  }
  assert.throws(() => new BM25SearchTransform({ maxResults: 0 }), /maxResults must be a positive integer/);
  assert.throws(() => new RegexSearchTransform({ callToolName: "search_tools" }), /distinct names/);
});

Deno.test("an auth-guarded tool is neither found nor callable through call_tool without its scope", async () => {
  const mcp = new FastMCP({
    name: "guarded",
    logger: () => {},
    runInThread: false,
    auth: new StaticTokenVerifier({
      tokens: {
        reader: { subject: "rita", scopes: ["notes:read"] },
        admin: { subject: "ada", scopes: ["notes:read", "notes:admin"] },
      },
    }),
  });
  mcp.tool(
    "purge_notes",
    { description: "Purge every note", auth: requireScopes("notes:admin") },
    async () => "purged",
  );
  mcp.tool("read_notes", { description: "Read the notes" }, async () => "3 notes");
  mcp.addTransform(new BM25SearchTransform());
  try {
    assert.deepEqual(names(await search(mcp, { query: "notes" }, "reader")), ["read_notes"]);
    assert.deepEqual(names(await search(mcp, { query: "notes" }, "admin")).sort(), [
      "purge_notes",
      "read_notes",
    ]);
    const refused = await call(mcp, "call_tool", { name: "purge_notes" }, "reader");
    assert.equal(refused.status, 403);
    assert.match(refused.error?.message ?? "", /needs the scopes notes:admin/);
    assert.equal(text(await call(mcp, "call_tool", { name: "purge_notes" }, "admin")), "purged");
  } finally {
    await mcp.close();
  }
});

Deno.test("regex: case-insensitive matches on name and description, in listing order", async () => {
  const mcp = server();
  mcp.tool("get_forecast", { description: "Weather forecast for a city" }, async () => "sunny");
  mcp.tool("get_alerts", { description: "Storm alerts for a region" }, async () => "none");
  mcp.tool("set_units", { description: "Choose metric or imperial Units (2 systems)" }, async () => "ok");
  mcp.tool("weatherman", { description: "Tells jokes" }, async () => "ha");
  mcp.addTransform(new RegexSearchTransform());
  try {
    assert.deepEqual(await toolNames(mcp), ["search_tools", "call_tool"]);
    const found = async (pattern: string) => names(await search(mcp, { pattern }));
    assert.deepEqual(await found("^get_"), ["get_forecast", "get_alerts"]);
    assert.deepEqual(await found("FORECAST|storm"), ["get_forecast", "get_alerts"]);
    assert.deepEqual(await found("\\bweather\\b"), ["get_forecast"], "\\b: weatherman is one word");
    assert.deepEqual(await found("[0-9] sys"), ["set_units"]);
    assert.deepEqual(await found("(?:metric|imperial) u[n]{1,2}its"), ["set_units"]);
    assert.deepEqual(await found("region$"), ["get_alerts"]);
    assert.deepEqual(await found("alerts$"), [], "$ is the end of the text, not of the name");
    assert.deepEqual(await found("[^a-z_]units"), ["set_units"]);
    assert.deepEqual(await found("[^a-z]nits"), [], "a negated class refuses both cases of its letters");
    assert.deepEqual(await found("nothing here"), []);
  } finally {
    await mcp.close();
  }
});

Deno.test("regex: a pattern that cannot be used is a tool error saying why", async () => {
  const mcp = server();
  mcp.tool("get_forecast", { description: "Weather forecast" }, async () => "sunny");
  mcp.addTransform(new RegexSearchTransform());
  try {
    const error = async (pattern: string) => {
      const answer = await call(mcp, "search_tools", { pattern });
      assert.equal(answer.result?.isError, true, pattern);
      return text(answer);
    };
    assert.match(await error("(get"), /invalid search pattern: .*Unterminated group/);
    assert.match(await error("a".repeat(201)), /longer than 200 characters/);
    assert.match(await error("(get)\\1"), /a backreference cannot be used/);
    assert.match(await error("get(?=_)"), /a lookahead or lookbehind cannot be used/);
    assert.match(await error("x{1000}"), /too complex/);
  } finally {
    await mcp.close();
  }
});

Deno.test("regex: patterns that make a backtracking engine take exponential time return at once", async () => {
  const mcp = server();
  // Descriptions of ordinary words without an "x": backtracking engines try every way to split them.
  for (let i = 0; i < 50; i++) {
    mcp.tool(`tool_${i}`, { description: "aaaa weather forecast for the city ".repeat(40) }, async () => i);
  }
  mcp.tool("match_me", { description: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" }, async () => "m");
  mcp.addTransform(new RegexSearchTransform());
  try {
    const started = performance.now();
    assert.deepEqual(names(await search(mcp, { pattern: ".*.*.*.*x" })), []);
    assert.deepEqual(names(await search(mcp, { pattern: "(a+)+!" })), ["match_me"]);
    assert.deepEqual(names(await search(mcp, { pattern: "(.*)*x" })), []);
    // Native RegExp takes over 30 s on the first pattern alone (one 500-character text).
    assert.ok(performance.now() - started < 5_000, `took ${performance.now() - started} ms`);
    // Linear, but 50 texts × 1,000 characters × ~380 program steps is past the search's budget.
    const costly = await call(mcp, "search_tools", { pattern: "[\\s\\S]{0,190}q" });
    assert.equal(costly.result?.isError, true);
    assert.match(text(costly), /takes too long to match; make it simpler/);
  } finally {
    await mcp.close();
  }
});
