/**
 * Hostile arguments against plain JSON Schema tools: the schema a tool advertises is the schema
 * it enforces (types, enums, `additionalProperties`, combinators, `$ref`, formats), compiled once
 * at definition, and a schema that cannot be compiled is refused there rather than at call time.
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";
import { compileSchema } from "../../server/components/schema.ts";
import { modernRequest, readMessages } from "../helpers/http.ts";

type Reply = { result?: Record<string, unknown>; error?: { code: number; message: string } };

async function call(mcp: FastMCP, method: string, params: Record<string, unknown>): Promise<Reply> {
  const [body] = await readMessages(await mcp.fetch(modernRequest(method, { ...params, _meta: {} })));
  return body as Reply;
}

function quiet(): FastMCP {
  return new FastMCP({ name: "hostile", logLevel: "emergency", runInThread: false });
}

/** A server with one plain-schema tool that echoes its arguments, and what the handler received. */
function echo(input: Record<string, unknown>): { mcp: FastMCP; seen: unknown[] } {
  const mcp = quiet();
  const seen: unknown[] = [];
  mcp.tool("t", { input }, (args) => {
    seen.push(args);
    return "ok";
  });
  return { mcp, seen };
}

/** Calls tool `t` and returns the text of its error result (failing when the call succeeded). */
async function rejected(mcp: FastMCP, args: unknown): Promise<string> {
  const reply = await call(mcp, "tools/call", { name: "t", arguments: args });
  assert.equal(reply.error, undefined, JSON.stringify(reply.error));
  assert.equal(reply.result!.isError, true, JSON.stringify(reply.result));
  const [content] = reply.result!.content as { type: string; text: string }[];
  assert.match(content.text, /^Invalid arguments for tool 't': /);
  return content.text.slice("Invalid arguments for tool 't': ".length);
}

async function accepted(mcp: FastMCP, args: unknown): Promise<void> {
  const reply = await call(mcp, "tools/call", { name: "t", arguments: args });
  assert.equal(reply.result?.isError, undefined, JSON.stringify(reply));
  assert.deepEqual(reply.result!.content, [{ type: "text", text: "ok" }]);
}

const SEARCH = {
  type: "object",
  properties: {
    query: { type: "string", minLength: 1 },
    count: { type: "integer", minimum: 1, maximum: 50 },
    mode: { enum: ["a", "b"] },
    tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" }, maxItems: 3 },
  },
  required: ["query"],
  additionalProperties: false,
};

Deno.test("a valid call reaches the handler with its arguments, unchanged", async () => {
  const { mcp, seen } = echo(SEARCH);
  const args = { query: "deno", count: 5, mode: "a", tags: ["x", "y"] };
  await accepted(mcp, args);
  assert.deepEqual(seen, [args]);
  // The advertised schema is the one given, verbatim.
  const list = await call(mcp, "tools/list", {});
  assert.deepEqual((list.result!.tools as { inputSchema: unknown }[])[0].inputSchema, SEARCH);
});

Deno.test("wrong types, enums and bounds are tool errors naming each JSON pointer, as for zod", async () => {
  const { mcp, seen } = echo(SEARCH);
  assert.equal(await rejected(mcp, { query: "q", count: "5" }), "/count must be integer");
  assert.equal(await rejected(mcp, { query: "q", count: 1.5 }), "/count must be integer");
  assert.equal(await rejected(mcp, { query: "q", count: 51 }), "/count must be <= 50");
  assert.equal(await rejected(mcp, { query: "q", mode: "c" }), '/mode must be one of "a", "b"');
  assert.equal(
    await rejected(mcp, { query: "", count: 0, mode: null, tags: ["ok", "NO"] }),
    '/query must NOT have fewer than 1 characters; /count must be >= 1; /mode must be one of "a", "b"; ' +
      '/tags/1 must match pattern "^[a-z]+$"',
  );
  assert.equal(await rejected(mcp, { count: 2 }), "/query is required");
  assert.equal(seen.length, 0);
  // The Standard Schema path answers the same shape: an isError result, not a JSON-RPC error.
  const zodTool = quiet();
  zodTool.tool("t", { input: z.object({ count: z.number().int() }) }, () => "ok");
  assert.match(await rejected(zodTool, { count: "5" }), /^count: /);
});

Deno.test("additionalProperties: false refuses an extra key, including a prototype-looking one", async () => {
  const { mcp, seen } = echo(SEARCH);
  assert.equal(await rejected(mcp, { query: "q", extra: 1 }), "/extra is not allowed");
  assert.equal(
    await rejected(mcp, JSON.parse('{"query":"q","__proto__":{"admin":true}}')),
    "/__proto__ is not allowed",
  );
  assert.equal(await rejected(mcp, { query: "q", "a/b~c": 1 }), "/a~1b~0c is not allowed");
  assert.equal(seen.length, 0);
});

