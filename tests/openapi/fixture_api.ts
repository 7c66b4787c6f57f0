/**
 * A real HTTP API on 127.0.0.1 for the OpenAPI tests: it records every request exactly as it
 * arrives (method, raw path and query, headers, body bytes) and answers from a small table; and
 * the OpenAPI 3.1 spec that describes it, with every parameter style and body type.
 *
 * @module
 */

/** One request as the API received it. */
export interface Received {
  readonly method: string;
  /** Path and query exactly as sent (`/items/7?tags=a&tags=b`). */
  readonly target: string;
  readonly headers: Headers;
  readonly body: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** The running API. */
export interface TestApi {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

import { Client } from "../../client.ts";
import { FastMCP, type FromOpenAPIOptions } from "../../mod.ts";

const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);

/** The PNG `GET /image` answers, base64. */
export const PNG_BASE64 = btoa(String.fromCharCode(...PNG));

/** Bytes of the body of `GET /fail`'s 404. */
export const FAIL_BODY = `{"error":"not found","detail":"${"x".repeat(5000)}"}`;

async function answer(request: Request, path: string): Promise<Response> {
  switch (path) {
    case "/text":
      return new Response("plain words", { headers: { "content-type": "text/plain; charset=utf-8" } });
    case "/image":
      return new Response(PNG, { headers: { "content-type": "image/png" } });
    case "/fail":
      return new Response(FAIL_BODY, { status: 404, headers: { "content-type": "application/json" } });
    case "/list":
      return Response.json([{ id: 1 }, { id: 2 }]);
    case "/slow":
      // Waits until the caller gives up (aborting the request), leaving no timer behind.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        request.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return new Response("late");
    case "/wrong":
      return Response.json({ id: "not a number", name: 5 });
    case "/spec.json":
      // A relative server URL: the API is wherever the spec was read from.
      return Response.json({ ...testSpec(), servers: [{ url: "/" }] });
    default:
      if (path.startsWith("/items")) return Response.json({ id: 7, name: "pen", price: 1.5 });
      return Response.json({ ok: true });
  }
}

/** Starts the API on a free port. */
export function startApi(): TestApi {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    const bytes = new Uint8Array(await request.arrayBuffer());
    received.push({
      method: request.method,
      target: request.url.slice(url.origin.length),
      headers: request.headers,
      body: new TextDecoder().decode(bytes),
      bytes,
    });
    return await answer(request, url.pathname);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    received,
    close: () => server.shutdown(),
  };
}

/** Runs `body` with the test API, a quiet server made from its spec, and a client of that server. */
export async function withApi(
  body: (api: TestApi, client: Client) => Promise<void>,
  options: FromOpenAPIOptions = {},
): Promise<void> {
  const api = startApi();
  try {
    const mcp = await FastMCP.fromOpenAPI(testSpec(api.url), {
      ...options,
      server: { logger: () => {}, ...options.server },
    });
    await using client = new Client(mcp);
    await body(api, client);
  } finally {
    await api.close();
  }
}

/** The schema of an item (`#/components/schemas/Item`). */
export const ITEM_SCHEMA = {
  type: "object",
  properties: { id: { type: "integer" }, name: { type: "string" }, price: { type: "number" } },
  required: ["id", "name"],
};

const json = (schema: unknown) => ({ "application/json": { schema } });
const ok = (schema?: unknown) => ({
  "200": { description: "ok", ...(schema ? { content: json(schema) } : {}) },
});

