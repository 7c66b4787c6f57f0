/**
 * `denomcp run --watch`: the server runs in a child process (this CLI's own `run`) on a fixed
 * port, and is restarted when a source file under its folder changes. A child, not a re-import:
 * a module graph cannot be unloaded, and a crash in the new code must not end the watcher.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { note } from "./output.ts";
import { selfCommand } from "./self_command.ts";
import { parseServerSpec } from "./server_spec.ts";

const SOURCES = /\.(ts|tsx|mts|js|mjs|jsx|json|jsonc)$/i;
const IGNORED = /[\\/](node_modules|\.git)[\\/]/;
const SETTLE_MS = 150;

/** What the watched server is served with. */
export interface WatchedServe {
  /** The `<server>` argument (a file; its folder is watched). */
  server: string;
  host: string;
  /** A fixed port (0 picks one on the first start and keeps it). */
  port: number;
  path?: string;
  stateless?: boolean;
  /** Called with the endpoint's URL each time the server is up. */
  onReady?: (url: string) => void;
}

/** A running watcher. */
export interface Watching {
  /** The endpoint's URL, once the first start succeeded. */
  readonly ready: Promise<string>;
  /** Stops the watcher and the server. */
  stop(): Promise<void>;
}

/** Serves `options.server` over HTTP in a child, restarted on every change of a source file beside it. */
export function watchServe(options: WatchedServe): Watching {
  const spec = parseServerSpec(options.server);
  const folder = dirname(resolve(spec.kind === "file" ? spec.path : options.server));
  let port = options.port;
  let child: Deno.ChildProcess | undefined;
  let stopped = false;
  let resolveReady!: (url: string) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<string>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {});

  const start = () => {
    const [command, prefix] = selfCommand();
    const args = [
      ...prefix,
      "run",
      options.server,
      "--transport",
      "http",
      "--host",
      options.host,
      "--port",
      String(port),
      ...(options.path ? ["--path", options.path] : []),
      ...(options.stateless ? ["--stateless"] : []),
    ];
    const proc = child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    })
      .spawn();
    // The child's start-up line says where it listens; everything else passes through.
    void (async () => {
      let pending = "";
      for await (const chunk of proc.stderr.pipeThrough(new TextDecoderStream())) {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          const serving = /serving MCP on (\S+)/.exec(line);
          if (serving) {
            port = Number(new URL(serving[1]).port) || port;
            resolveReady(serving[1]);
            options.onReady?.(serving[1]);
          }
          console.error(line);
        }
      }
    })();
    void proc.status.then((status) => {
      if (stopped || child !== proc) return;
      note(`the server exited (${status.code}); waiting for a change to restart it`);
      rejectReady(new Error(`the server exited with ${status.code} before it was ready`));
    });
  };

  const restart = async (why: string) => {
    note(`restarting: ${why}`);
    const old = child;
    child = undefined;
    if (old) {
      try {
        old.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await old.status;
    }
    if (!stopped) start();
  };

  const watcher = Deno.watchFs(folder, { recursive: true });
  void (async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let changed = "";
    for await (const event of watcher) {
      const path = event.paths.find((p) => SOURCES.test(p) && !IGNORED.test(p));
      if (!path || event.kind === "access") continue;
      changed = path;
      // An editor's save is several events; one restart follows them.
      clearTimeout(timer);
      timer = setTimeout(() => void restart(`${changed} changed`), SETTLE_MS);
    }
    clearTimeout(timer);
  })();

  start();
  return {
    ready,
    async stop() {
      stopped = true;
      watcher.close();
      const proc = child;
      child = undefined;
      if (!proc) return;
      try {
        proc.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await proc.status;
    },
  };
}
