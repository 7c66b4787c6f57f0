/**
 * `ResponseLimitingMiddleware` cuts oversized tool results to one text block that fits, saying
 * what was cut; `DereferenceRefsMiddleware` lists tools with their `$ref`s inlined, recursion
 * left as a `$ref`, unused definitions dropped, and the server's own listing untouched.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP, Image, type LogSink, type Middleware, ToolError, ToolResult } from "../../mod.ts";
import { DereferenceRefsMiddleware } from "../../server/middleware/dereference_refs.ts";
import { ResponseLimitingMiddleware } from "../../server/middleware/response_limiting.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";
import { z } from "zod";

type Json = Record<string, unknown>;

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

// ---------------------------------------------------------------------------------------------
// ResponseLimitingMiddleware

/** The same tools on a server with `middleware` and on one without, to compare answers. */
function twins(middleware: Middleware[], logger: LogSink = () => {}) {
  const build = (list: Middleware[]) => {
    const mcp = new FastMCP({ name: "limits", logger, middleware: list, runInThread: false });
    mcp.tool("small", () => Promise.resolve("ok"));
    mcp.tool("big", () => Promise.resolve("x".repeat(5000)));
    mcp.tool("mixed", () =>
      Promise.resolve(
        new ToolResult({
          content: [
            { type: "text", text: 'He said "héllo"\n'.repeat(40) },
            { type: "text", text: "🦕".repeat(300) },
          ],
        }),
      ));
    mcp.tool(
      "report",
      { output: z.object({ rows: z.array(z.string()) }) },
      () => Promise.resolve({ rows: Array.from({ length: 200 }, (_, i) => `row ${i}`) }),
    );
    mcp.tool("fails", () => Promise.reject(new ToolError("E".repeat(3000))));
    mcp.tool("dinos", () => Promise.resolve("🦕".repeat(300)));
    mcp.tool("picture", () => Promise.resolve([new Image(new Uint8Array(3000), { mimeType: "image/png" })]));
    const call = async (name: string) =>
      (await readAnswer(await mcp.fetch(modernRequest("tools/call", { name, arguments: {} }))))
        .result as Json;
    return { mcp, call };
  };
  const limited = build(middleware);
  const plain = build([]);
  return {
    limited: limited.call,
    plain: plain.call,
    close: async () => {
      await limited.mcp.close();
      await plain.mcp.close();
    },
  };
}

const textOf = (result: Json) => {
  const content = result.content as { type: string; text: string }[];
  assert.equal(content.length, 1, JSON.stringify(content));
  assert.equal(content[0].type, "text");
  return content[0].text;
};

Deno.test("ResponseLimitingMiddleware leaves a result within the limit unchanged", async () => {
  const { limited, plain, close } = twins([new ResponseLimitingMiddleware({ maxSize: 1000 })]);
  try {
    assert.deepEqual(await limited("small"), await plain("small"));
  } finally {
    await close();
  }
});

Deno.test("ResponseLimitingMiddleware cuts an oversized result to one text block that fits, with a note of the original size", async () => {
  const { limited, plain, close } = twins([
    new ResponseLimitingMiddleware({ maxSize: 1000 }),
  ]);
  try {
    const original = await plain("big");
    const result = await limited("big");
    assert.ok(bytes(result) <= 1000, `${bytes(result)} bytes`);
    assert.ok(bytes(result) > 950, `only ${bytes(result)} bytes: the limit should be used`);
    const text = textOf(result);
    const note = `\n\n[Response truncated from ${bytes(original)} bytes to the 1000-byte limit]`;
    assert.ok(text.endsWith(note), text.slice(-200));
    assert.match(text.slice(0, -note.length), /^x+$/);
    assert.equal(result.structuredContent, undefined);
    assert.equal(result.isError, undefined);
  } finally {
    await close();
  }
});

