/**
 * What a `FileSystemProvider` reads from disk: the folder it serves and the modules under it.
 *
 * @module
 */

import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The modules served by default: TypeScript and JavaScript, but not declaration files or tests
 * (`x_test.ts`, `x.test.ts`), which are not meant to be imported by a server.
 */
export const DEFAULT_MODULE_PATTERN: RegExp = /(?<!\.d|[._]test)\.(?:ts|mts|js|mjs)$/;

/** The root folder as a directory URL (trailing slash) and as a path. */
export function rootOf(root: string | URL): { url: URL; path: string } {
  const given = root instanceof URL || root.startsWith("file:")
    ? new URL(root)
    : pathToFileURL(resolve(root));
  if (given.protocol !== "file:") throw new TypeError(`FileSystemProvider root must be a file URL or a path`);
  const url = given.href.endsWith("/") ? given : new URL(`${given.href}/`);
  return { url, path: fileURLToPath(url) };
}

/** The URL of a file under `root`, from its path relative to it (names may hold `#`, `?` or `%`). */
export function fileIn(root: URL, relative: string): URL {
  return new URL(relative.split("/").map(encodeURIComponent).join("/"), root);
}

/**
 * The module files under `root` whose path relative to it (with `/`) matches `pattern`, sorted.
 * Folders and files whose name starts with a dot, `node_modules`, and symbolic links are skipped.
 */
export async function listModules(root: URL, pattern: RegExp): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string) => {
    for await (const entry of Deno.readDir(fileIn(root, relative))) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = `${relative}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (entry.isFile && pattern.test(path)) found.push(path);
    }
  };
  await walk("");
  return found.sort();
}
