/**
 * One sandbox: a `deno` process with no permissions at all, no config, no packages and no remote
 * imports, with a V8 heap limit, running {@link SANDBOX_PROGRAM}. It runs one piece of code and
 * ends; nothing carries over from one execution to the next. Everything it says is untrusted:
 * lines are bounded, messages checked, tool calls counted here rather than in the sandbox, and
 * the time limit is a kill from outside.
 *
 * @module
 */

import { concatBytes } from "../../protocol/bytes.ts";
import { toBase64 } from "../components/content.ts";
import { readLines } from "../line_reader.ts";
import { MODULE_PREFIX } from "./module_source.ts";
import { SANDBOX_PROGRAM, type SandboxMessage, type ServerMessage } from "./sandbox_runner.ts";

/** How a sandbox process is started and bounded. */
export interface SandboxSpawnOptions {
  /** The `deno` executable. */
  readonly denoPath: string;
  /** Heap limit and growth of resident memory allowed, in MB; null for none. */
  readonly memoryLimitMb: number | null;
  /** The longest line the sandbox may write (a call's arguments, the result), in bytes. */
  readonly maxMessageBytes: number;
}

/** What one execution needs from the server. */
export interface SandboxRun {
  /** The module to run (TypeScript whose default export is an async function). */
  readonly module: string;
  /** Wall time from the start of the code, in ms; null for none. */
  readonly timeoutMs: number | null;
  /** Console output kept, in bytes; null for all. */
  readonly maxOutputBytes: number | null;
  /** Aborting it kills the sandbox at once. */
  readonly signal: AbortSignal;
  /** Runs a tool the code called; resolves with the JSON of what the code gets back. */
  readonly callTool: (name: string, args: Record<string, unknown>) => Promise<string>;
}

/** How an execution ended. */
export type SandboxOutcome =
  | { ok: true; value: unknown; output: string }
  | {
    ok: false;
    /** `code`: the code threw; the others: the sandbox was stopped or broke. */
    reason: "code" | "timeout" | "memory" | "cancelled" | "crashed";
    message: string;
    output: string;
  };

const STDERR_KEPT_BYTES = 8192;
const encoder = new TextEncoder();

/** The program as a `data:` URL (base64, so its bytes reach the sandbox untouched). */
const PROGRAM_URL = `data:application/javascript;base64,${toBase64(encoder.encode(SANDBOX_PROGRAM))}`;

/** A started sandbox process, waiting for code. */
export class Sandbox {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncGenerator<{ text: string } | { tooLong: number }>;
  readonly #stderr: Promise<string>;
  /** Resolves when the sandbox said it is ready; rejects when it ended first. */
  readonly ready: Promise<void>;
  #killed = false;

