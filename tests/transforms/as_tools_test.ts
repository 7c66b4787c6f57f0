/**
 * `PromptsAsTools` and `ResourcesAsTools`, seen as a tool-only client sees them: the added tools
 * are listed after the server's, answer in JSON text, and ask the server as the client would, so
 * middleware, visibility and auth apply.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP, requireScopes, StaticTokenVerifier } from "../../mod.ts";
import { PromptsAsTools } from "../../server/transforms/prompts_as_tools.ts";
import { ResourcesAsTools } from "../../server/transforms/resources_as_tools.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  result?: Json;
  error?: { code: number; message: string };
}

async function send(mcp: FastMCP, method: string, params: Json = {}, token?: string): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await mcp.fetch(modernRequest(method, params, 1, headers));
  return { status: res.status, ...await readAnswer(res) };
}

async function call(mcp: FastMCP, name: string, args: Json = {}, token?: string): Promise<Answer> {
  return await send(mcp, "tools/call", { name, arguments: args }, token);
}

function text(answer: Answer): string {
  assert.ok(answer.result, `expected a result, got ${JSON.stringify(answer.error)}`);
  return (answer.result.content as { text: string }[])[0].text;
}

async function listedTools(mcp: FastMCP): Promise<{ name: string; annotations?: Json }[]> {
  return (await send(mcp, "tools/list")).result!.tools as { name: string; annotations?: Json }[];
}

const TOKENS = {
  reader: { subject: "rita", scopes: ["docs:read"] },
  admin: { subject: "ada", scopes: ["docs:read", "docs:admin"] },
};

function server(options: { auth?: boolean } = {}): FastMCP {
  return new FastMCP({
    name: "as-tools",
    logger: () => {},
    runInThread: false,
    auth: options.auth ? new StaticTokenVerifier({ tokens: TOKENS }) : undefined,
  });
}

function prompts(options: { auth?: boolean } = {}): FastMCP {
  const mcp = server(options);
  mcp.tool("ping", async () => "pong");
  mcp.prompt("greet", {
    description: "Greets someone",
    args: z.object({ name: z.string().describe("Who to greet"), times: z.number().optional() }),
  }, ({ name, times }) => `Hello, ${name}!`.repeat(times ?? 1));
  mcp.prompt("hidden", async () => "secret");
  mcp.prompt("admin_only", { auth: requireScopes("docs:admin") }, async () => "for admins");
  mcp.disable({ names: ["hidden"] });
  mcp.addTransform(new PromptsAsTools());
  return mcp;
}

Deno.test("PromptsAsTools: list_prompts and get_prompt are listed after the server's tools", async () => {
  const mcp = prompts();
  try {
    const tools = await listedTools(mcp);
    assert.deepEqual(tools.map((t) => t.name), ["ping", "list_prompts", "get_prompt"]);
    assert.equal(tools[1].annotations?.readOnlyHint, true);
  } finally {
    await mcp.close();
  }
});

Deno.test("PromptsAsTools: list_prompts gives the visible prompts with their arguments as JSON", async () => {
  const mcp = prompts();
  try {
    assert.deepEqual(JSON.parse(text(await call(mcp, "list_prompts"))), [
      {
        name: "greet",
        description: "Greets someone",
        arguments: [
          { name: "name", description: "Who to greet", required: true },
          { name: "times", required: false },
        ],
      },
      // Over HTTP without auth on the server, a prompt needing scopes is unseen, as in prompts/list.
    ]);
  } finally {
    await mcp.close();
  }
});

Deno.test("PromptsAsTools: get_prompt renders with arguments; mistakes are tool errors", async () => {
  const mcp = prompts();
  try {
    assert.deepEqual(
      JSON.parse(text(await call(mcp, "get_prompt", { name: "greet", arguments: { name: "Ada" } }))),
      {
        description: "Greets someone",
        messages: [{ role: "user", content: "Hello, Ada!" }],
      },
    );
    const twice = await call(mcp, "get_prompt", { name: "greet", arguments: { name: "Bo", times: "2" } });
    assert.equal(
      JSON.parse(text(twice)).messages[0].content,
      "Hello, Bo!Hello, Bo!",
      "JSON text arguments parse",
    );
    for (
      const [args, message] of [
        [{ name: "nope" }, /Unknown prompt: 'nope'/],
        [{ name: "hidden" }, /Unknown prompt: 'hidden'/],
        [{ name: "greet", arguments: {} }, /Invalid arguments for prompt 'greet'/],
      ] as const
    ) {
      const answer = await call(mcp, "get_prompt", args);
      assert.equal(answer.result?.isError, true, JSON.stringify(args));
      assert.match(text(answer), message);
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("PromptsAsTools: auth applies to listing and rendering, and middleware sees the render", async () => {
  const mcp = prompts({ auth: true });
  const seen: string[] = [];
  mcp.addMiddleware({
    onGetPrompt: async (context, next) => {
      seen.push(context.params.name as string);
      return await next(context);
    },
  });
  try {
    const listed = async (token: string) =>
      (JSON.parse(text(await call(mcp, "list_prompts", {}, token))) as { name: string }[]).map((p) => p.name);
    assert.deepEqual(await listed("reader"), ["greet"]);
    assert.deepEqual(await listed("admin"), ["greet", "admin_only"]);
    const refused = await call(mcp, "get_prompt", { name: "admin_only" }, "reader");
    assert.equal(refused.status, 403);
    assert.match(refused.error?.message ?? "", /needs the scopes docs:admin/);
    const allowed = await call(mcp, "get_prompt", { name: "admin_only" }, "admin");
    assert.equal(JSON.parse(text(allowed)).messages[0].content, "for admins");
    assert.deepEqual(seen, ["admin_only", "admin_only"]);
  } finally {
    await mcp.close();
  }
});

function resources(options: { auth?: boolean } = {}): FastMCP {
  const mcp = server(options);
  mcp.resource(
    "config://app",
    { description: "App settings", mimeType: "application/json" },
    () => ({ theme: "dark" }),
  );
  mcp.resource("notes://{id}", { name: "note", description: "A note by id" }, ({ id }) => `note ${id}`);
  mcp.resource("bin://logo", () => new Uint8Array([1, 2, 3]));
  mcp.resource("multi://pair", () => [
    { uri: "multi://pair", text: "one" },
    { uri: "multi://pair", mimeType: "text/plain", text: "two" },
  ]);
  mcp.resource("secret://vault", { auth: requireScopes("docs:admin") }, () => "gold");
  mcp.addTransform(new ResourcesAsTools());
  return mcp;
}

Deno.test("ResourcesAsTools: list_resources gives resources and templates as JSON", async () => {
  const mcp = resources();
  try {
    const tools = await listedTools(mcp);
    assert.deepEqual(tools.map((t) => t.name), ["list_resources", "read_resource"]);
    assert.ok(tools.every((t) => t.annotations?.readOnlyHint === true));
    assert.deepEqual(JSON.parse(text(await call(mcp, "list_resources"))), [
      {
        uri: "config://app",
        name: "config://app",
        description: "App settings",
        mimeType: "application/json",
      },
      { uri: "bin://logo", name: "bin://logo" },
      { uri: "multi://pair", name: "multi://pair" },
      { uriTemplate: "notes://{id}", name: "note", description: "A note by id" },
    ]);
  } finally {
    await mcp.close();
  }
});

Deno.test("ResourcesAsTools: read_resource reads static and templated URIs; binary as base64", async () => {
  const mcp = resources();
  try {
    const read = async (uri: string) => await call(mcp, "read_resource", { uri });
    assert.equal(text(await read("config://app")), '{"theme":"dark"}');
    assert.equal(text(await read("notes://42")), "note 42");
    assert.equal(text(await read("bin://logo")), "AQID");
    assert.deepEqual(JSON.parse(text(await read("multi://pair"))), [
      { uri: "multi://pair", text: "one" },
      { uri: "multi://pair", mimeType: "text/plain", text: "two" },
    ]);
    const missing = await read("nothing://here");
    assert.equal(missing.result?.isError, true);
    assert.match(text(missing), /Resource not found/);
  } finally {
    await mcp.close();
  }
});

Deno.test("ResourcesAsTools: a resource needing a scope is unlisted and refused without it", async () => {
  const mcp = resources({ auth: true });
  try {
    const uris = async (token: string) =>
      (JSON.parse(text(await call(mcp, "list_resources", {}, token))) as { uri?: string }[])
        .map((r) => r.uri).filter((u) => u !== undefined);
    assert.ok(!(await uris("reader")).includes("secret://vault"));
    assert.ok((await uris("admin")).includes("secret://vault"));
    const refused = await call(mcp, "read_resource", { uri: "secret://vault" }, "reader");
    assert.equal(refused.status, 403);
    assert.equal(text(await call(mcp, "read_resource", { uri: "secret://vault" }, "admin")), "gold");
  } finally {
    await mcp.close();
  }
});

Deno.test("a server tool named list_prompts or read_resource is an error, not a second entry", async () => {
  const a = server();
  a.tool("list_prompts", async () => "mine");
  a.addTransform(new PromptsAsTools());
  const b = server();
  b.tool("read_resource", async () => "mine");
  b.addTransform(new ResourcesAsTools());
  try {
    assert.match(
      (await send(a, "tools/list")).error?.message ?? "",
      /PromptsAsTools: .* tool named 'list_prompts'/,
    );
    assert.match((await call(a, "list_prompts")).error?.message ?? "", /tool named 'list_prompts'/);
    assert.match(
      (await send(b, "tools/list")).error?.message ?? "",
      /ResourcesAsTools: .* tool named 'read_resource'/,
    );
  } finally {
    await a.close();
    await b.close();
  }
});
