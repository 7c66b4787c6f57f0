/**
 * Reading specs: Swagger 2.0, OpenAPI 3.0 and 3.1, as objects, JSON or YAML text, files with
 * external references, and URLs; and the errors a bad spec gives.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client } from "../../client.ts";
import { FastMCP, OpenAPIProvider, OpenAPISpecError } from "../../mod.ts";
import { startApi, testSpec } from "./fixture_api.ts";

const SWAGGER = (host: string) => `
swagger: "2.0"
info: { title: Things, version: "1" }
host: ${host}
basePath: /v1
schemes: [http]
paths:
  /things/{id}:
    post:
      operationId: updateThing
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - { name: id, in: path, required: true, type: integer }
        - { name: q, in: query, type: array, items: { type: string }, collectionFormat: pipes }
        - { name: title, in: formData, type: string, required: true }
      responses:
        "200": { description: ok, schema: { $ref: "#/definitions/Thing" } }
definitions:
  Thing:
    type: object
    properties: { id: { type: integer }, title: { type: string } }
`;

Deno.test("a Swagger 2.0 YAML spec is converted: form parameters become a form body, pipes a pipeDelimited query, basePath part of the URL", async () => {
  const api = startApi();
  try {
    const mcp = await FastMCP.fromOpenAPI(SWAGGER(api.url.slice("http://".length)));
    assert.equal(mcp.name, "Things");
    await using client = new Client(mcp);
    const [tool] = await client.listTools();
    assert.deepEqual(tool.inputSchema, {
      type: "object",
      properties: {
        id: { type: "integer" },
        q: { type: "array", items: { type: "string" } },
        title: { type: "string" },
      },
      required: ["id", "title"],
    });
    await client.callToolResult("updateThing", { id: 5, q: ["a", "b"], title: "new" });
    assert.equal(api.received[0].target, "/v1/things/5?q=a|b");
    assert.equal(api.received[0].headers.get("content-type"), "application/x-www-form-urlencoded");
    assert.equal(api.received[0].body, "title=new");
  } finally {
    await api.close();
  }
});

Deno.test("an OpenAPI 3.0 JSON spec's nullable, boolean exclusiveMinimum and binary strings become JSON Schema 2020-12", async () => {
  const spec = JSON.stringify({
    openapi: "3.0.3",
    info: { title: "Counts", version: "1" },
    paths: {
      "/count": {
        get: {
          operationId: "count",
          parameters: [{
            name: "min",
            in: "query",
            schema: { type: "integer", nullable: true, minimum: 0, exclusiveMinimum: true },
          }, {
            name: "kind",
            in: "query",
            schema: { oneOf: [{ type: "string" }, { type: "integer" }], nullable: true },
          }],
          responses: { "200": { description: "ok" } },
        },
        post: {
          operationId: "upload",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: { type: "object", properties: { file: { type: "string", format: "binary" } } },
              },
            },
          },
          responses: { "200": { description: "ok" } },
        },
      },
    },
  });
  const provider = await new OpenAPIProvider(spec).load();
  const [count, upload] = await provider.listTools();
  assert.deepEqual(count.listing.inputSchema.properties, {
    min: { type: ["integer", "null"], exclusiveMinimum: 0 },
    kind: { anyOf: [{ oneOf: [{ type: "string" }, { type: "integer" }] }, { type: "null" }] },
  });
  assert.deepEqual(upload.listing.inputSchema.properties, {
    file: { type: "string", contentMediaType: "application/octet-stream" },
  });
});

Deno.test("a spec file's relative external $ref is read from beside it; one to a missing target is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/shared.yaml`,
      "Note:\n  type: object\n  properties:\n    text: { type: string }\n  required: [text]\n",
    );
    await Deno.writeTextFile(
      `${dir}/api.yaml`,
      `openapi: 3.1.0
info: { title: Notes, version: "1" }
paths:
  /notes:
    post:
      operationId: addNote
      requestBody:
        content:
          application/json:
            schema: { $ref: "./shared.yaml#/Note" }
      responses: { "200": { description: ok } }
`,
    );
    const provider = await new OpenAPIProvider(`${dir}/api.yaml`).load();
    const [tool] = await provider.listTools();
    assert.deepEqual(tool.listing.inputSchema, {
      type: "object",
      properties: { text: { type: "string" } },
      required: ["text"],
    });
    const broken = (await Deno.readTextFile(`${dir}/api.yaml`)).replace("#/Note", "#/Nope");
    await Deno.writeTextFile(`${dir}/broken.yaml`, broken);
    await assert.rejects(
      new OpenAPIProvider(`${dir}/broken.yaml`).load(),
      (e) => e instanceof OpenAPISpecError && /\.\/shared\.yaml#\/Nope points to nothing/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a spec at a URL is fetched, and its relative server URL resolved against it", async () => {
  const api = startApi();
  try {
    const provider = await new OpenAPIProvider(`${api.url}/spec.json`).load();
    assert.equal((await provider.listTools()).length, 16);
    const mcp = await FastMCP.fromOpenAPI(new URL(`${api.url}/spec.json`));
    await using client = new Client(mcp);
    await client.callToolResult("getText");
    assert.deepEqual(api.received.map((r) => r.target), ["/spec.json", "/spec.json", "/text"]);
  } finally {
    await api.close();
  }
});

Deno.test("a remote $ref is fetched only with allowRemoteRefs", async () => {
  const api = startApi();
  try {
    const spec = {
      openapi: "3.1.0",
      info: { title: "Remote", version: "1" },
      paths: {
        "/items": {
          post: {
            operationId: "create",
            requestBody: {
              content: {
                "application/json": { schema: { $ref: `${api.url}/spec.json#/components/schemas/Item` } },
              },
            },
            responses: { "200": { description: "ok" } },
          },
        },
      },
    };
    await assert.rejects(
      new OpenAPIProvider(spec).load(),
      (e) => e instanceof OpenAPISpecError && /remote references are off \(allowRemoteRefs\)/.test(e.message),
    );
    assert.equal(api.received.length, 0);
    const provider = await new OpenAPIProvider(spec, { allowRemoteRefs: true }).load();
    const [tool] = await provider.listTools();
    assert.deepEqual(Object.keys(tool.listing.inputSchema.properties ?? {}), ["id", "name", "price"]);
  } finally {
    await api.close();
  }
});

Deno.test("a bad spec is refused with an OpenAPISpecError naming the problem", async () => {
  const cases: [unknown, RegExp][] = [
    [{ info: {} }, /no 'openapi' or 'swagger' version field/],
    [{ openapi: "4.0.0", paths: {} }, /unsupported OpenAPI version "4.0.0"/],
    [{ openapi: "3.1.0", paths: "none" }, /'paths' is not an object/],
    ['{ "openapi": ', /the spec is not valid JSON/],
    ["/no/such/spec.yaml", /cannot read the spec file \/no\/such\/spec.yaml/],
    ["openapi: [unclosed\n", /neither JSON nor valid YAML/],
  ];
  for (const [spec, message] of cases) {
    await assert.rejects(
      new OpenAPIProvider(spec as string).load(),
      (e) => e instanceof OpenAPISpecError && e.code === "openapi_spec" && message.test(e.message),
      String(message),
    );
  }
});

Deno.test("a spec object given by the caller is not changed", async () => {
  const spec = {
    swagger: "2.0",
    info: { title: "t", version: "1" },
    paths: {
      "/a": {
        get: {
          parameters: [{ name: "x", in: "query", type: "integer", exclusiveMinimum: true, minimum: 1 }],
          responses: { "200": { description: "ok", schema: { type: "string", "x-nullable": true } } },
        },
      },
    },
  };
  const before = structuredClone(spec);
  await new OpenAPIProvider(spec).load();
  assert.deepEqual(spec, before);
});

Deno.test("an operation with no server and no baseUrl fails its call with a message saying so", async () => {
  const { servers: _, ...spec } = testSpec();
  const mcp = await FastMCP.fromOpenAPI(spec, { server: { logger: () => {} } });
  await using client = new Client(mcp);
  const result = await client.callToolResult("getText");
  assert.equal(result.isError, true);
  assert.deepEqual(result.content, [{
    type: "text",
    text: "the API has no base URL: the spec names no server; set the baseUrl option",
  }]);
});

Deno.test("keywords that make a spec's schema invalid 2020-12 are dropped, the rest kept, and each drop reported", async () => {
  const provider = await new OpenAPIProvider({
    openapi: "3.1.0",
    info: { title: "Sloppy", version: "1" },
    paths: {
      "/things": {
        post: {
          operationId: "addThing",
          parameters: [{
            name: "code",
            in: "query",
            schema: { type: "string", pattern: "[\\p{Foo}]", maxLength: 4 },
          }],
          requestBody: {
            content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
          },
          responses: { "200": { description: "ok" } },
        },
      },
    },
    components: {
      schemas: {
        Thing: {
          type: "object",
          properties: { name: { type: "string", required: true }, tag: { $ref: "#/components/schemas/Tag" } },
        },
        Tag: { type: "file", description: "a tag" },
      },
    },
  }).load();
  const [tool] = await provider.listTools();
  assert.deepEqual(tool.listing.inputSchema, {
    type: "object",
    properties: {
      code: { type: "string", maxLength: 4 },
      name: { type: "string" },
      tag: { $ref: "#/$defs/Tag" },
    },
    $defs: { Tag: { description: "a tag" } },
  });
  assert.deepEqual(
    (await provider.repairs()).map((r) => r.where).sort(),
    ["$defs/Tag/type", "POST /things/properties/code/pattern", "POST /things/properties/name/required"],
  );
});
