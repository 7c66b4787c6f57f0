/**
 * `denomcp dev <server.ts>`: the server over HTTP, restarted on change, with the official MCP
 * Inspector (`npm:@modelcontextprotocol/inspector`, its web UI) pointed at it. The Inspector runs
 * under Deno from the npm registry; its token is chosen here, so the URL printed opens a session
 * that is already allowed to connect.
 *
 * @module
 */

import { exitOnSignals } from "../server/run.ts";
import { parsePortFlag } from "./flags.ts";
import { note, out } from "./output.ts";
import { watchServe } from "./watch.ts";

/** The Inspector release `dev` runs unless `--inspector-version` names another. */
export const INSPECTOR_VERSION = "2.12.0";

/** Options of `denomcp dev`. */
export interface DevOptions {
  host?: string;
  serverPort?: string;
  uiPort?: string;
  /** False with `--no-open`: the Inspector does not open a browser. */
  open?: boolean;
  inspectorVersion?: string;
}

function token(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Starts the Inspector and resolves with the URL it serves its UI on. */
async function startInspector(
  serverUrl: string,
  options: { host: string; uiPort: number; open: boolean; version: string },
): Promise<{ url: string; child: Deno.ChildProcess }> {
  const secret = token();
  // Deno would use the node_modules of a package.json above the working directory: start from an empty one.
  const cwd = await Deno.makeTempDir({ prefix: "denomcp-inspector-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-config",
      `npm:@modelcontextprotocol/inspector@${options.version}`,
      "--web",
      "--transport",
      "http",
      "--server-url",
      serverUrl,
    ],
    cwd,
    env: {
      HOST: options.host,
      CLIENT_PORT: String(options.uiPort),
      // Its other two listeners (the MCP Apps sandbox and app origin) take any free port.
      MCP_SANDBOX_PORT: "0",
      MCP_APP_ORIGIN_PORT: "0",
      MCP_INSPECTOR_API_TOKEN: secret,
      MCP_AUTO_OPEN_ENABLED: options.open ? "true" : "false",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  void child.status.finally(() => Deno.remove(cwd, { recursive: true }).catch(() => {}));
  let seen = "";
  let errors = "";
  void (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      errors = (errors + chunk).slice(-4000);
    }
  })();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) {
      const status = await child.status;
      throw new Error(
        `the MCP Inspector exited (${status.code}) before it was ready:\n${(seen + errors).trim()}`,
      );
    }
    seen += value;
    const ready = /up and running at:\s*(https?:\/\/\S+)/.exec(seen);
    if (!ready) continue;
    void (async () => {
      while (!(await reader.read()).done) { /* its later output is not needed */ }
    })();
    const url = new URL(ready[1]);
    url.searchParams.set("MCP_INSPECTOR_API_TOKEN", secret);
    return { url: url.href, child };
  }
}

/** Runs `denomcp dev`: resolves when interrupted. */
export async function dev(server: string, options: DevOptions): Promise<void> {
  const host = options.host ?? "127.0.0.1";
  const watching = watchServe({
    server,
    host,
    port: parsePortFlag(options.serverPort, "--server-port", { fallback: 8000 })!,
  });
  let inspector: Deno.ChildProcess | undefined;
  const stop = async () => {
    try {
      inspector?.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await Promise.all([watching.stop(), inspector?.status]);
  };
  exitOnSignals(stop);
  try {
    const serverUrl = await watching.ready;
    const started = await startInspector(serverUrl, {
      host,
      uiPort: parsePortFlag(options.uiPort, "--ui-port", { fallback: 6274 })!,
      open: options.open !== false,
      version: options.inspectorVersion ?? INSPECTOR_VERSION,
    });
    inspector = started.child;
    note(`MCP server on ${serverUrl} (restarted when a file beside it changes)`);
    out(`MCP Inspector: ${started.url}`);
    const status = await started.child.status;
    await watching.stop();
    if (!status.success) throw new Error(`the MCP Inspector exited (${status.code})`);
  } catch (error) {
    await stop();
    throw error;
  }
}
