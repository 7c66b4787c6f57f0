/**
 * Type-checks every JSDoc example of the library (`deno check --doc-only`). The examples are
 * checked without `noUnusedLocals`, because Deno adds an import of the module's exports to each
 * example; the import map is deno.json's, plus the package's own name for its exports.
 *
 *   deno task check:doc
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
  name: string;
  imports: Record<string, string>;
  exports: Record<string, string>;
};
const imports: Record<string, string> = { ...config.imports };
for (const [path, target] of Object.entries(config.exports)) {
  imports[path === "." ? config.name : `${config.name}${path.slice(1)}`] = new URL(target, root).href;
}
const map = await Deno.makeTempFile({ suffix: ".json" });
try {
  await Deno.writeTextFile(map, JSON.stringify({ imports }));
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "check",
      "--doc-only",
      "--no-config",
      "--import-map",
      map,
      "mod.ts",
      "client.ts",
      "server/",
      "protocol/",
      "client/",
      "otel/",
      "auth/",
    ],
    cwd: root,
  }).spawn().status;
  Deno.exitCode = code;
} finally {
  await Deno.remove(map);
}