Deno.test("ResponseLimitingMiddleware counts UTF-8 bytes and JSON escapes, and never splits a character", async () => {
  const { limited, plain, close } = twins([
    new ResponseLimitingMiddleware({ maxSize: 700 }),
  ]);
  try {
    const original = await plain("mixed");
    const joined = (original.content as { text: string }[]).map((c) => c.text).join("\n\n");
    const result = await limited("mixed");
    assert.ok(bytes(result) <= 700, `${bytes(result)} bytes`);
    const text = textOf(result);
    assert.ok(text.isWellFormed());
    const kept = text.slice(0, text.indexOf("\n\n[Response truncated"));
    assert.ok(kept.length > 100, kept);
    assert.ok(joined.startsWith(kept));
  } finally {
    await close();
  }
  // Four bytes each, two UTF-16 units: a cut between the two would not be UTF-8 at all.
  const dinos = twins([
    new ResponseLimitingMiddleware({ maxSize: 400, truncationSuffix: " [cut]" }),
  ]);
  try {
    const result = await dinos.limited("dinos");
    assert.ok(bytes(result) <= 400 && bytes(result) > 390, `${bytes(result)} bytes`);
    assert.match(textOf(result), /^(🦕)+ \[cut\]$/u);
  } finally {
    await dinos.close();
  }
});

