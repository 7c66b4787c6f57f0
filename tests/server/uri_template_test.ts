import assert from "node:assert/strict";
import { compileUriTemplate, isUriTemplate } from "../../server/components/uri_template.ts";

const match = (template: string, uri: string) => compileUriTemplate(template).match(uri);

Deno.test("simple variables match one segment and are percent-decoded", () => {
  assert.deepEqual(match("test://template/{id}/data", "test://template/123/data"), { id: "123" });
  assert.deepEqual(match("weather://{city}/now", "weather://New%20York/now"), { city: "New York" });
  assert.equal(match("x://{a}/{b}", "x://1/2/3"), undefined);
});

Deno.test("explode and reserved expansions span slashes", () => {
  assert.deepEqual(match("file://{path*}", "file://a/b/c.txt"), { path: "a/b/c.txt" });
  assert.deepEqual(match("docs://{+path}", "docs://guide/intro%20page"), { path: "guide/intro page" });
});

Deno.test("query expressions are optional, order-free, and keep blank values", () => {
  const t = "repo://{owner}/{repo-name}/issues{?state,label}";
  assert.deepEqual(match(t, "repo://me/my-repo/issues?label=bug&state="), {
    owner: "me",
    "repo-name": "my-repo",
    state: "",
    label: "bug",
  });
  assert.deepEqual(match(t, "repo://me/my-repo/issues"), { owner: "me", "repo-name": "my-repo" });
});

Deno.test("path, label and fragment operators", () => {
  assert.deepEqual(match("a://x{/seg}", "a://x/one"), { seg: "one" });
  assert.deepEqual(match("a://file{.ext}", "a://file.json"), { ext: "json" });
  assert.deepEqual(match("a://page{#section}", "a://page#intro"), { section: "intro" });
});

Deno.test("malformed templates are rejected at definition time", () => {
  assert.throws(() => compileUriTemplate("a://{id}/{id}"), /appears twice/);
  assert.throws(() => compileUriTemplate("a://{id"), /unbalanced/);
  assert.equal(isUriTemplate("a://static"), false);
  assert.equal(isUriTemplate("a://{x}"), true);
});