/** The spec of the API: one operation per parameter style and body type. */
export function testSpec(serverUrl = "http://127.0.0.1:1"): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "Test API", version: "1.0.0" },
    servers: [{ url: serverUrl }],
    tags: [{ name: "items" }],
    paths: {
      "/items/{id}": {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
        get: {
          operationId: "getItem",
          summary: "One item",
          description: "Reads an item by id.",
          tags: ["items"],
          parameters: [
            { name: "id", in: "query", schema: { type: "string" }, description: "A second id, in the query" },
            { name: "tags", in: "query", schema: { type: "array", items: { type: "string" } } },
            {
              name: "ids",
              in: "query",
              explode: false,
              schema: { type: "array", items: { type: "integer" } },
            },
            {
              name: "words",
              in: "query",
              style: "spaceDelimited",
              explode: false,
              schema: { type: "array" },
            },
            { name: "pipes", in: "query", style: "pipeDelimited", explode: false, schema: { type: "array" } },
            {
              name: "filter",
              in: "query",
              style: "deepObject",
              explode: true,
              schema: { type: "object", properties: { color: { type: "string" }, size: { type: "object" } } },
            },
            { name: "point", in: "query", explode: false, schema: { type: "object" } },
            { name: "state", in: "query", schema: { type: "string" } },
            { name: "next", in: "query", allowReserved: true, schema: { type: "string" } },
            { name: "X-Trace", in: "header", schema: { type: "string" } },
            { name: "X-List", in: "header", schema: { type: "array", items: { type: "integer" } } },
            { name: "Accept", in: "header", schema: { type: "string" } },
            { name: "session", in: "cookie", schema: { type: "string" } },
            {
              name: "prefs",
              in: "cookie",
              explode: false,
              schema: { type: "array", items: { type: "string" } },
            },
          ],
          responses: ok({ $ref: "#/components/schemas/Item" }),
        },
        delete: {
          operationId: "deleteItem",
          tags: ["items", "admin"],
          responses: { "204": { description: "gone" } },
        },
      },
      "/items": {
        post: {
          operationId: "createItem",
          tags: ["items"],
          parameters: [{ name: "name", in: "query", schema: { type: "string" } }],
          requestBody: { required: true, content: json({ $ref: "#/components/schemas/NewItem" }) },
          responses: ok({ $ref: "#/components/schemas/Item" }),
        },
      },
      "/forms": {
        post: {
          operationId: "submitForm",
          requestBody: {
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  properties: {
                    title: { type: "string" },
                    count: { type: "integer" },
                    labels: { type: "array", items: { type: "string" } },
                    note: { type: "string" },
                  },
                  required: ["title"],
                },
              },
            },
          },
          responses: ok({ type: "object" }),
        },
      },
      "/upload": {
        post: {
          operationId: "upload",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  properties: {
                    description: { type: "string" },
                    file: { type: "string", format: "binary" },
                    meta: { type: "object" },
                  },
                },
              },
            },
          },
          responses: ok({ type: "object" }),
        },
      },
      "/raw": {
        put: {
          operationId: "putRaw",
          requestBody: {
            description: "The note's text",
            content: { "text/plain": { schema: { type: "string" } } },
          },
          responses: ok(),
        },
      },
      "/tree": {
        post: {
          operationId: "postTree",
          requestBody: { content: json({ $ref: "#/components/schemas/Node" }) },
          responses: ok({ $ref: "#/components/schemas/Node" }),
        },
      },
      "/matrix/{coords}/{label}": {
        get: {
          operationId: "styledPath",
          parameters: [
            {
              name: "coords",
              in: "path",
              required: true,
              style: "matrix",
              explode: true,
              schema: { type: "array" },
            },
            { name: "label", in: "path", required: true, style: "label", schema: { type: "array" } },
          ],
          responses: ok(),
        },
      },
      "/files/{path}": {
        get: {
          operationId: "getFile",
          parameters: [{ name: "path", in: "path", required: true, schema: { type: "string" } }],
          responses: ok(),
        },
      },
      "/users/{userId}/posts": {
        get: {
          parameters: [{ name: "userId", in: "path", required: true, schema: { type: "integer" } }],
          responses: ok({ type: "array" }),
        },
      },
      "/text": { get: { operationId: "getText", responses: { "200": { description: "text" } } } },
      "/image": { get: { operationId: "getImage", responses: { "200": { description: "png" } } } },
      "/fail": { get: { operationId: "fail", responses: ok({ type: "object" }) } },
      "/slow": { get: { operationId: "slow", responses: ok() } },
      "/list": {
        get: { operationId: "listThings", responses: ok({ type: "array", items: { type: "object" } }) },
      },
      "/wrong": { get: { operationId: "wrongShape", responses: ok({ $ref: "#/components/schemas/Item" }) } },
    },
    components: {
      schemas: {
        Item: ITEM_SCHEMA,
        NewItem: {
          type: "object",
          properties: {
            name: { type: "string" },
            price: { type: "number", minimum: 0 },
            tags: { type: "array", items: { type: "string" } },
          },
          required: ["name"],
        },
        Node: {
          type: "object",
          properties: {
            value: { type: "string" },
            children: { type: "array", items: { $ref: "#/components/schemas/Node" } },
          },
        },
      },
    },
  };
}
