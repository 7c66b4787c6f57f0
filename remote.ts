/**
 * The remote bridge: a stdio MCP server that stands in for one HTTP MCP server, for hosts that
 * only launch local commands.
 *
 * ```sh
 * deno run -A jsr:@denomcp/denomcp/remote https://example.com/mcp
 * ```
 *
 * OAuth starts by itself when the server asks for it (unless an `Authorization` header is
 * given): the browser opens, the code comes back to a loopback callback, and the tokens are kept
 * in a file per server (or per `--resource`) under `$DENOMCP_REMOTE_CONFIG_DIR`, by default
 * `denomcp/remote/` in the user's configuration directory, so the next start reuses them.
 *
 * Permissions: `--allow-net` (the server, its authorization server, the loopback callback),
 * `--allow-env` (header variables, `BROWSER`, the configuration directory), `--allow-read` and
 * `--allow-write` on the configuration directory, `--allow-run` to open the browser.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client } from "./client/client.ts";
import { ClientError } from "./client/errors.ts";
import { OAuth } from "./client/oauth.ts";
import { FileTokenStore, userConfigDir } from "./client/token_store.ts";
import type { ClientTarget } from "./client/types.ts";
import { createProxy } from "./server/providers/proxy/create_proxy.ts";
import type { FastMCP } from "./server/fastmcp.ts";
import type { Transform } from "./server/transforms/transform.ts";
import type { LoggingLevel } from "./protocol/types.ts";

/** What the bridge runs with; {@link parseRemoteArgs} builds it from a command line. */
export interface RemoteOptions {
  /** The HTTP MCP server. */
  url: URL;
  /** `http` (Streamable HTTP only), `sse` (legacy HTTP+SSE only) or `auto` (HTTP, then SSE): default `auto`. */
  transport?: "auto" | "http" | "sse";
  /** Headers sent with every request, already expanded. */
  headers?: Record<string, string>;
  /** `oauth` (default, unless `headers` has `Authorization`) or `none`. */
  auth?: "oauth" | "none";
  /** Keeps this bridge's tokens apart from other bridges to the same server (default: the URL). */
  resource?: string;
  /** Host of the OAuth callback (default `127.0.0.1`). */
  callbackHost?: string;
  /** Port of the OAuth callback (default: a free one). */
  callbackPort?: number;
  /** How long to wait for the user to authorize, in ms (default 300 000). */
  authTimeoutMs?: number;
  /** Tools hidden from the host, as globs (`*` any run of characters, `?` one). */
  ignoreTools?: string[];
  /** Where token files are kept (default `$DENOMCP_REMOTE_CONFIG_DIR` or `denomcp/remote` in the user's configuration directory). */
  configDir?: string;
  /** The bridge's own log level on stderr (default `warning`). */
  logLevel?: LoggingLevel;
}

/** A command line the bridge cannot run with; `main` prints it and exits with status 2. */
export class RemoteUsageError extends Error {
  /** Creates the error; `message` names the argument at fault (empty for `--help`). */
  constructor(message: string) {
    super(message);
    this.name = "RemoteUsageError";
  }
}

/** Usage text of the bridge. */
export const REMOTE_USAGE = `Usage: remote <url> [callback-port] [options]

A stdio MCP server that proxies to the HTTP MCP server at <url>.

Options:
  --transport http|sse|auto  Streamable HTTP only, legacy SSE only, or HTTP then SSE (default auto)
  --header "Name: Value"     Send a header; \${VAR} expands from the environment (repeatable)
  --auth oauth|none          OAuth when the server asks (default, unless an Authorization header is given)
  --resource <id>            Keep tokens apart from other bridges to the same server
  --host <host>              OAuth callback host (default 127.0.0.1)
  --auth-timeout <seconds>   How long to wait for the browser (default 300)
  --ignore-tool <glob>       Hide matching tools (repeatable)
  --debug | --silent         More or no logging on stderr
  -h, --help                 Show this help
`;

/** Expands `${NAME}` from `env`; a variable that is not set is an error naming it. */
export function expandEnv(value: string, env: (name: string) => string | undefined, where: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env(name);
    if (found === undefined) {
      throw new RemoteUsageError(`${where}: the environment variable ${name} is not set`);
    }
    return found;
  });
}

/**
 * Reads the bridge's command line.
 *
 * @example
 * ```ts
 * import { parseRemoteArgs } from "@denomcp/denomcp/remote";
 * const options = parseRemoteArgs(["https://example.com/mcp", "--header", "X-Team: ${TEAM}"], () => "blue");
 * console.log(options.headers); // { "X-Team": "blue" }
 * ```
 */
