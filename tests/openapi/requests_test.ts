/**
 * The requests an OpenAPI tool sends, as a real local API receives them: every parameter style,
 * every body type, exactly.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client } from "../../client.ts";
import { FastMCP } from "../../mod.ts";
import { type Received, startApi, type TestApi, testSpec, withApi } from "./fixture_api.ts";

function only(api: TestApi): Received {
  assert.equal(api.received.length, 1);
  return api.received[0];
}

Deno.test("path, query, header and cookie parameters are sent in the styles the spec gives", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("getItem", {
      id__path: 7,
      id__query: "q7",
      tags: ["a", "b c"],
      ids: [1, 2, 3],
      words: ["x", "y"],
      pipes: ["p", "q"],
      filter: { color: "red", size: { w: 2, h: 3 } },
      point: { x: 1, y: 2 },
      next: "/a/b?c=d",
      "X-Trace": "abc",
      "X-List": [1, 2],
      session: "s 1",
      prefs: ["dark", "wide"],
    });
    const request = only(api);
    assert.equal(request.method, "GET");
    assert.equal(
      request.target,
      "/items/7?id=q7&tags=a&tags=b%20c&ids=1,2,3&words=x%20y&pipes=p|q" +
        "&filter[color]=red&filter[size][w]=2&filter[size][h]=3&point=x,1,y,2&next=/a/b?c=d",
    );
    assert.equal(request.headers.get("x-trace"), "abc");
    assert.equal(request.headers.get("x-list"), "1,2");
    assert.equal(request.headers.get("cookie"), "session=s%201; prefs=dark,wide");
  });
});

Deno.test("a blank query value is sent as name= and an absent one is left out", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("getItem", { id__path: 1, state: "" });
    assert.equal(only(api).target, "/items/1?state=");
  });
});

Deno.test("path values are percent-encoded, slashes included", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("getFile", { path: "a/b c?#" });
    assert.equal(only(api).target, "/files/a%2Fb%20c%3F%23");
  });
});

Deno.test("matrix and label path styles are expanded", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("styledPath", { coords: [1, 2], label: ["x", "y"] });
    assert.equal(only(api).target, "/matrix/;coords=1;coords=2/.x,y");
  });
});

Deno.test("a JSON body is sent as JSON from the flattened body arguments; the clashing query parameter is name__query", async () => {
  await withApi(async (api, client) => {
    const result = await client.callToolResult("createItem", {
      name: "pen",
      price: 2,
      tags: ["blue"],
      name__query: "q",
    });
    assert.equal(result.isError, undefined);
    const request = only(api);
    assert.equal(request.method, "POST");
    assert.equal(request.target, "/items?name=q");
    assert.equal(request.headers.get("content-type"), "application/json");
    assert.equal(request.body, '{"name":"pen","price":2,"tags":["blue"]}');
  });
});

Deno.test("a form body is sent as application/x-www-form-urlencoded, arrays repeated, blanks kept", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("submitForm", { title: "a b&c", count: 3, labels: ["x", "y"], note: "" });
    const request = only(api);
    assert.equal(request.headers.get("content-type"), "application/x-www-form-urlencoded");
    assert.equal(request.body, "title=a+b%26c&count=3&labels=x&labels=y&note=");
  });
});

Deno.test("a multipart body is sent as multipart/form-data with the binary property as a file part", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("upload", { description: "notes", file: "file text", meta: { a: 1 } });
    const request = only(api);
    const type = request.headers.get("content-type")!;
    assert.match(type, /^multipart\/form-data; boundary=/);
    const form = await new Response(request.bytes, { headers: { "content-type": type } }).formData();
    assert.equal(form.get("description"), "notes");
    assert.equal(form.get("meta"), '{"a":1}');
    const file = form.get("file") as File;
    assert.equal(file.name, "file");
    assert.equal(await file.text(), "file text");
  });
});

Deno.test("a text body is sent as it is with its media type", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("putRaw", { body: "just text" });
    const request = only(api);
    assert.equal(request.method, "PUT");
    assert.equal(request.headers.get("content-type"), "text/plain");
    assert.equal(request.body, "just text");
  });
});

Deno.test("headers and fetch options supply credentials; the caller's headers are not forwarded unless configured", async () => {
  const seen: string[] = [];
  await withApi(async (api, client) => {
    await client.callToolResult("getText");
    const request = only(api);
    assert.equal(request.headers.get("x-api-key"), "k1");
    assert.equal(request.headers.get("authorization"), null);
    assert.deepEqual(seen, [`${api.url}/text`]);
  }, {
    headers: { "x-api-key": "k1" },
    fetch: (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    },
  });
});

Deno.test("forwardHeaders sends the caller's named HTTP headers to the API, and only those", async () => {
  const api = startApi();
  const quiet = { logger: () => {} };
  const forwarding = await FastMCP.fromOpenAPI(testSpec(api.url), {
    forwardHeaders: ["Authorization"],
    server: quiet,
  });
  const plain = await FastMCP.fromOpenAPI(testSpec(api.url), { server: quiet });
  const front = forwarding.serve({ hostname: "127.0.0.1", port: 0 });
  const other = plain.serve({ hostname: "127.0.0.1", port: 0 });
  try {
    const headers = { authorization: "Bearer caller-token", "x-other": "no" };
    {
      await using client = new Client(front.url, { headers });
      await client.callToolResult("getText");
    }
    {
      await using client = new Client(other.url, { headers });
      await client.callToolResult("getText");
    }
    assert.equal(api.received.length, 2);
    assert.equal(api.received[0].headers.get("authorization"), "Bearer caller-token");
    assert.equal(api.received[0].headers.get("x-other"), null);
    assert.equal(api.received[1].headers.get("authorization"), null);
  } finally {
    await forwarding.close();
    await plain.close();
    await api.close();
  }
});

Deno.test("forwardHeaders refuses cookie", async () => {
  await assert.rejects(
    FastMCP.fromOpenAPI(testSpec(), { forwardHeaders: ["Cookie"] }),
    /forwardHeaders may not include 'cookie'/,
  );
});

Deno.test("baseUrl overrides the spec's servers", async () => {
  const api = startApi();
  try {
    const mcp = await FastMCP.fromOpenAPI(testSpec("http://127.0.0.1:1/nowhere"), {
      baseUrl: `${api.url}/v2/`,
    });
    await using client = new Client(mcp);
    await client.callToolResult("getText");
    assert.equal(only(api).target, "/v2/text");
  } finally {
    await api.close();
  }
});

Deno.test("a headers function gives each call's credentials from its context", async () => {
  await withApi(async (api, client) => {
    await client.callToolResult("getText");
    assert.equal(only(api).headers.get("x-caller"), "denomcp-client");
  }, {
    headers: (ctx) => ({ "x-caller": ctx.clientInfo?.name ?? "unknown" }),
  });
});
