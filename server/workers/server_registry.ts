/**
 * The servers a module defines, by name, so that a pool worker that imports the module can find
 * the tool it was asked to run.
 *
 * @module
 */

/** What a worker needs from a server: its tools by name. */
export interface RegisteredServer {
  readonly tools: ReadonlyMap<string, {
    readonly handler: (args: never, ctx: never) => unknown;
    readonly wrapsResult: boolean;
  }>;
}

const KEY = Symbol.for("denomcp.servers");

/** Every server created in this isolate, by name. */
export function serverRegistry(): Map<string, RegisteredServer> {
  const g = globalThis as { [KEY]?: Map<string, RegisteredServer> };
  return g[KEY] ??= new Map();
}