Deno.test("ResponseLimitingMiddleware drops structuredContent and non-text blocks when it cuts, says so, and keeps isError", async () => {
  const { limited, plain, close } = twins([
    new ResponseLimitingMiddleware({ maxSize: 1000 }),
  ]);
  try {
    const report = await limited("report");
    assert.equal(report.structuredContent, undefined);
    assert.ok(bytes(report) <= 1000);
    assert.ok(
      textOf(report).endsWith(
        `[Response truncated from ${bytes(await plain("report"))} bytes to the 1000-byte limit; ` +
          "structuredContent was dropped]",
      ),
    );
    const fails = await limited("fails");
    assert.equal(fails.isError, true);
    assert.match(textOf(fails), /^E+\n\n\[Response truncated from \d+ bytes/);
    const picture = await limited("picture");
    assert.equal(
      textOf(picture),
      `[Response truncated from ${bytes(await plain("picture"))} bytes to the 1000-byte limit; ` +
        "1 non-text content block(s) were dropped]",
    );
  } finally {
    await close();
  }
});

Deno.test("ResponseLimitingMiddleware limits only the tools it is given, and logs each cut through the server's logger", async () => {
  const logged: string[] = [];
  const { limited, plain, close } = twins(
    [new ResponseLimitingMiddleware({ maxSize: 1000, tools: ["big"] })],
    (level, message) => logged.push(`${level} ${message}`),
  );
  try {
    assert.ok(bytes(await limited("big")) <= 1000);
    assert.deepEqual(await limited("report"), await plain("report"));
  } finally {
    await close();
  }
  const cuts = logged.filter((line) => line.includes("truncated"));
  assert.equal(cuts.length, 1, logged.join("\n"));
  assert.match(cuts[0], /^warning tool 'big' answered \d+ bytes, over the limit of 1000; truncated$/);
  assert.throws(() => new ResponseLimitingMiddleware({ maxSize: 0 }), TypeError);
  assert.throws(() => new ResponseLimitingMiddleware({ maxSize: 10.5 }), TypeError);
});

// ---------------------------------------------------------------------------------------------
// DereferenceRefsMiddleware

async function listTools(mcp: FastMCP): Promise<Json[]> {
  const answer = await readAnswer(await mcp.fetch(modernRequest("tools/list")));
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return answer.result.tools;
}

const toolNamed = (tools: Json[], name: string) => tools.find((t) => t.name === name)!;

Deno.test("DereferenceRefsMiddleware inlines a recursive zod schema down to where it recurs and drops unused $defs", async () => {
  const Node = z.object({
    value: z.number(),
    get children() {
      return z.array(Node);
    },
  });
  const Address = z.object({ city: z.string() }).meta({ id: "Address" });
  const mcp = new FastMCP({
    name: "deref",
    logger: () => {},
    middleware: [new DereferenceRefsMiddleware()],
    runInThread: false,
  });
  mcp.tool(
    "plant",
    { input: z.object({ tree: Node, home: Address, work: Address }) },
    () => Promise.resolve("planted"),
  );
  try {
    const schema = toolNamed(await listTools(mcp), "plant").inputSchema as Json;
    const node = (schema.$defs as Json)?.__schema0;
    assert.ok(node, JSON.stringify(schema));
    const address = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const children = { type: "array", items: { $ref: "#/$defs/__schema0" } };
    assert.deepEqual(schema, {
      type: "object",
      properties: {
        tree: {
          type: "object",
          properties: { value: { type: "number" }, children },
          required: ["value", "children"],
        },
        home: address,
        work: address,
      },
      required: ["tree", "home", "work"],
      // Kept for the recursion; Address, no longer referenced, is gone.
      $defs: {
        __schema0: {
          type: "object",
          properties: { value: { type: "number" }, children },
          required: ["value", "children"],
        },
      },
    });
    // Still a schema the server validates against: the call goes through.
    const call = await readAnswer(
      await mcp.fetch(modernRequest("tools/call", {
        name: "plant",
        arguments: {
          tree: { value: 1, children: [{ value: 2, children: [] }] },
          home: { city: "a" },
          work: { city: "b" },
        },
      })),
    );
    assert.deepEqual(call.result.content, [{ type: "text", text: "planted" }]);
  } finally {
    await mcp.close();
  }
});

/** A plain JSON Schema with definitions that refer to definitions, nested `$defs`, draft-07 `definitions`. */
function orderSchema(): Json {
  return {
    type: "object",
    properties: {
      order: { $ref: "#/$defs/Order", description: "The order to place" },
      coupon: { $ref: "#/definitions/Coupon" },
      shipping: { $ref: "#/$defs/Outer/$defs/Inner", minProperties: 1 },
    },
    required: ["order"],
    $defs: {
      Order: { type: "object", properties: { items: { type: "array", items: { $ref: "#/$defs/Item" } } } },
      Item: { type: "object", properties: { sku: { type: "string" }, price: { $ref: "#/$defs/Money" } } },
      Money: { type: "number", minimum: 0 },
      Unused: { type: "string" },
      Outer: { $defs: { Inner: { type: "object", properties: { express: { type: "boolean" } } } } },
    },
    definitions: { Coupon: { type: "string", pattern: "^[A-Z]{4}$" } },
  };
}

const INLINED_ORDER = {
  type: "object",
  properties: {
    // An annotation beside a $ref is merged in.
    order: {
      type: "object",
      properties: {
        items: {
          type: "array",
          items: {
            type: "object",
            properties: { sku: { type: "string" }, price: { type: "number", minimum: 0 } },
          },
        },
      },
      description: "The order to place",
    },
    coupon: { type: "string", pattern: "^[A-Z]{4}$" },
    // A constraint beside a $ref applies beside it.
    shipping: { minProperties: 1, allOf: [{ type: "object", properties: { express: { type: "boolean" } } }] },
  },
  required: ["order"],
};

Deno.test("DereferenceRefsMiddleware inlines definitions that refer to definitions, nested $defs and draft-07 definitions", async () => {
  const mcp = new FastMCP({
    name: "deref",
    logger: () => {},
    middleware: [new DereferenceRefsMiddleware()],
    runInThread: false,
  });
  mcp.tool("place", { input: orderSchema(), output: orderSchema() }, () => Promise.resolve({ order: {} }));
  try {
    const tool = toolNamed(await listTools(mcp), "place");
    assert.deepEqual(tool.inputSchema, INLINED_ORDER);
    assert.deepEqual(tool.outputSchema, INLINED_ORDER);
  } finally {
    await mcp.close();
  }
});

Deno.test("DereferenceRefsMiddleware never changes the server's listing, and lists the same on a second tools/list", async () => {
  const tree: Json = {
    type: "object",
    properties: { root: { $ref: "#/$defs/Tree" }, meta: { $ref: "#/$defs/Meta" } },
    $defs: {
      Tree: {
        type: "object",
        properties: {
          label: { type: "string" },
          children: { type: "array", items: { $ref: "#/$defs/Tree" } },
        },
      },
      Meta: { type: "object", properties: { owner: { type: "string" } } },
    },
  };
  const snapshot = structuredClone(tree);
  // Inside the middleware: the server's own listings as they were handed out, and copies of them then.
  const served: Json[] = [];
  const copies: Json[] = [];
  const witness: Middleware = {
    onListTools: async (context, next) => {
      const listing = (await next(context))!;
      served.push(listing);
      copies.push(structuredClone(listing));
      return listing;
    },
  };
  const mcp = new FastMCP({
    name: "deref",
    logger: () => {},
    middleware: [new DereferenceRefsMiddleware(), witness],
    runInThread: false,
  });
  mcp.tool("grow", { input: tree }, () => Promise.resolve("grown"));
  mcp.tool("plain", { input: z.object({ n: z.number() }) }, () => Promise.resolve("ok"));
  try {
    const first = await listTools(mcp);
    const treeSchema = {
      type: "object",
      properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Tree" } } },
    };
    assert.deepEqual(toolNamed(first, "grow").inputSchema, {
      type: "object",
      properties: { root: treeSchema, meta: { type: "object", properties: { owner: { type: "string" } } } },
      $defs: { Tree: treeSchema },
    });
    assert.deepEqual(toolNamed(first, "plain").inputSchema, {
      type: "object",
      properties: { n: { type: "number" } },
      required: ["n"],
    });
    const second = await listTools(mcp);
    assert.deepEqual(second, first);
    // Nothing the server handed out was changed afterwards, its tools included, nor the schema
    // given to mcp.tool (the listing's own object).
    assert.equal(served.length, 2);
    assert.deepEqual(served, copies);
    assert.deepEqual(toolNamed(served[1].tools as Json[], "grow").inputSchema, snapshot);
    assert.deepEqual(tree, snapshot);
  } finally {
    await mcp.close();
  }
});

Deno.test("DereferenceRefsMiddleware leaves a reference to the root as it is", async () => {
  const rooted: Json = {
    type: "object",
    properties: {
      label: { type: "string" },
      children: { type: "array", items: { $ref: "#" } },
      meta: { $ref: "#/$defs/Meta" },
    },
    $defs: { Meta: { type: "object", properties: { owner: { type: "string" } } } },
  };
  const snapshot = structuredClone(rooted);
  const mcp = new FastMCP({
    name: "deref",
    logger: () => {},
    middleware: [new DereferenceRefsMiddleware(), {
      onListTools: () => ({ tools: [{ name: "t", inputSchema: rooted }] }),
    }],
  });
  try {
    assert.deepEqual(toolNamed(await listTools(mcp), "t").inputSchema, {
      type: "object",
      properties: {
        label: { type: "string" },
        children: { type: "array", items: { $ref: "#" } },
        meta: { type: "object", properties: { owner: { type: "string" } } },
      },
    });
    assert.deepEqual(rooted, snapshot);
  } finally {
    await mcp.close();
  }
});

Deno.test("DereferenceRefsMiddleware lists a schema it cannot inline safely as it is", async () => {
  const anchored: Json = {
    type: "object",
    properties: { node: { $ref: "#node" } },
    $defs: { Node: { $anchor: "node", type: "object", properties: { next: { $ref: "#node" } } } },
  };
  const dangling: Json = { type: "object", properties: { a: { $ref: "#/$defs/Missing" } }, $defs: {} };
  const mcp = new FastMCP({
    name: "deref",
    logger: () => {},
    middleware: [new DereferenceRefsMiddleware()],
    runInThread: false,
  });
  mcp.tool("anchored", { input: anchored }, () => Promise.resolve("ok"));
  const tools = await listTools(mcp);
  try {
    assert.deepEqual(toolNamed(tools, "anchored").inputSchema, anchored);
  } finally {
    await mcp.close();
  }
  // An unresolvable pointer (a schema no validator would accept) is left alone, not half-inlined.
  const other = new FastMCP({
    name: "deref",
    logger: () => {},
    middleware: [new DereferenceRefsMiddleware(), {
      onListTools: () => ({ tools: [{ name: "dangling", inputSchema: dangling }] }),
    }],
  });
  try {
    assert.deepEqual(toolNamed(await listTools(other), "dangling").inputSchema, dangling);
  } finally {
    await other.close();
  }
});
