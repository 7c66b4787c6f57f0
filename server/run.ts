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

/**
 * Reads an environment variable only when access is already granted, so that a server run
 * without `--allow-env` never stops at a permission prompt.
 */
export function readEnv(name: string): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Reads flags (`--http`, `--port`, `--host`, `--unix`, `--stdio`) and `PORT`; options win. */
export function parseRunArgs(options: RunOptions, args: string[] = Deno.args): RunChoice {
  const portText = flag(args, "--port") ?? readEnv("PORT");
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

/** Watches for `deno serve` taking over the module's default export. */
export interface ServeWatch {
  /** True once the runtime has started serving the default export. */
  readonly served: boolean;
  /** The server the runtime started, once it has. */
  readonly server?: Deno.HttpServer;
  /** Runs `callback` when (or if already) the runtime serves the default export. */
  onServed(callback: () => void): void;
  /** Stops watching and restores `Deno.serve`. */
  stop(): void;
}

/** Watchers that stopped, with the `Deno.serve` each wrapped: a later restore skips them. */
const stoppedWatchers = new WeakMap<object, typeof Deno.serve>();

function unwrapStopped(serve: typeof Deno.serve): typeof Deno.serve {
  for (let inner = stoppedWatchers.get(serve); inner; inner = stoppedWatchers.get(serve)) serve = inner;
  return serve;
}

/**
 * Under `deno serve` the runtime calls `Deno.serve` for the module's default export once the
 * module has been evaluated, and `import.meta.main` is true there as well. Its call is told
 * apart from user calls by the runtime's private symbol-keyed option. Watching for it lets one
 * file work with `deno run` and `deno serve`, even when `run()` is awaited at top level (module
 * evaluation then finishes only after `run()` resolves, which is why `run()` resolves once its
 * transport is up rather than when it ends).
 *
 * Such a file still gets Deno's `Detected export default { fetch }` warning on stderr under
 * `deno run`: once the main module has been evaluated, Deno (runtime/js/99_main.js) checks its
 * default export for an own `fetch` in both modes, and nothing tells the modes apart before that.
 * Hence the documented pattern keeps the default export in a separate serve entry.
 */
export function watchDeclarativeServe(): ServeWatch {
  const original = Deno.serve;
  let served = false;
  let server: Deno.HttpServer | undefined;
  const callbacks: (() => void)[] = [];
  const watcher = function (this: unknown, ...args: unknown[]) {
    const result = (original as (...a: unknown[]) => unknown).apply(Deno, args);
    const options = args[0];
    if (
      !served && typeof options === "object" && options !== null &&
      Object.getOwnPropertySymbols(options).length > 0
    ) {
      served = true;
      server = result as Deno.HttpServer;
      restore();
      for (const callback of callbacks.splice(0)) callback();
    }
    return result;
  };
  const restore = () => {
    stoppedWatchers.set(watcher, original);
    if (Deno.serve === (watcher as unknown)) Deno.serve = unwrapStopped(original);
  };
  try {
    (Deno as { serve: unknown }).serve = watcher;
  } catch {
    // A frozen Deno namespace: behave as under deno run.
  }
  return {
    get served() {
      return served;
    },
    get server() {
      return server;
    },
    onServed(callback) {
      if (served) callback();
      else callbacks.push(callback);
    },
    stop: () => {
      callbacks.length = 0;
      restore();
    },
  };
}

let mainModuleServe: Promise<{ main?: Record<string, unknown>; server?: Deno.HttpServer }> | undefined;

/**
 * The server `deno serve` started for `target`, known once the main module has been evaluated:
 * undefined unless `target` is the main module's default export and the runtime served it (a
 * serve entry, `export { mcp as default } from "./server.ts"`, calls no `run()` that could
 * notice). One watch per isolate, from the first call until the main module is evaluated.
 *
 * The runtime serves the default export from a callback on the main module's evaluation promise,
 * attached when evaluation starts; `import(Deno.mainModule)` resolves from the same evaluation,
 * later, so the runtime's `Deno.serve` call is always seen first. Were that ever not so, this
 * would answer undefined, as under `deno run`.
 */
export function denoServeOf(target: object): Promise<Deno.HttpServer | undefined> {
  mainModuleServe ??= (async () => {
    const watch = watchDeclarativeServe();
    try {
      const main = await import(Deno.mainModule);
      return { main, server: watch.server };
    } catch {
      return {};
    } finally {
      watch.stop();
    }
  })();
  return mainModuleServe.then(({ main, server }) => server && main?.default === target ? server : undefined);
}

/**
 * Shuts the process down gracefully on SIGINT/SIGTERM: `close()` runs, then the process exits.
 * Returns the function that stops listening for the signals (nothing is installed on Windows).
 */
export function exitOnSignals(close: () => Promise<void>): () => void {
  if (Deno.build.os === "windows") return () => {};
  const handler = () => void close().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGINT", handler);
  Deno.addSignalListener("SIGTERM", handler);
  return () => {
    Deno.removeSignalListener("SIGINT", handler);
    Deno.removeSignalListener("SIGTERM", handler);
  };
}
