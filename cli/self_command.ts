/**
 * How this CLI starts itself in a child process (the stdio child of `list`/`call`/`inspect` on a
 * file, the server child of `run --watch`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const CLI_MAIN = new URL("./main.ts", import.meta.url);

/** The command line that runs this CLI: the compiled binary itself, or `deno run -A` on its entry (a path, or its JSR URL). */
export function selfCommand(): [string, string[]] {
  if (Deno.build.standalone) return [Deno.execPath(), []];
  const main = CLI_MAIN.protocol === "file:" ? fileURLToPath(CLI_MAIN) : CLI_MAIN.href;
  return [Deno.execPath(), ["run", "-A", main]];
}
