/**
 * A server that does not use OpenAPI does not load its parsing libraries: they are reached from
 * mod.ts only through the provider's dynamic import.
 *
 * @module
 */

import assert from "node:assert/strict";

interface Info {
  roots: string[];
  modules: { specifier: string; dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[] }[];
}

Deno.test("mod.ts reaches the OpenAPI loader and @scalar packages only through a dynamic import", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "mod.ts"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "null",
  }).output();
  const info: Info = JSON.parse(new TextDecoder().decode(out.stdout));
  const byId = new Map(info.modules.map((m) => [m.specifier, m]));
  const all = new Set(info.modules.map((m) => m.specifier));
  const staticallyLoaded = new Set<string>();
  const stack = [...info.roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (staticallyLoaded.has(id)) continue;
    staticallyLoaded.add(id);
    for (const dep of byId.get(id)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) stack.push(dep.code.specifier);
    }
  }
  const loader = [...all].find((id) => id.endsWith("/server/providers/openapi/load.ts"));
  assert.ok(loader, "the loader is in the graph (dynamically)");
  assert.ok(!staticallyLoaded.has(loader));
  assert.deepEqual([...staticallyLoaded].filter((id) => id.includes("@scalar/")), []);
  assert.ok([...all].some((id) => id.includes("@scalar/openapi-upgrader")));
});
