/**
 * Tool listings made from operations: argument names and collisions, descriptions, recursive
 * schemas, output schemas, annotations, and what the results look like.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Client, McpError } from "../../client.ts";
import { FAIL_BODY, ITEM_SCHEMA, PNG_BASE64, withApi } from "./fixture_api.ts";

async function listed(client: Client, name: string) {
  const tool = (await client.listTools()).find((t) => t.name === name);
  assert.ok(tool, `no tool ${name}`);
  return tool as typeof tool & { inputSchema: { properties?: Record<string, unknown> } };
}

Deno.test("a parameter name used in two places is suffixed with its location; body properties keep theirs", async () => {
  await withApi(async (_api, client) => {
    const getItem = await listed(client, "getItem");
    const names = Object.keys(getItem.inputSchema.properties ?? {});
    assert.deepEqual(names.slice(0, 3), ["id__path", "id__query", "tags"]);
    assert.ok(!names.includes("Accept"), "an Accept header parameter is ignored, as OpenAPI says");
    assert.deepEqual(getItem.inputSchema.required, ["id__path"]);
    const createItem = await listed(client, "createItem");
    assert.deepEqual(createItem.inputSchema, {
      type: "object",
      properties: {
        name__query: { type: "string" },
        name: { type: "string" },
        price: { type: "number", minimum: 0 },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["name"],
    });
  });
});

Deno.test("descriptions of operations, parameters and bodies are kept", async () => {
  await withApi(async (_api, client) => {
    const getItem = await listed(client, "getItem");
    assert.equal(getItem.description, "One item\n\nReads an item by id.");
    assert.deepEqual(getItem.inputSchema.properties?.id__query, {
      type: "string",
      description: "A second id, in the query",
    });
    const putRaw = await listed(client, "putRaw");
    assert.deepEqual(putRaw.inputSchema.properties?.body, { type: "string", description: "The note's text" });
  });
});

Deno.test("a recursive schema becomes $defs that refer to themselves, and nested arguments validate", async () => {
  await withApi(async (api, client) => {
    const postTree = await listed(client, "postTree");
    const node = {
      type: "object",
      properties: { value: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Node" } } },
    };
    assert.deepEqual(postTree.inputSchema, {
      type: "object",
      properties: node.properties,
      $defs: { Node: node },
    });
    await client.callToolResult("postTree", {
      value: "a",
      children: [{ value: "b", children: [{ value: "c" }] }],
    });
    assert.equal(api.received[0].body, '{"value":"a","children":[{"value":"b","children":[{"value":"c"}]}]}');
    const bad = await client.callToolResult("postTree", { children: [{ value: 5 }] }).then(
      (result) => result.isError === true,
      (error) => error instanceof McpError,
    );
    assert.equal(bad, true);
    assert.equal(api.received.length, 1);
  });
});

Deno.test("the output schema is the success response's; a non-object one is wrapped in { result }", async () => {
  await withApi(async (_api, client) => {
    const getItem = await listed(client, "getItem");
    assert.deepEqual(getItem.outputSchema, ITEM_SCHEMA);
    const list = await listed(client, "listThings");
    assert.deepEqual(list.outputSchema, {
      type: "object",
      properties: { result: { type: "array", items: { type: "object" } } },
      required: ["result"],
      "x-fastmcp-wrap-result": true,
    });
    const result = await client.callToolResult("listThings");
    assert.deepEqual(result.structuredContent, { result: [{ id: 1 }, { id: 2 }] });
    const item = await client.callToolResult("getItem", { id__path: 7 });
    assert.deepEqual(item.structuredContent, { id: 7, name: "pen", price: 1.5 });
    assert.equal((await listed(client, "getText")).outputSchema, undefined);
  });
});

Deno.test("a response that does not match the output schema fails the call", async () => {
  await withApi(async (_api, client) => {
    await assert.rejects(client.callToolResult("wrongShape"), /does not match its output schema/);
  });
});

Deno.test("validateOutput: false advertises a permissive output schema and passes any response", async () => {
  await withApi(async (_api, client) => {
    assert.deepEqual((await listed(client, "getItem")).outputSchema, {
      type: "object",
      additionalProperties: true,
    });
    const result = await client.callToolResult("wrongShape");
    assert.deepEqual(result.structuredContent, { id: "not a number", name: 5 });
  }, { validateOutput: false });
});

Deno.test("tool annotations follow the HTTP method's safety and idempotence", async () => {
  await withApi(async (_api, client) => {
    assert.deepEqual((await listed(client, "getItem")).annotations, { readOnlyHint: true });
    assert.deepEqual((await listed(client, "deleteItem")).annotations, {
      destructiveHint: true,
      idempotentHint: true,
    });
    assert.deepEqual((await listed(client, "putRaw")).annotations, { idempotentHint: true });
    assert.equal((await listed(client, "createItem")).annotations, undefined);
  });
});

Deno.test("text and image responses become text and image content", async () => {
  await withApi(async (_api, client) => {
    assert.deepEqual((await client.callToolResult("getText")).content, [{
      type: "text",
      text: "plain words",
    }]);
    assert.deepEqual((await client.callToolResult("getImage")).content, [
      { type: "image", data: PNG_BASE64, mimeType: "image/png" },
    ]);
  });
});

Deno.test("an HTTP error is a tool error with the status and the body cut at maxErrorBodyBytes", async () => {
  await withApi(async (_api, client) => {
    const result = await client.callToolResult("fail");
    assert.equal(result.isError, true);
    const kept = FAIL_BODY.slice(0, 100);
    const more = FAIL_BODY.length - 100;
    assert.deepEqual(result.content, [
      { type: "text", text: `HTTP 404 Not Found from GET /fail: ${kept}… (${more} more bytes)` },
    ]);
    assert.deepEqual(result.structuredContent, { status: 404, body: `${kept}… (${more} more bytes)` });
  }, { maxErrorBodyBytes: 100 });
});

Deno.test("a call with no answer within timeoutMs is a tool error naming the setting", async () => {
  await withApi(async (api, client) => {
    const started = Date.now();
    const result = await client.callToolResult("slow");
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{
      type: "text",
      text: "GET /slow: no response within 150 ms (timeoutMs)",
    }]);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(api.received.length, 1);
  }, { timeoutMs: 150 });
});

Deno.test("a response over maxResponseBytes fails the call", async () => {
  await withApi(async (_api, client) => {
    const result = await client.callToolResult("getImage");
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{
      type: "text",
      text: "GET /image: the response is over maxResponseBytes (10)",
    }]);
  }, { maxResponseBytes: 10 });
});

Deno.test("a missing required argument is refused before any request is sent", async () => {
  await withApi(async (api, client) => {
    const refused = await client.callToolResult("getItem", {}).then(
      (result) => result.isError === true,
      (error) => error instanceof McpError,
    );
    assert.equal(refused, true);
    assert.equal(api.received.length, 0);
  });
});
