/**
 * Hostile URIs against resource templates: values that would let a handler leave what the template
 * names (`/` or NUL in a simple variable, `.`/`..` segments, percent-encoded forms of either) do
 * not match, so the client gets "resource not found" and the handler never runs.
 */

import assert from "node:assert/strict";
import { join, sep } from "node:path";
import { FastMCP, NotFoundError } from "../../mod.ts";
import { compileUriTemplate } from "../../server/components/uri_template.ts";
import { legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";

const match = (template: string, uri: string) => compileUriTemplate(template).match(uri);

Deno.test("a simple variable never holds /, \\ or NUL once decoded, nor is . or ..", () => {
  for (const uri of ["res://a%2Fb", "res://a%2fb", "res://%2F", "res://a%00b", "res://%00", "res://a%5Cb"]) {
    assert.equal(match("res://{id}", uri), undefined, uri);
  }
  for (const uri of ["res://.", "res://..", "res://%2e%2e", "res://%2E", "res://.%2e"]) {
    assert.equal(match("res://{id}", uri), undefined, uri);
  }
  // The other non-reserved, non-exploded operators follow the same rule.
  assert.equal(match("a://x{/seg}", "a://x/a%2Fb"), undefined);
  assert.equal(match("a://x{;p}", "a://x;p=%2e%2e"), undefined);
  assert.equal(match("a://file{.ext}", "a://file.%00"), undefined);
  assert.equal(match("a://x{?q}", "a://x?q=a%2Fb"), undefined);
  assert.equal(match("a://x{?q}", "a://x?q=%00"), undefined);
});

Deno.test("simple variables still match ordinary values, dots and escapes included", () => {
  assert.deepEqual(match("res://{id}", "res://a.b"), { id: "a.b" });
  assert.deepEqual(match("res://{id}", "res://...."), { id: "...." });
  assert.deepEqual(match("res://{id}", "res://%E2%9C%93%20ok"), { id: "✓ ok" });
  assert.deepEqual(match("res://{id}", "res://100%"), { id: "100%" }); // a bare % stays as it is
  assert.deepEqual(match("res://{id}", "res://%252F"), { id: "%2F" }); // one level of escapes only
  assert.deepEqual(match("a://x{?q}", "a://x?q=a%20b"), { q: "a b" });
});

Deno.test("reserved and exploded variables refuse . and .. segments, encoded or not, and NUL", () => {
  for (const template of ["docs://{+path}", "file://{path*}"]) {
    for (
      const tail of [
        "..",
        ".",
        "a/../b",
        "a/./b",
        "../etc/passwd",
        "a/..",
        "%2e%2e/etc",
        "%2E%2E/etc",
        "a/%2e%2e/b",
        ".%2e/x",
        "%2e/x",
        "..%2F..%2Fetc%2Fpasswd",
        "a%2F..%2Fb",
        "a%2F.",
        "..%5C..%5Cwindows",
        "a\\..\\b",
        "a/b%00.txt",
        "%00",
      ]
    ) {
      assert.equal(match(template, template.replace(/\{.*\}/, tail)), undefined, `${template} ${tail}`);
    }
  }
  assert.equal(match("a://x{/path*}", "a://x/a/../b"), undefined);
  assert.equal(match("a://x{#frag}", "a://x#a/%2e%2e/b"), undefined);
});

Deno.test("reserved and exploded variables still match ordinary paths", () => {
  assert.deepEqual(match("file://{path*}", "file:///home/me/notes.txt"), { path: "/home/me/notes.txt" });
  assert.deepEqual(match("docs://{+path}", "docs://guide/intro%20page"), { path: "guide/intro page" });
  assert.deepEqual(match("docs://{+path}", "docs://a/..b/c../.../d.e"), { path: "a/..b/c../.../d.e" });
  assert.deepEqual(match("docs://{+path}", "docs://a%2Fb"), { path: "a/b" });
  assert.deepEqual(match("docs://{+path}", "docs://a//b/"), { path: "a//b/" });
});

Deno.test("a malformed escape (not UTF-8) does not match", () => {
  assert.equal(match("res://{id}", "res://%E0"), undefined);
  assert.equal(match("docs://{+path}", "docs://%2e%2e%E0/x"), undefined);
});

Deno.test("a variable named __proto__ is an own property of the match", () => {
  const out = match("a://{__proto__}", "a://x")!;
  assert.ok(Object.hasOwn(out, "__proto__"));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(out, "__proto__")?.value, "x");
});

