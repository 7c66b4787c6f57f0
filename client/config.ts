/**
 * MCP configuration files: the `{ "mcpServers": { name: entry } }` shape that desktop clients,
 * editors and FastMCP share. Parsing checks every entry up front and reports the file, the entry
 * and the problem.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

/** A server started as a subprocess and spoken to over stdio. */
export interface StdioServerConfig {
  /** `"stdio"` (the default when `command` is given). */
  transport?: "stdio";
  /** Program to run. */
  command: string;
  /** Its arguments. */
  args?: string[];
  /** Extra environment variables for the subprocess. */
  env?: Record<string, string>;
  /** Working directory; relative paths are resolved against the configuration file's folder. */
  cwd?: string;
}

/** A server reached over HTTP: Streamable HTTP, or legacy HTTP+SSE. */
export interface HttpServerConfig {
  /** `"http"` / `"streamable-http"` (the default when `url` is given) or `"sse"` (legacy HTTP+SSE only). */
  transport?: "http" | "streamable-http" | "sse";
  /** Endpoint URL. */
  url: string;
  /** Extra headers on every request, e.g. `Authorization`. */
  headers?: Record<string, string>;
}

/** One entry of `mcpServers`. */
export type ServerConfig = StdioServerConfig | HttpServerConfig;

/**
 * The whole configuration. Entries may say `type` instead of `transport` (as several editors do);
 * unknown extra fields are ignored.
 */
export interface McpConfig {
  /** Servers by name. Their tools and prompts are prefixed `name_` when there are several. */
  mcpServers: Record<string, ServerConfig>;
}

const TRANSPORTS = ["stdio", "http", "streamable-http", "sse"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown, field: string, where: { file?: string; server: string }) {
  if (value === undefined) return undefined;
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === "string")) {
    throw new ConfigError(`'${field}' must be an object of strings`, where);
  }
  return value as Record<string, string>;
}

/**
 * Checks a parsed configuration and returns it normalised (`transport` always set, `cwd`
 * resolved). `file` is only used in error messages and to resolve relative `cwd` values.
 *
 * @example
 * ```ts
 * import { parseMcpConfig } from "@denomcp/denomcp/client";
 * const config = parseMcpConfig({ mcpServers: { docs: { url: "https://example.com/mcp" } } });
 * console.log(config.mcpServers.docs.transport); // "http"
 * ```
 */
export function parseMcpConfig(value: unknown, file?: string): McpConfig {
  if (!isRecord(value)) throw new ConfigError("the configuration must be a JSON object", { file });
  const servers = value.mcpServers;
  if (!isRecord(servers)) {
    throw new ConfigError("'mcpServers' must be an object of server entries", { file });
  }
  const names = Object.keys(servers);
  if (names.length === 0) throw new ConfigError("'mcpServers' is empty", { file });
  const out: Record<string, ServerConfig> = {};
  for (const server of names) {
    const where = { file, server };
    const entry = servers[server];
    if (!isRecord(entry)) throw new ConfigError("the entry must be an object", where);
    const declared = entry.transport ?? entry.type;
    if (declared !== undefined && !TRANSPORTS.includes(declared as typeof TRANSPORTS[number])) {
      throw new ConfigError(
        `unknown transport ${JSON.stringify(declared)} (expected one of ${TRANSPORTS.join(", ")})`,
        where,
      );
    }
    const transport = (declared ?? (entry.url !== undefined ? "http" : "stdio")) as typeof TRANSPORTS[number];
    if (transport === "stdio") {
      if (entry.command === undefined) {
        throw new ConfigError(
          entry.url === undefined ? "has neither 'command' nor 'url'" : "a stdio server needs a 'command'",
          where,
        );
      }
      if (typeof entry.command !== "string" || !entry.command.trim()) {
        throw new ConfigError("'command' must be a non-empty string", where);
      }
      const args = entry.args;
      if (args !== undefined && (!Array.isArray(args) || !args.every((a) => typeof a === "string"))) {
        throw new ConfigError("'args' must be an array of strings", where);
      }
      if (entry.cwd !== undefined && typeof entry.cwd !== "string") {
        throw new ConfigError("'cwd' must be a string", where);
      }
      out[server] = {
        transport,
        command: entry.command,
        args: args as string[] | undefined,
        env: stringRecord(entry.env, "env", where),
        cwd: entry.cwd === undefined ? undefined : resolveFrom(file, entry.cwd as string),
      };
    } else {
      if (typeof entry.url !== "string") {
        throw new ConfigError(`a ${transport} server needs a 'url' string`, where);
      }
      let url: URL;
      try {
        url = new URL(entry.url);
      } catch {
        throw new ConfigError(`'url' is not a valid URL: ${JSON.stringify(entry.url)}`, where);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ConfigError(`'url' must be http(s), not ${url.protocol}`, where);
      }
      out[server] = { transport, url: entry.url, headers: stringRecord(entry.headers, "headers", where) };
    }
  }
  return { mcpServers: out };
}

function resolveFrom(file: string | undefined, path: string): string {
  if (file === undefined || path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return slash === -1 ? path : `${file.slice(0, slash)}/${path}`;
}

/**
 * Reads a configuration file as UTF-8 (a byte-order mark is skipped) and checks it with
 * {@link parseMcpConfig}. Every failure is a {@link ConfigError} naming the file.
 *
 * @example
 * ```ts ignore
 * import { loadMcpConfig } from "@denomcp/denomcp/client";
 * const config = await loadMcpConfig("./mcp.json");
 * console.log(Object.keys(config.mcpServers));
 * ```
 */
export async function loadMcpConfig(file: string): Promise<McpConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (cause) {
    const why = cause instanceof Deno.errors.NotFound ? "file not found" : (cause as Error).message;
    throw new ConfigError(`cannot read the configuration: ${why}`, { file }, { cause });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (cause) {
    throw new ConfigError("the file is not valid UTF-8", { file }, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`malformed JSON: ${(cause as Error).message}`, { file }, { cause });
  }
  return parseMcpConfig(value, file);
}
