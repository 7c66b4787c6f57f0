/**
 * The stdio transport: the server is a subprocess started with `Deno.Command`, one JSON-RPC
 * message per line on its stdin and stdout (MCP transports §stdio). Its stderr is passed
 * through to ours unless the caller says otherwise.
 *
 * @module
 */

import type { JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import { decodeMessage } from "../../protocol/message.ts";
import { ConnectionError } from "../errors.ts";
import type { ClientTransport, Receiver } from "./transport.ts";

/** How to start a stdio server. */
export interface StdioParams {
  /** Program to run (a path or a name looked up on `PATH`). */
  command: string;
  /** Its arguments. */
  args?: string[];
  /** Extra environment variables, added to the inherited environment. */
  env?: Record<string, string>;
  /** Working directory of the subprocess. */
  cwd?: string;
  /** What happens to the server's stderr: passed through (default) or discarded. */
  stderr?: "inherit" | "null";
  /** How long `close()` waits for the process to exit after closing its stdin, in ms (default 2000). */
  closeTimeoutMs?: number;
}

const encoder = new TextEncoder();

/** A transport over a subprocess's stdin and stdout. */
export class StdioTransport implements ClientTransport {
  readonly kind = "stdio";
  readonly #params: StdioParams;
  #receive: Receiver = () => {};
  #onClosed: (error: Error) => void = () => {};
  #child?: Deno.ChildProcess;
  #writer?: WritableStreamDefaultWriter<Uint8Array>;
  #reading?: Promise<void>;
  #closed = false;

  /** Creates the transport; nothing starts until `start()`. */
  constructor(params: StdioParams) {
    this.#params = params;
  }

  /** Process id of the server, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the subprocess and begins reading its stdout. */
  start(receive: Receiver, closed: (error: Error) => void): Promise<void> {
    this.#receive = receive;
    this.#onClosed = closed;
    if (this.#child) throw new ConnectionError("stdio transport already started");
    const { command, args = [], env, cwd, stderr = "inherit" } = this.#params;
    try {
      this.#child = new Deno.Command(command, {
        args,
        env,
        cwd,
        stdin: "piped",
        stdout: "piped",
        stderr,
      }).spawn();
    } catch (cause) {
      const why = cause instanceof Deno.errors.NotFound
        ? "command not found"
        : cause instanceof Error
        ? cause.message
        : String(cause);
      return Promise.reject(new ConnectionError(`cannot start '${command}': ${why}`, { cause }));
    }
    this.#writer = this.#child.stdin.getWriter();
    this.#reading = this.#read(this.#child.stdout);
    return Promise.resolve();
  }

  async #read(stdout: ReadableStream<Uint8Array>): Promise<void> {
    let buffer = "";
    try {
      for await (const chunk of stdout.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf("\n")) !== -1) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          if (!line.trim()) continue;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            // A stray line (a server printing to stdout) is not fatal; it is not a message either.
            continue;
          }
          const message = decodeMessage(value);
          if (message.kind !== "invalid") this.#receive(message);
        }
      }
    } catch {
      // The pipe broke: the process is gone, which the close below reports.
    }
    if (!this.#closed) {
      const status = await this.#child?.status.catch(() => undefined);
      this.#onClosed(
        new ConnectionError(
          `the server process exited${status ? ` with code ${status.code}` : ""} (${this.#params.command})`,
        ),
      );
      void this.close();
    }
  }

  /** Writes one message as a line on the server's stdin. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (!this.#writer || this.#closed) throw new ConnectionError("stdio transport is not connected");
    await this.#writer.write(encoder.encode(JSON.stringify(message) + "\n"));
  }

  /**
   * Closes stdin, waits for the server to exit (MCP lifecycle §shutdown), then sends SIGTERM and
   * finally SIGKILL if it lingers.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.#child;
    if (child) {
      await this.#writer?.close().catch(() => {});
      const grace = this.#params.closeTimeoutMs ?? 2000;
      if (!(await exitsWithin(child, grace))) {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        if (!(await exitsWithin(child, grace))) {
          try {
            child.kill("SIGKILL");
          } catch { /* already gone */ }
          await child.status;
        }
      }
      await this.#reading;
    }
  }
}

async function exitsWithin(child: Deno.ChildProcess, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([child.status.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
