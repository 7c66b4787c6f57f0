/**
 * Names that are also members of `Object.prototype` (`toString`, `constructor`, `__proto__`, …),
 * sent where the server looks something up by name: each is "not found" like any unknown name,
 * the server keeps working, and components that really have such a name work.
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";
import { ERROR_CODE_NAMES, errorCodeName } from "../../protocol/errors.ts";
import { LEGACY_STATUS, MODERN_STATUS } from "../../server/http/status.ts";
import { legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";

const NAMES = ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"] as const;

type Answer = {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
};

function quiet(): FastMCP {
  return new FastMCP({ name: "hostile", logLevel: "emergency", runInThread: false });
}

/** A server with one of each component, none of them named after Object.prototype. */
function server(): FastMCP {
  const mcp = quiet();
  mcp.tool("echo", { description: "x", input: z.object({ text: z.string() }) }, ({ text }) => text);
  mcp.prompt("greet", {
    args: z.object({ who: z.string() }),
    complete: { who: (typed) => ["Ada", "Alan"].filter((n) => n.startsWith(typed)) },
  }, ({ who }) => `Hello ${who}`);
  mcp.resource("config://app", () => "theme=dark");
  mcp.resource("users://{id}", {
    complete: { id: (typed) => ["7", "8"].filter((n) => n.startsWith(typed)) },
  }, ({ id }) => `user ${id}`);
  return mcp;
}

/** Sends one request on the 2026 wire (`raw` is written as is, so a key can be `__proto__`). */
async function modern(mcp: FastMCP, method: string, params: Record<string, unknown> = {}): Promise<Answer> {
  const [body] = await readMessages(await mcp.fetch(modernRequest(method, params)));
  return body as Answer;
}

/** Checks that the server still answers ordinary requests. */
async function stillWorks(send: (method: string, params: Record<string, unknown>) => Promise<Answer>) {
  const called = await send("tools/call", { name: "echo", arguments: { text: "hi" } });
  assert.deepEqual((called.result?.content as unknown[])[0], { type: "text", text: "hi" });
  const got = await send("prompts/get", { name: "greet", arguments: { who: "Ada" } });
  assert.deepEqual((got.result?.messages as { content: unknown }[])[0].content, {
    type: "text",
    text: "Hello Ada",
  });
  const read = await send("resources/read", { uri: "users://7" });
  assert.equal((read.result?.contents as { text: string }[])[0].text, "user 7");
}

/** Every lookup by name, with `name`, on the transport `send` speaks; `missing` is the resource-not-found code. */
async function probe(
  send: (method: string, params: Record<string, unknown>) => Promise<Answer>,
  name: string,
  missing: number,
) {
  const tool = await send("tools/call", { name, arguments: {} });
  assert.equal(tool.error?.code, -32602, `tools/call ${name}`);
  assert.equal(tool.error?.message, `Unknown tool: '${name}'`);

  const prompt = await send("prompts/get", { name, arguments: {} });
  assert.equal(prompt.error?.code, -32602, `prompts/get ${name}`);
  assert.equal(prompt.error?.message, `Unknown prompt: '${name}'`);

  for (const uri of [name, `config://${name}`, `x://${name}`]) {
    const read = await send("resources/read", { uri });
    assert.deepEqual(read.error, { code: missing, message: "Resource not found", data: { uri } }, uri);
  }

  const byPrompt = await send("completion/complete", {
    ref: { type: "ref/prompt", name },
    argument: { name: "who", value: "" },
  });
  assert.equal(byPrompt.error?.code, -32602, `completion ref/prompt ${name}`);
  assert.equal(byPrompt.error?.message, `Unknown prompt: '${name}'`);
  const byResource = await send("completion/complete", {
    ref: { type: "ref/resource", uri: name },
    argument: { name: "id", value: "" },
  });
  assert.equal(byResource.error?.code, -32602, `completion ref/resource ${name}`);
  // An argument named after Object.prototype completes to nothing, on a prompt and on a template.
  for (
    const ref of [{ type: "ref/prompt", name: "greet" }, { type: "ref/resource", uri: "users://{id}" }]
  ) {
    const none = await send("completion/complete", { ref, argument: { name, value: "" } });
    assert.deepEqual(
      none.result?.completion,
      { values: [], total: 0, hasMore: false },
      `${name} on ${ref.type}`,
    );
  }

  const method = await send(name, {});
  assert.equal(method.error?.code, -32601, `method ${name}`);
  const nested = await send(`tools/${name}`, {});
  assert.equal(nested.error?.code, -32601, `method tools/${name}`);
}

Deno.test("2026: names of Object.prototype members are unknown tools, prompts, resources and methods", async () => {
  const mcp = server();
  const send = (method: string, params: Record<string, unknown>) => modern(mcp, method, params);
  for (const name of NAMES) {
    await probe(send, name, -32602);
    await stillWorks(send);
  }
  await mcp.close();
});

