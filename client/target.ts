/**
 * Turns a client target (URL, path, command, server object, configuration) into the servers to
 * connect to. Nothing here touches the network or the file system except reading a config file.
 *
 * @module
 */

import { loadMcpConfig, type McpConfig, parseMcpConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import type { Endpoint } from "./endpoint.ts";
import type { ClientOptions, ClientTarget, FetchHandler } from "./types.ts";

const SCRIPT = /\.(ts|mts|tsx|js|mjs|jsx)$/i;

function isFetchHandler(value: unknown): value is FetchHandler {
  return typeof value === "object" && value !== null && typeof (value as FetchHandler).fetch === "function";
}

function isConfig(value: unknown): value is McpConfig {
  return typeof value === "object" && value !== null && "mcpServers" in value;
}

/** Splits a command line into argv, honouring single and double quotes and backslash escapes. */
export function splitCommand(line: string): string[] {
  const argv: string[] = [];
  let current = "";
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      current += line[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) argv.push(current);
      current = "";
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new ConfigError(`unterminated ${quote} quote in command: ${line}`);
  if (started) argv.push(current);
  return argv;
}

function stdio(argv: readonly string[], options: ClientOptions): Endpoint {
  if (argv.length === 0 || !argv[0]) throw new ConfigError("the command is empty");
  const [first, ...rest] = argv;
  const params = SCRIPT.test(first)
    ? { command: Deno.execPath(), args: ["run", ...(options.denoFlags ?? ["-A"]), first, ...rest] }
    : { command: first, args: rest };
  return {
    kind: "stdio",
    params: { ...params, env: options.env, cwd: options.cwd, stderr: options.stderr },
  };
}

/** Servers named by their configuration entry ("" for a lone target). */
export type Endpoints = Map<string, Endpoint>;

/** Endpoints of a parsed configuration. */
export function configEndpoints(config: McpConfig, options: ClientOptions): Endpoints {
  const out: Endpoints = new Map();
  for (const [name, entry] of Object.entries(config.mcpServers)) {
    if ("url" in entry) {
      out.set(name, {
        kind: "http",
        url: new URL(entry.url),
        headers: entry.headers,
        sse: entry.transport === "sse" ? "only" : "auto",
      });
    } else {
      out.set(name, {
        kind: "stdio",
        params: {
          command: entry.command,
          args: entry.args,
          env: { ...options.env, ...entry.env },
          cwd: entry.cwd ?? options.cwd,
          stderr: options.stderr,
        },
      });
    }
  }
  return out;
}

/**
 * Resolves a target. Configuration files are read here (so at connect time, never at
 * construction).
 */
export async function resolveTarget(target: ClientTarget, options: ClientOptions): Promise<Endpoints> {
  if (target instanceof URL) return new Map([["", { kind: "http", url: target, sse: "auto" }]]);
  if (Array.isArray(target)) return new Map([["", stdio(target as string[], options)]]);
  if (typeof target === "string") {
    const trimmed = target.trim();
    if (/^https?:\/\//i.test(trimmed)) {
      return new Map([["", { kind: "http", url: new URL(trimmed), sse: "auto" }]]);
    }
    if (/\.json$/i.test(trimmed)) return configEndpoints(await loadMcpConfig(trimmed), options);
    return new Map([["", stdio(splitCommand(trimmed), options)]]);
  }
  if (isConfig(target)) return configEndpoints(parseMcpConfig(target), options);
  if (isFetchHandler(target)) return new Map([["", { kind: "memory", server: target }]]);
  throw new ConfigError(
    "unknown target: expected a URL, a command, a script path, a config file, an MCP configuration or a server with fetch()",
  );
}
