/**
 * Reads a module graph with `deno info --json`: the local modules, the npm packages reachable
 * from it, and their total size on disk.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

/** A measured module graph. */
export interface ModuleGraph {
  /** `file:` specifiers of the project's own modules in the graph. */
  localModules: string[];
  /** npm packages reachable from the graph (`name@version`), dependencies included. */
  npmPackages: string[];
  /** Bytes of the local modules. */
  localBytes: number;
  /** Bytes of the reachable npm packages' files on disk (whole packages, maps and types included). */
  npmBytes: number;
  /** `localBytes + npmBytes`. */
  totalBytes: number;
}

interface Info {
  modules: { specifier: string; kind?: string; size?: number; npmPackage?: string }[];
  npmPackages: Record<string, { dependencies?: string[]; localPath?: string }>;
}

async function dirBytes(path: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(path)) {
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory) total += await dirBytes(child);
    else if (entry.isFile) total += (await Deno.stat(child)).size;
  }
  return total;
}

/** Builds the graph of `entry` (a path relative to the repository root). */
export async function moduleGraph(entry: string): Promise<ModuleGraph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  const info: Info = JSON.parse(new TextDecoder().decode(out.stdout));
  const local = info.modules.filter((m) => m.specifier.startsWith("file:"));
  const seen = new Set<string>();
  const queue = info.modules.flatMap((m) => m.npmPackage ? [m.npmPackage] : []);
  while (queue.length) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(info.npmPackages[id]?.dependencies ?? []));
  }
  let npmBytes = 0;
  for (const id of seen) {
    const path = info.npmPackages[id]?.localPath;
    if (path) npmBytes += await dirBytes(path);
  }
  const localBytes = local.reduce((sum, m) => sum + (m.size ?? 0), 0);
  return {
    localModules: local.map((m) => m.specifier),
    npmPackages: [...seen].sort(),
    localBytes,
    npmBytes,
    totalBytes: localBytes + npmBytes,
  };
}

if (import.meta.main) {
  for (const entry of Deno.args.length ? Deno.args : ["client.ts", "mod.ts"]) {
    const g = await moduleGraph(entry);
    console.log(
      `${entry}: ${g.localModules.length} local modules (${(g.localBytes / 1024).toFixed(0)} KiB), ` +
        `${g.npmPackages.length} npm packages (${(g.npmBytes / 1024 / 1024).toFixed(1)} MiB on disk)`,
    );
    console.log(`  npm: ${g.npmPackages.join(", ")}`);
  }
}