function quiet(): FastMCP {
  return new FastMCP({ name: "hostile", logLevel: "emergency", runInThread: false });
}

async function read(mcp: FastMCP, uri: string) {
  const [body] = await readMessages(await mcp.fetch(modernRequest("resources/read", { uri })));
  return body as {
    result?: { contents: { uri: string; text?: string }[] };
    error?: { code: number; message: string; data?: unknown };
  };
}

Deno.test("resources/read: a traversal URI is 'Resource not found' and the handler never runs", async () => {
  const mcp = quiet();
  const seen: string[] = [];
  mcp.resource("file://{path*}", { mimeType: "text/plain" }, ({ path }) => {
    seen.push(path);
    return `read ${path}`;
  });
  mcp.resource("res://{id}", ({ id }) => {
    seen.push(id);
    return `res ${id}`;
  });
  for (
    const uri of [
      "file:///..%2F..%2Fetc%2Fpasswd",
      "file:///../../etc/passwd",
      "file:///srv/%2e%2e/%2e%2e/etc/passwd",
      "file:///srv/a%00.txt",
      "res://a%2Fb",
      "res://%00",
      "res://..",
    ]
  ) {
    assert.deepEqual((await read(mcp, uri)).error, {
      code: -32602,
      message: "Resource not found",
      data: { uri },
    }, uri);
  }
  assert.deepEqual(seen, []);
  assert.deepEqual((await read(mcp, "file:///srv/notes.txt")).result?.contents, [
    { uri: "file:///srv/notes.txt", mimeType: "text/plain", text: "read /srv/notes.txt" },
  ]);
  assert.deepEqual((await read(mcp, "res://a.b")).result?.contents[0].text, "res a.b");
  await mcp.close();
});

Deno.test("resources/read on a 2025 session: a traversal URI is -32002", async () => {
  const mcp = quiet();
  mcp.resource("file://{path*}", ({ path }) => `read ${path}`);
  const sid = await openSession(mcp.fetch);
  const uri = "file:///..%2F..%2Fetc%2Fpasswd";
  const res = await mcp.fetch(legacyRequest(
    { jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri } },
    { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
  ));
  const [body] = await readMessages(res);
  assert.deepEqual(body.error, { code: -32002, message: "Resource not found", data: { uri } });
  await mcp.close();
});

Deno.test("the README's confined file resource: reads under its root only, symlinks included", async () => {
  const base = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(base, "docs", "sub"), { recursive: true });
    await Deno.writeTextFile(join(base, "docs", "sub", "a.txt"), "inside");
    await Deno.writeTextFile(join(base, "secret.txt"), "outside");
    await Deno.symlink(join(base, "secret.txt"), join(base, "docs", "link.txt"));
    const mcp = quiet();
    // As in README.md, with the root made absolute for the test.
    const root = await Deno.realPath(join(base, "docs"));
    mcp.resource("docs://{path*}", { mimeType: "text/plain" }, async ({ path }) => {
      const file = await Deno.realPath(join(root, path)).catch(() => ""); // symlinks resolved
      if (!file.startsWith(root + sep)) throw new NotFoundError(`No document '${path}'`);
      return Deno.readTextFile(file);
    });
    assert.equal((await read(mcp, "docs://sub/a.txt")).result?.contents[0].text, "inside");
    assert.equal((await read(mcp, "docs:///sub/a.txt")).result?.contents[0].text, "inside");
    for (const uri of ["docs://link.txt", "docs://missing.txt", "docs:///"]) {
      assert.deepEqual((await read(mcp, uri)).error?.code, -32602, uri);
    }
    for (
      const uri of ["docs://../secret.txt", "docs://sub/..%2F..%2Fsecret.txt", "docs://%2e%2e/secret.txt"]
    ) {
      assert.deepEqual((await read(mcp, uri)).error, {
        code: -32602,
        message: "Resource not found",
        data: { uri },
      });
    }
    await mcp.close();
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