Deno.test("properties named after Object.prototype members count only when sent", async () => {
  const { mcp, seen } = echo({
    type: "object",
    properties: {
      constructor: { type: "string" },
      toString: { type: "string" },
      valueOf: { type: "number" },
    },
  });
  await accepted(mcp, {});
  await accepted(mcp, { constructor: "c", toString: "t" });
  assert.equal(await rejected(mcp, { valueOf: "1" }), "/valueOf must be number");
  assert.deepEqual(seen, [{}, { constructor: "c", toString: "t" }] as unknown[]);
  const needs = echo({
    type: "object",
    properties: { constructor: { type: "string" } },
    required: ["constructor"],
  });
  assert.equal(await rejected(needs.mcp, {}), "/constructor is required");
  assert.equal(
    await rejected(needs.mcp, JSON.parse('{"__proto__":{"constructor":"x"}}')),
    "/constructor is required",
  );
});

Deno.test("oneOf and anyOf are enforced", async () => {
  const { mcp } = echo({
    type: "object",
    properties: {
      id: { oneOf: [{ type: "integer" }, { type: "string", pattern: "^[0-9]+$" }] },
      // 5 matches both branches of this oneOf, so it is refused.
      step: { oneOf: [{ type: "number", multipleOf: 5 }, { type: "number", multipleOf: 3 }] },
    },
    anyOf: [{ required: ["id"] }, { required: ["step"] }],
  });
  await accepted(mcp, { id: 7 });
  await accepted(mcp, { id: "7", step: 3 });
  const both = await rejected(mcp, { step: 15 });
  assert.match(both, /\/step must match exactly one schema in oneOf/);
  const neither = await rejected(mcp, { id: true });
  assert.match(
    neither,
    /\/id must be integer; \/id must be string; \/id must match exactly one schema in oneOf/,
  );
  assert.match(await rejected(mcp, {}), /must match a schema in anyOf/);
});

Deno.test("$ref into $defs is followed (2020-12, the default), recursion included", async () => {
  const { mcp } = echo({
    type: "object",
    $defs: {
      node: {
        type: "object",
        properties: {
          name: { type: "string" },
          children: { type: "array", items: { $ref: "#/$defs/node" } },
        },
        required: ["name"],
      },
    },
    properties: { tree: { $ref: "#/$defs/node" } },
    required: ["tree"],
  });
  await accepted(mcp, { tree: { name: "root", children: [{ name: "leaf", children: [] }] } });
  assert.equal(
    await rejected(mcp, { tree: { name: "root", children: [{ children: [{ name: 3 }] }] } }),
    "/tree/children/0/name is required; /tree/children/0/children/0/name must be string",
  );
});

Deno.test("known formats are checked; unknown formats are accepted", async () => {
  const { mcp } = echo({
    type: "object",
    properties: {
      at: { type: "string", format: "date-time" },
      mail: { type: "string", format: "email" },
      link: { type: "string", format: "uri" },
      id: { type: "string", format: "uuid" },
      custom: { type: "string", format: "x-vendor-ticket" },
    },
  });
  await accepted(mcp, {
    at: "2025-11-25T10:00:00Z",
    mail: "a@example.com",
    link: "https://example.com/x?y=1",
    id: "0b6c5b8e-0f3e-4c7e-9a51-3c1d2b7e8f90",
    custom: "anything at all",
  });
  assert.equal(await rejected(mcp, { at: "tomorrow" }), '/at must match format "date-time"');
  assert.equal(await rejected(mcp, { at: "2025-13-01T10:00:00Z" }), '/at must match format "date-time"');
  assert.equal(
    await rejected(mcp, { mail: "not an email", link: "no scheme", id: "1234" }),
    '/mail must match format "email"; /link must match format "uri"; /id must match format "uuid"',
  );
});

Deno.test("a draft-07 schema uses its own dialect: definitions, tuple items", async () => {
  const draft07 = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    definitions: { port: { type: "integer", minimum: 1, maximum: 65535 } },
    properties: {
      port: { $ref: "#/definitions/port" },
      pair: { type: "array", items: [{ type: "string" }, { type: "number" }], additionalItems: false },
    },
  };
  const { mcp, seen } = echo(draft07);
  await accepted(mcp, { port: 8080, pair: ["a", 1] });
  assert.equal(await rejected(mcp, { port: 0 }), "/port must be >= 1");
  assert.equal(await rejected(mcp, { pair: [1, "a"] }), "/pair/0 must be string; /pair/1 must be number");
  assert.match(await rejected(mcp, { pair: ["a", 1, 2] }), /^\/pair must NOT have more than 2 items$/);
  assert.equal(seen.length, 1);
  // The array form of `items` is not 2020-12: the same schema without `$schema` is refused.
  const { $schema: _, ...undeclared } = draft07;
  assert.throws(() => quiet().tool("t", { input: undeclared }, () => 1), /invalid JSON Schema \(2020-12\)/);
  // An explicit 2020-12 or 2019-09 `$schema` is understood too; other dialects are refused at definition.
  for (
    const $schema of [
      "https://json-schema.org/draft/2020-12/schema",
      "https://json-schema.org/draft/2019-09/schema",
    ]
  ) {
    quiet().tool("t", { input: { $schema, type: "object", properties: { a: { type: "string" } } } }, () => 1);
  }
  assert.throws(
    () =>
      quiet().tool(
        "t",
        { input: { $schema: "http://json-schema.org/draft-04/schema#", type: "object" } },
        () => 1,
      ),
    (e: unknown) => e instanceof TypeError && /tool 't' input: unsupported \$schema/.test(e.message),
  );
});

