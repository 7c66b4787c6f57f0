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
  /** Runs `callback` when (or if already) the runtime serves the default export. */
  onServed(callback: () => void): void;
  /** Stops watching and restores `Deno.serve`. */
  stop(): void;
}

/**
 * Under `deno serve` the runtime calls `Deno.serve` for the module's default export once the
 * module has been evaluated, and `import.meta.main` is true there as well. Its call is told
 * apart from user calls by the runtime's private symbol-keyed option. Watching for it lets one
 * file work with `deno run` and `deno serve`, even when `run()` is awaited at top level (module
 * evaluation then finishes only after `run()` resolves, which is why `run()` resolves once its
 * transport is up rather than when it ends).
 */
export function watchDeclarativeServe(): ServeWatch {
  const original = Deno.serve;
  let served = false;
  const callbacks: (() => void)[] = [];
  const watcher = function (this: unknown, ...args: unknown[]) {
    const options = args[0];
    if (
      !served && typeof options === "object" && options !== null &&
      Object.getOwnPropertySymbols(options).length > 0
    ) {
      served = true;
      restore();
      for (const callback of callbacks.splice(0)) callback();
    }
    return (original as (...a: unknown[]) => unknown).apply(Deno, args);
  };
  const restore = () => {
    if (Deno.serve === (watcher as unknown)) Deno.serve = original;
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
