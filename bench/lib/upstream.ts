/**
 * The upstream of the proxy benchmark servers: bench/servers/add.ts as a child process on a port
 * of its own, and a stop that ends it before the proxy (an orphan would hold the bench's stderr
 * pipe open, and the bench would never end).
 *
 * @module
 */

import { freePort, waitListening } from "./ports.ts";

/** A running upstream: its MCP endpoint and its process. */
export interface Upstream {
  url: string;
  process: Deno.ChildProcess;
}

/** Starts bench/servers/add.ts and resolves once it accepts connections. */
export async function startUpstream(): Promise<Upstream> {
  const port = freePort();
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../servers/add.ts", import.meta.url).pathname],
    env: { PORT: String(port) },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await waitListening(port, process, 10_000);
  return { url: `http://127.0.0.1:${port}/mcp`, process };
}

/** On SIGTERM or SIGINT: end the upstream, then `close` (at most 1 s), then exit. */
export function stopWith(upstream: Upstream, close: () => Promise<void>): void {
  const stop = () => {
    try {
      upstream.process.kill("SIGTERM");
    } catch { /* already gone */ }
    void Promise.race([close(), new Promise((r) => setTimeout(r, 1_000))]).finally(async () => {
      await upstream.process.status;
      Deno.exit(0);
    });
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
