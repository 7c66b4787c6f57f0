/**
 * The servers a module defines, by name, so that a pool worker that imports the module can find
 * the tool it was asked to run.
 *
 * @module
 */

/** A tool as a worker runs it. */
export interface RegisteredTool {
  readonly handler: (args: never, ctx: never) => unknown;
  readonly wrapsResult: boolean;
}

/** What a worker needs from a server: a tool by name and version. */
export interface RegisteredServer {
  definedTool(name: string, version?: string): RegisteredTool | undefined;
}

const KEY = Symbol.for("denomcp.servers");

/** Every server created in this isolate, by name. */
export function serverRegistry(): Map<string, RegisteredServer> {
  const g = globalThis as { [KEY]?: Map<string, RegisteredServer> };
  return g[KEY] ??= new Map();
}
