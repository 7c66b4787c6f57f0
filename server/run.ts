/**
 * How `run()` decides what to do: the transport from options, flags and environment, and
 * whether `deno serve` already owns HTTP for this module.
 *
 * @module
 */

/** Options of `FastMCP.run()`. */
export interface RunOptions {
  /** Force a transport; by default flags and `PORT` decide (stdio otherwise). */
  transport?: "stdio" | "http";
  /** HTTP interface. Default `127.0.0.1` (`--host`). */
  hostname?: string;
  /** HTTP port (`--port`, `PORT`). Default 8000. */
  port?: number;
  /** Unix socket path (`--unix`). */
  path?: string;
  /** stdio input, for tests. */
  stdin?: ReadableStream<Uint8Array>;
  /** stdio output, for tests. */
  stdout?: WritableStream<Uint8Array>;
}

/** The transport and address `run()` settles on. */
export interface RunChoice {
  transport: "stdio" | "http";
  hostname?: string;
  port?: number;
  path?: string;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(name + "="));
  if (i === -1) return undefined;
  const arg = args[i];
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[i + 1];
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Reads flags (`--http`, `--port`, `--host`, `--unix`, `--stdio`) and `PORT`; options win. */
export function parseRunArgs(options: RunOptions, args: string[] = Deno.args): RunChoice {
  const portText = flag(args, "--port") ?? env("PORT");
  const port = options.port ?? (portText !== undefined ? Number(portText) : undefined);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new TypeError(`invalid port '${portText}'`);
  }
  const path = options.path ?? flag(args, "--unix");
  const hostname = options.hostname ?? flag(args, "--host");
  const wantsHttp = args.includes("--http") || port !== undefined || path !== undefined ||
    hostname !== undefined;
  const transport = options.transport ?? (args.includes("--stdio") ? "stdio" : wantsHttp ? "http" : "stdio");
  return { transport, hostname, port, path };
}

/**
 * Under `deno serve` the runtime calls `Deno.serve` for the module's default export right after
 * the module is evaluated, and `import.meta.main` is true there as well. Watching for that call
 * for one task tells the two modes apart, so one file works with `deno run` and `deno serve`.
 */
export function servedByDenoServe(): Promise<boolean> {
  const original = Deno.serve;
  let called = false;
  const watcher = function (this: unknown, ...args: unknown[]) {
    called = true;
    Deno.serve = original;
    return (original as (...a: unknown[]) => unknown).apply(Deno, args);
  };
  try {
    (Deno as { serve: unknown }).serve = watcher;
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) =>
    setTimeout(() => {
      if (Deno.serve === (watcher as unknown)) Deno.serve = original;
      resolve(called);
    }, 0)
  );
}