Deno.test("a schema that cannot compile is refused at definition, naming the tool and the problem", () => {
  const mcp = quiet();
  assert.throws(
    () => mcp.tool("bad", { input: { type: "object", properties: { a: { type: 12 } } } }, () => 1),
    (e: unknown) =>
      e instanceof TypeError &&
      /^tool 'bad' input: invalid JSON Schema \(2020-12\): .*\/properties\/a\/type must be/.test(e.message),
  );
  assert.throws(
    () =>
      mcp.tool(
        "dangling",
        { input: { type: "object", properties: { a: { $ref: "#/$defs/nope" } } } },
        () => 1,
      ),
    /^TypeError: tool 'dangling' input: invalid JSON Schema \(2020-12\): can't resolve reference #\/\$defs\/nope/,
  );
  assert.throws(
    () =>
      mcp.tool(
        "regex",
        { input: { type: "object", properties: { a: { type: "string", pattern: "(" } } } },
        () => 1,
      ),
    /tool 'regex' input: invalid JSON Schema \(2020-12\): Invalid regular expression: \/\(\/u/,
  );
  assert.throws(
    () => mcp.tool("out", { output: { type: "object", required: "x" } }, () => ({})),
    /tool 'out' output: invalid JSON Schema/,
  );
  assert.equal(mcp.tools.size, 0);
});

Deno.test("missing arguments are {} as before: fine without required properties, named with them", async () => {
  const open = echo({ type: "object", properties: { a: { type: "string" } } });
  const reply = await call(open.mcp, "tools/call", { name: "t" });
  assert.equal(reply.result?.isError, undefined);
  assert.deepEqual(open.seen, [{}]);
  const needs = echo({ type: "object", properties: { a: { type: "string" } }, required: ["a"] });
  assert.equal(await rejected(needs.mcp, undefined), "/a is required");
});

Deno.test("a plain output schema is enforced on structured content, wrapped or not", async () => {
  const mcp = quiet();
  const point = {
    type: "object",
    properties: { x: { type: "number" } },
    required: ["x"],
    additionalProperties: false,
  };
  mcp.tool("good", { output: point }, () => ({ x: 1 }));
  mcp.tool("bad", { output: point }, () => ({ x: 1, y: 2 }));
  mcp.tool("count", { output: { type: "integer" } }, () => 3);
  mcp.tool("fraction", { output: { type: "integer" } }, () => 0.5);
  assert.deepEqual((await call(mcp, "tools/call", { name: "good" })).result!.structuredContent, { x: 1 });
  assert.deepEqual((await call(mcp, "tools/call", { name: "count" })).result!.structuredContent, {
    result: 3,
  });
  const bad = await call(mcp, "tools/call", { name: "bad" });
  assert.equal(bad.error!.code, -32603);
  assert.match(bad.error!.message, /does not match its output schema: \/y is not allowed$/);
  const fraction = await call(mcp, "tools/call", { name: "fraction" });
  assert.equal(fraction.error!.code, -32603);
  assert.match(fraction.error!.message, /output schema: must be integer$/);
});

Deno.test("plain prompt arguments are enforced too: -32602, as for zod prompts", async () => {
  const mcp = quiet();
  mcp.prompt("p", {
    args: { type: "object", properties: { lang: { enum: ["ts", "rs"] } }, required: ["lang"] },
  }, ({ lang }) => `review ${lang}`);
  const ok = await call(mcp, "prompts/get", { name: "p", arguments: { lang: "ts" } });
  assert.equal(ok.error, undefined);
  const bad = await call(mcp, "prompts/get", { name: "p", arguments: { lang: "go" } });
  assert.equal(bad.error!.code, -32602);
  assert.equal(bad.error!.message, `Invalid arguments for prompt 'p': /lang must be one of "ts", "rs"`);
});

Deno.test("validation is synchronous, compiled once per schema object, and lists at most ten failures", () => {
  const schema: Record<string, unknown> = {
    type: "object",
    additionalProperties: { type: "integer" },
  };
  const first = compileSchema(schema, "x");
  const out = first.validate({ a: 1 });
  assert.ok(!(out instanceof Promise));
  assert.deepEqual(out, { ok: true, value: { a: 1 } });
  // The same object compiles once: a second component reuses the validator even if the object
  // was since made uncompilable, which a fresh compilation would refuse.
  schema.properties = { a: { type: 12 } };
  assert.doesNotThrow(() => compileSchema(schema, "x"));
  assert.throws(() => compileSchema({ ...schema }, "x"), /invalid JSON Schema/);
  const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, "s"]));
  const failed = first.validate(many) as { ok: false; message: string };
  assert.equal(failed.ok, false);
  assert.equal(failed.message.split("; ").length, 11);
  assert.match(failed.message, /^\/k0 must be integer; .*; and 15 more$/);
});