export function parseRemoteArgs(
  args: string[],
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): RemoteOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        transport: { type: "string" },
        header: { type: "string", multiple: true },
        auth: { type: "string" },
        resource: { type: "string" },
        host: { type: "string" },
        "auth-timeout": { type: "string" },
        "ignore-tool": { type: "string", multiple: true },
        debug: { type: "boolean" },
        silent: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new RemoteUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new RemoteUsageError("");
  const [rawUrl, rawPort, ...extra] = positionals;
  if (!rawUrl) throw new RemoteUsageError("the server URL is missing");
  if (extra.length) throw new RemoteUsageError(`unexpected argument: ${extra[0]}`);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new RemoteUsageError(`not a URL: ${rawUrl}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new RemoteUsageError(`the server URL must be http or https: ${rawUrl}`);
  }
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(":");
    const name = colon > 0 ? header.slice(0, colon).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new RemoteUsageError(`--header "${header}": expected "Name: Value"`);
    }
    headers[name] = expandEnv(header.slice(colon + 1).trim(), env, `--header ${name}`);
  }
  const oneOf = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[]) => {
    if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
    throw new RemoteUsageError(`--${flag} must be one of ${allowed.join(", ")}, not ${value}`);
  };
  const number = (flag: string, value: string | undefined, max: number) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new RemoteUsageError(`${flag} must be an integer from 0 to ${max}: ${value}`);
    }
    return n;
  };
  const timeout = number("--auth-timeout", values["auth-timeout"], 86_400);
  return {
    url,
    transport: oneOf("transport", values.transport, ["auto", "http", "sse"] as const),
    headers,
    auth: oneOf("auth", values.auth, ["oauth", "none"] as const),
    resource: values.resource,
    callbackHost: values.host,
    callbackPort: number("callback-port", rawPort, 65_535),
    authTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    ignoreTools: values["ignore-tool"] ?? [],
    configDir: env("DENOMCP_REMOTE_CONFIG_DIR"),
    logLevel: values.debug ? "debug" : values.silent ? "emergency" : undefined,
  };
}

/** A glob as a whole-name pattern: `*` any run of characters, `?` one. */
function globPattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${body}$`);
}

/** Hides tools whose names match any of `globs`, in listings and calls alike. */
function ignoreTools(globs: string[]): Transform {
  const patterns = globs.map(globPattern);
  const ignored = (name: string) => patterns.some((p) => p.test(name));
  return {
    listTools: (tools) => tools.filter((t) => !ignored(t.name)),
    getTool: (name, version, next) => (ignored(name) ? undefined : next(name, version)),
  };
}

/** The token file of a server (or a `--resource`): one file each, named by a digest. */
async function tokenFile(options: RemoteOptions): Promise<string> {
  const dir = options.configDir ?? `${userConfigDir()}/denomcp/remote`;
  const key = new TextEncoder().encode(options.resource ?? options.url.href);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", key));
  const hex = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${dir}/${hex}.json`;
}

/**
 * The bridge as a server: a proxy of `options.url` whose listings fail (rather than come back
 * empty) when the server cannot be reached. Run it with `.run({ transport: "stdio" })`.
 *
 * @example
 * ```ts
 * import { remoteProxy } from "@denomcp/denomcp/remote";
 * const bridge = await remoteProxy({ url: new URL("https://example.com/mcp"), ignoreTools: ["delete_*"] });
 * // await bridge.run({ transport: "stdio" });
 * await bridge.close();
 * ```
 */
export async function remoteProxy(options: RemoteOptions): Promise<FastMCP> {
  const headers = options.headers ?? {};
  const hasAuthorization = Object.keys(headers).some((h) => h.toLowerCase() === "authorization");
  const useOAuth = (options.auth ?? (hasAuthorization ? "none" : "oauth")) === "oauth";
  const auth = useOAuth
    ? new OAuth({
      clientName: "denomcp-remote",
      store: new FileTokenStore(await tokenFile(options)),
      callback: { host: options.callbackHost, port: options.callbackPort, timeoutMs: options.authTimeoutMs },
    })
    : undefined;
  const transport = options.transport ?? "auto";
  const target: ClientTarget = transport === "sse"
    ? { mcpServers: { remote: { url: options.url.href, transport: "sse", headers } } }
    : options.url;
  const client = new Client(target, {
    name: "denomcp-remote",
    headers: transport === "sse" ? undefined : headers,
    auth,
    sseFallback: transport === "auto",
  });
  const proxy = createProxy(client, {
    name: "denomcp-remote",
    providerErrorStrategy: "raise",
    logLevel: options.logLevel ?? "warning",
  });
  if (options.ignoreTools?.length) proxy.addTransform(ignoreTools(options.ignoreTools));
  return proxy;
}

/** Runs the bridge on stdio until stdin closes; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let options: RemoteOptions;
  try {
    options = parseRemoteArgs(args);
  } catch (error) {
    if (!(error instanceof RemoteUsageError)) throw error;
    if (error.message === "") {
      console.log(REMOTE_USAGE);
      return 0;
    }
    console.error(`remote: ${error.message}\n\n${REMOTE_USAGE}`);
    return 2;
  }
  try {
    const bridge = await remoteProxy(options);
    const running = await bridge.run({ transport: "stdio" });
    await running.finished;
    return 0;
  } catch (error) {
    console.error(
      `remote: ${error instanceof ClientError || error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