  /** Starts a sandbox process. */
  constructor(private readonly options: SandboxSpawnOptions) {
    const args = [
      "run",
      "--quiet",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--no-npm",
      "--deny-import",
    ];
    if (options.memoryLimitMb !== null) args.push(`--v8-flags=--max-old-space-size=${options.memoryLimitMb}`);
    args.push(PROGRAM_URL, String(options.memoryLimitMb === null ? 0 : options.memoryLimitMb * 1024 * 1024));
    this.#child = new Deno.Command(options.denoPath, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      // The server's environment is not the sandbox's business (DENO_V8_FLAGS would even change
      // its limits). Windows keeps it: processes there need SystemRoot and its kin to start.
      clearEnv: Deno.build.os !== "windows",
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = readLines(this.#child.stdout.getReader(), options.maxMessageBytes);
    this.#stderr = keepStart(this.#child.stderr, STDERR_KEPT_BYTES);
    this.ready = this.#next().then((message) => {
      if (message?.type !== "ready") throw new Error("the sandbox did not start");
    });
    // Whoever takes the sandbox awaits `ready`; until then a failure is not unhandled.
    this.ready.catch(() => {});
  }

  /** Runs code once; the process has ended when this resolves. */
  async run(run: SandboxRun): Promise<SandboxOutcome> {
    let output = "";
    let stopped: "timeout" | "cancelled" | undefined;
    const stop = (why: "timeout" | "cancelled") => {
      stopped ??= why;
      this.kill();
    };
    const onAbort = () => stop("cancelled");
    run.signal.addEventListener("abort", onAbort, { once: true });
    if (run.signal.aborted) stop("cancelled");
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await this.ready;
      if (run.timeoutMs !== null) timer = setTimeout(() => stop("timeout"), run.timeoutMs);
      await this.#send({ type: "run", module: run.module, maxOutputBytes: run.maxOutputBytes ?? 0 });
      while (true) {
        const message = await this.#next();
        if (message === undefined) break;
        if (message.type === "call") {
          this.#answer(message, run);
          continue;
        }
        if (message.type === "done") {
          return { ok: true, value: JSON.parse(message.value), output: message.output };
        }
        if (message.type === "error") {
          output = message.output;
          // The code starts on the module's first line, after the function it is the body of.
          const column = message.line === 1 ? message.column! - MODULE_PREFIX.length : message.column;
          const at = message.line === undefined ? "" : ` (line ${message.line}, column ${column})`;
          return { ok: false, reason: "code", message: `${message.name}: ${message.message}${at}`, output };
        }
        if (message.type === "memory") {
          this.kill();
          return { ok: false, reason: "memory", message: "", output };
        }
      }
      if (stopped) return { ok: false, reason: stopped, message: "", output };
      return await this.#ended(output);
    } catch (error) {
      if (stopped) return { ok: false, reason: stopped, message: "", output };
      this.kill();
      return { ok: false, reason: "crashed", message: (error as Error).message, output };
    } finally {
      clearTimeout(timer);
      run.signal.removeEventListener("abort", onAbort);
      this.kill();
      await this.closed();
    }
  }

  /** Ends the process now (idempotent). */
  kill(): void {
    if (this.#killed) return;
    this.#killed = true;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Resolves when the process has ended and its pipes are released. */
  async closed(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
    for await (const _ of this.#lines) { /* drained: the pipe is released */ }
    await this.#stderr;
  }

  /** Why the process ended without a last word: out of memory, or a crash. */
  async #ended(output: string): Promise<SandboxOutcome> {
    const [status, stderr] = await Promise.all([this.#child.status, this.#stderr]);
    // V8 ends the process itself when the heap limit is reached.
    if (/out of memory|heap limit/i.test(stderr)) return { ok: false, reason: "memory", message: "", output };
    const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
    return { ok: false, reason: "crashed", message: `the sandbox process ended (${how})`, output };
  }

  /** Runs a call and answers it, without holding up the reading of further messages. */
  #answer(message: { id: number; name: string; args: string }, run: SandboxRun): void {
    let args: unknown;
    try {
      args = JSON.parse(message.args);
    } catch {
      args = undefined;
    }
    const reply = (typeof args === "object" && args !== null && !Array.isArray(args))
      ? run.callTool(message.name, args as Record<string, unknown>)
      : Promise.reject(new TypeError("callTool(name, args): args must be an object"));
    reply.then(
      (value): ServerMessage => ({ type: "reply", id: message.id, ok: true, value }),
      (error): ServerMessage => ({
        type: "reply",
        id: message.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
    ).then((answer) => this.#send(answer)).catch(() => {
      // The sandbox is gone; its outcome says why.
    });
  }

  async #send(message: ServerMessage): Promise<void> {
    await this.#writer.write(encoder.encode(JSON.stringify(message) + "\n"));
  }

  /** The next message, or undefined when the process ended; a malformed one is an error. */
  async #next(): Promise<SandboxMessage | undefined> {
    const { value, done } = await this.#lines.next();
    if (done) return undefined;
    if ("tooLong" in value) {
      throw new Error(
        `the sandbox wrote a message of ${value.tooLong} bytes, over ${this.options.maxMessageBytes}`,
      );
    }
    let message: unknown;
    try {
      message = JSON.parse(value.text);
    } catch {
      throw new Error("the sandbox wrote something that is not a message");
    }
    if (!isMessage(message)) throw new Error("the sandbox wrote something that is not a message");
    return message;
  }
}

function isMessage(value: unknown): value is SandboxMessage {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case "ready":
    case "memory":
      return true;
    case "call":
      return Number.isSafeInteger(m.id) && typeof m.name === "string" && typeof m.args === "string";
    case "done":
      return typeof m.value === "string" && typeof m.output === "string";
    case "error":
      return typeof m.name === "string" && typeof m.message === "string" && typeof m.output === "string";
    default:
      return false;
  }
}

/** The first `limit` bytes of a stream as text; the rest is read and dropped. */
async function keepStart(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const kept: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size >= limit) continue;
    kept.push(chunk.subarray(0, limit - size));
    size += Math.min(chunk.length, limit - size);
  }
  return new TextDecoder().decode(concatBytes(kept, size));
}
