/**
 * Subprocesses for end-to-end tests: start a Deno program, wait for a line on its stderr, stop
 * it cleanly, and pick free ports.
 *
 * @module
 */

/** A started subprocess whose stderr announced it was ready. */
export interface Started {
  readonly child: Deno.ChildProcess;
  /** The match of the ready pattern. */
  readonly match: RegExpExecArray;
  /** Everything the process printed on stderr so far. */
  stderr(): string;
  /** Stops the process (SIGTERM by default) and waits for it and its pipes; returns its status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Options of {@link startDeno}. */
export interface StartOptions {
  cwd?: string | URL;
  env?: Record<string, string>;
  /** Pipe stdin (to close it in the test). Default false. */
  stdin?: boolean;
}

/**
 * Runs `deno <args>` and resolves once its stderr matches `ready`. The rest of stderr keeps being
 * drained so the child never blocks on a full pipe; a child that exits first is an error with
 * what it printed.
 */
export async function startDeno(args: string[], ready: RegExp, options: StartOptions = {}): Promise<Started> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin ? "piped" : "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`deno ${args.join(" ")} exited before it was ready:\n${seen}`);
    seen += value;
    const match = ready.exec(seen);
    if (!match) continue;
    const drain = (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
    })();
    return {
      child,
      match,
      stderr: () => seen,
      async stop(signal: Deno.Signal = "SIGTERM") {
        try {
          child.kill(signal);
        } catch {
          // Already gone.
        }
        const status = await child.status;
        await drain;
        if (options.stdin) await child.stdin.close().catch(() => {});
        return status;
      },
    };
  }
}

/** A TCP port that was free a moment ago (another process may still take it first). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
