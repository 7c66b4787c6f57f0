/**
 * The program a sandbox process runs, as source text. It is sent as a `data:` URL, so the
 * sandbox needs no file, no package and no network to start, and nothing outside this text runs
 * in it but the code it is given. Two threads: the main one speaks to the server over stdin and
 * stdout (one JSON object per line) and watches the process's memory; a Worker runs the code, so
 * a synchronous loop there cannot stop the watch.
 *
 * The functions below are never called in the server: their source is. They must not refer to
 * anything outside themselves.
 *
 * @module
 */

/** What the sandbox says on stdout, one JSON object per line. */
export type SandboxMessage =
  | { type: "ready" }
  | { type: "call"; id: number; name: string; args: string }
  | { type: "done"; value: string; output: string }
  | { type: "error"; name: string; message: string; line?: number; column?: number; output: string }
  | { type: "memory"; rss: number; limit: number };

/** What the server says on stdin. */
export type ServerMessage =
  | { type: "run"; module: string; maxOutputBytes: number }
  | { type: "reply"; id: number; ok: true; value: string }
  | { type: "reply"; id: number; ok: false; message: string };

/** The main thread: relays between stdin/stdout and the worker, and enforces the memory limit. */
function sandboxMain(workerSource: string): void {
  // The process's resident memory may grow this many bytes over what it held when the worker was
  // ready (0: no limit). The V8 heap limit alone would miss ArrayBuffers, which live outside it.
  const memoryLimitBytes = Number(Deno.args[0] ?? 0);
  const encoder = new TextEncoder();
  const send = (message: unknown) => {
    let bytes = encoder.encode(JSON.stringify(message) + "\n");
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  };
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(workerSource)}`, { type: "module" });
  let baseline = 0;
  worker.onmessage = (event: MessageEvent) => {
    const message = event.data as { type: string };
    if (message.type === "ready") baseline = Deno.memoryUsage().rss;
    send(message);
    if (message.type === "done" || message.type === "error") Deno.exit(0);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    send({ type: "error", name: "Error", message: event.message, output: "" });
    Deno.exit(0);
  };
  const watchMemory = () => {
    if (memoryLimitBytes <= 0) return;
    const limit = baseline + memoryLimitBytes;
    setInterval(() => {
      const rss = Deno.memoryUsage().rss;
      if (rss <= limit) return;
      send({ type: "memory", rss, limit: memoryLimitBytes });
      Deno.exit(3);
    }, 10);
  };
  (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of Deno.stdin.readable) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffered.slice(0, newline)) as { type: string };
        buffered = buffered.slice(newline + 1);
        if (message.type === "run") watchMemory();
        worker.postMessage(message);
      }
    }
    // The server is gone: so is the sandbox.
    Deno.exit(0);
  })();
}

/** The worker: runs the code with `callTool` and a console that records what it prints. */
function sandboxWorker(): void {
  // This runs in a worker; the server's types describe a window.
  const scope = self as unknown as {
    postMessage(message: unknown): void;
    onmessage: ((event: MessageEvent) => void) | null;
  };
  const post = scope.postMessage.bind(scope);
  // Taken now: code that replaces the globals breaks only its own use of them.
  const { stringify, parse } = JSON;
  const inspect = Deno.inspect;
  const encoder = new TextEncoder();
  let maxOutputBytes = 0;
  let output = "";
  let outputBytes = 0;
  let outputFull = false;
  const print = (...args: unknown[]) => {
    if (outputFull) return;
    const line =
      args.map((a) => typeof a === "string" ? a : inspect(a, { depth: 6, colors: false })).join(" ") +
      "\n";
    const bytes = encoder.encode(line).length;
    if (maxOutputBytes > 0 && outputBytes + bytes > maxOutputBytes) {
      outputFull = true;
      output += `[console output cut at ${maxOutputBytes} bytes]\n`;
      return;
    }
    output += line;
    outputBytes += bytes;
  };
  const quiet = () => {};
  const sandboxConsole: Record<string, unknown> = {};
  for (const key of Object.keys(console)) {
    const printing = ["log", "info", "debug", "warn", "error", "dir", "table", "trace"].includes(key);
    sandboxConsole[key] = printing ? print : quiet;
  }
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const callTool = (name: unknown, args: unknown = {}): Promise<unknown> => {
    if (typeof name !== "string") {
      return Promise.reject(new TypeError("callTool(name, args): name must be a string"));
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      return Promise.reject(new TypeError("callTool(name, args): args must be an object"));
    }
    let json: string;
    try {
      json = stringify(args);
    } catch (error) {
      return Promise.reject(
        new TypeError(`callTool(name, args): args cannot be sent as JSON: ${String(error)}`),
      );
    }
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      post({ type: "call", id, name, args: json });
    });
  };
  const refuse = (what: string) => () => {
    throw new Error(`${what} is not available in the sandbox`);
  };
  const fix = (target: object, key: string, value: unknown) => {
    try {
      Object.defineProperty(target, key, { value, writable: false, configurable: false });
    } catch {
      // Not configurable here: whatever it does, the server sees only this process end.
    }
  };
  fix(globalThis, "console", sandboxConsole);
  fix(globalThis, "callTool", callTool);
  fix(globalThis, "close", refuse("close()"));
  fix(Deno, "exit", refuse("Deno.exit()"));
  // The streams the main thread speaks on are not the code's to write to.
  for (const stream of ["stdin", "stdout", "stderr"]) fix(Deno, stream, undefined);

  const location = (error: unknown): { line?: number; column?: number } => {
    const stack = error instanceof Error ? String(error.stack ?? "") : "";
    const at = /data:application\/typescript;base64,[A-Za-z0-9+/=]+:(\d+):(\d+)/.exec(stack);
    return at ? { line: Number(at[1]), column: Number(at[2]) } : {};
  };
  scope.onmessage = async (event: MessageEvent) => {
    const message = event.data as
      | { type: "run"; module: string; maxOutputBytes: number }
      | { type: "reply"; id: number; ok: boolean; value?: string; message?: string };
    if (message.type === "reply") {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (!waiting) return;
      if (message.ok) waiting.resolve(parse(message.value!));
      else waiting.reject(new Error(message.message));
      return;
    }
    maxOutputBytes = message.maxOutputBytes;
    try {
      const module = await import(`data:application/typescript;base64,${message.module}`);
      const value = await module.default();
      let json: string;
      try {
        json = stringify(value === undefined ? null : value);
      } catch (error) {
        throw new TypeError(`the returned value cannot be sent as JSON: ${(error as Error).message}`);
      }
      post({ type: "done", value: json, output });
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      const text = error instanceof Error ? error.message : String(error);
      post({ type: "error", name, message: text, ...location(error), output });
    }
  };
  post({ type: "ready" });
}

/** The sandbox program: the main thread's source, with the worker's inside it. */
export const SANDBOX_PROGRAM: string = `(${sandboxMain.toString()})(${
  JSON.stringify(`(${sandboxWorker.toString()})();`)
});`;