Deno.test("2025 session: names of Object.prototype members are unknown, and the session keeps working", async () => {
  const mcp = server();
  const sid = await openSession(mcp.fetch);
  let id = 10;
  const send = async (method: string, params: Record<string, unknown>): Promise<Answer> => {
    const res = await mcp.fetch(legacyRequest(
      { jsonrpc: "2.0", id: id++, method, params },
      { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
    ));
    const [body] = await readMessages(res);
    return body as Answer;
  };
  for (const name of NAMES) {
    await probe(send, name, -32002);
    await stillWorks(send);
  }
  await mcp.close();
});

Deno.test("a __proto__ key in arguments is data: it neither validates nor changes anything", async () => {
  const mcp = server();
  // Written as JSON text, so that `__proto__` is an own key, as a hostile client would send it.
  const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":' +
    '{"__proto__":{"text":"from the prototype"}},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",' +
    '"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}';
  const base = modernRequest("tools/call", { name: "echo" });
  const [answer] = await readMessages(await mcp.fetch(new Request(base, { body }))) as Answer[];
  assert.equal(answer.result?.isError, true);
  assert.match((answer.result?.content as { text: string }[])[0].text, /Invalid arguments for tool 'echo'/);
  assert.equal(({} as Record<string, unknown>).text, undefined);
  await stillWorks((method, params) => modern(mcp, method, params));
  await mcp.close();
});

Deno.test("tools, prompts and arguments may be named after Object.prototype members", async () => {
  const mcp = quiet();
  for (const name of NAMES) mcp.tool(name, { description: name }, () => `called ${name}`);
  mcp.tool("opts", {
    description: "optional arguments named after Object.prototype members",
    input: z.object({ toString: z.string().optional(), constructor: z.number().optional() }),
  }, (args) => JSON.stringify(args));
  mcp.prompt("build", {
    args: z.object({ constructor: z.string(), valueOf: z.number().optional() }),
    complete: { constructor: (typed: string) => ["Ada", "Alan"].filter((n) => n.startsWith(typed)) },
  }, (args) =>
    // Own properties: destructuring an absent optional `valueOf` would find Object.prototype's, as in any JS.
    `built by ${args.constructor}${Object.hasOwn(args, "valueOf") ? ` ${args.valueOf}` : ""}`);
  mcp.prompt("plain", {
    args: {
      type: "object",
      properties: { constructor: { type: "string" }, toString: { type: "string" } },
      required: ["constructor"],
    },
  }, (args) => `plain ${(args as { constructor: string }).constructor}`);

  const listed = await modern(mcp, "tools/list");
  assert.deepEqual(
    (listed.result?.tools as { name: string }[]).map((t) => t.name).sort(),
    [...NAMES, "opts"].sort(),
  );
  for (const name of NAMES) {
    const called = await modern(mcp, "tools/call", { name, arguments: {} });
    assert.deepEqual(called.result?.content, [{ type: "text", text: `called ${name}` }], name);
  }
  // Arguments the client did not send are absent, not Object.prototype's members.
  const omitted = await modern(mcp, "tools/call", { name: "opts", arguments: {} });
  assert.deepEqual(omitted.result?.content, [{ type: "text", text: "{}" }]);
  const sent = await modern(mcp, "tools/call", {
    name: "opts",
    arguments: { toString: "a", constructor: 2 },
  });
  assert.deepEqual(sent.result?.content, [{ type: "text", text: '{"toString":"a","constructor":2}' }]);

  const built = await modern(mcp, "prompts/get", {
    name: "build",
    arguments: { constructor: "Ada", valueOf: "3" },
  });
  assert.deepEqual((built.result?.messages as { content: unknown }[])[0].content, {
    type: "text",
    text: "built by Ada 3",
  });
  const bare = await modern(mcp, "prompts/get", { name: "build", arguments: { constructor: "Ada" } });
  assert.deepEqual((bare.result?.messages as { content: unknown }[])[0].content, {
    type: "text",
    text: "built by Ada",
  });
  const missing = await modern(mcp, "prompts/get", { name: "build", arguments: {} });
  assert.equal(missing.error?.code, -32602);
  assert.match(missing.error!.message, /Invalid arguments for prompt 'build'/);
  const completed = await modern(mcp, "completion/complete", {
    ref: { type: "ref/prompt", name: "build" },
    argument: { name: "constructor", value: "Al" },
  });
  assert.deepEqual(completed.result?.completion, { values: ["Alan"], total: 1, hasMore: false });

  // A plain JSON Schema: a required `constructor` the client left out is missing.
  const plain = await modern(mcp, "prompts/get", { name: "plain", arguments: { constructor: "Ada" } });
  assert.deepEqual((plain.result?.messages as { content: unknown }[])[0].content, {
    type: "text",
    text: "plain Ada",
  });
  const plainMissing = await modern(mcp, "prompts/get", { name: "plain", arguments: {} });
  assert.equal(plainMissing.error?.code, -32602);
  await mcp.close();
});

Deno.test("completion handlers see only the context arguments the client sent", async () => {
  const mcp = quiet();
  const seen: unknown[] = [];
  mcp.resource("repo://{constructor}/{name}", {
    complete: {
      name: (_typed, { arguments: args }) => {
        seen.push(args.constructor, args.toString);
        return ["x"];
      },
    },
  }, ({ name }) => name);
  const ask = (context: unknown) =>
    modern(mcp, "completion/complete", {
      ref: { type: "ref/resource", uri: "repo://{constructor}/{name}" },
      argument: { name: "name", value: "" },
      context,
    });
  assert.deepEqual((await ask({ arguments: {} })).result?.completion, {
    values: ["x"],
    total: 1,
    hasMore: false,
  });
  await ask({ arguments: { constructor: "me" } });
  await ask({ arguments: "not an object" });
  assert.deepEqual(seen, [undefined, undefined, "me", undefined, undefined, undefined]);
  await mcp.close();
});

Deno.test("code tables answer only for their own codes", () => {
  assert.equal(errorCodeName(-32601), "method_not_found");
  for (const name of NAMES) {
    assert.equal(errorCodeName(name as unknown as number), "rpc_error");
    assert.equal(ERROR_CODE_NAMES[name as unknown as number], undefined);
    assert.equal(MODERN_STATUS[name as unknown as number], undefined);
    assert.equal(LEGACY_STATUS[name as unknown as number], undefined);
  }
});
