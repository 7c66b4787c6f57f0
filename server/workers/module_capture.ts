/**
 * Finds the module that defined a tool, from the stack of the `mcp.tool()` call, so that a pool
 * worker can import it. Tools defined in a REPL or `eval` have no importable module.
 *
 * @module
 */

/** denomcp's own server code and entry module, skipped when looking for the caller. */
const OWN_DIR = new URL("../", import.meta.url).href;
const MOD_URL = new URL("../../mod.ts", import.meta.url).href;
const FRAME_URL = /\(?((?:file|https?):\/\/[^\s)]+?):\d+:\d+\)?$/;

/** The URL of the first module on the stack outside denomcp's server code, if it can be imported. */
export function callerModule(stack: string | undefined = new Error().stack): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    if (line.includes("eval at") || line.includes("<anonymous>")) return undefined;
    const m = FRAME_URL.exec(line.trim());
    if (!m) continue;
    const url = m[1];
    if (url.startsWith(OWN_DIR) || url === MOD_URL) continue;
    if (url.includes("$deno$eval") || url.includes("$deno$repl")) return undefined;
    return url;
  }
  return undefined;
}

/** True for handlers declared `async` (they stay in the main isolate). */
export function isAsyncFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } })?.constructor?.name;
  return name === "AsyncFunction" || name === "AsyncGeneratorFunction";
}
