/**
 * What a `<server>` argument names, for the commands that serve one (`run`) and the ones that
 * talk to one (`list`, `call`, `inspect`): a TypeScript or JavaScript file (optionally
 * `file.ts:export`), an HTTP(S) URL, an MCP configuration file (optionally `mcp.json:entry`), or
 * a command line.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ClientTarget } from "../client/types.ts";
import { createProxy } from "../server/providers/proxy/create_proxy.ts";
import { FastMCP } from "../server/fastmcp.ts";
import { selfCommand } from "./self_command.ts";

/** A mistake in what the user typed: printed with the usage, exit status 2. */
export class UsageError extends Error {
  /** Creates the error; the message names the argument at fault. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The kinds of `<server>`. */
export type ServerSpec =
  | { kind: "url"; url: URL }
  | { kind: "file"; path: string; exportName?: string }
  | { kind: "config"; path: string; entry?: string }
  | { kind: "command"; argv: string[] };

const SCRIPT = /\.(ts|tsx|mts|js|mjs|jsx)$/i;

/** Reads a `<server>` argument (and the words after it, for a command line). */
export function parseServerSpec(spec: string, rest: string[] = []): ServerSpec {
  if (/^https?:\/\//i.test(spec)) {
    try {
      return { kind: "url", url: new URL(spec) };
    } catch {
      throw new UsageError(`not a URL: ${spec}`);
    }
  }
  // `file.ts:export` and `mcp.json:entry`; a Windows drive letter is not a suffix.
  const colon = spec.lastIndexOf(":");
  const [path, suffix] = colon > 1 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
  if (/\.json$/i.test(path)) return { kind: "config", path, entry: suffix || undefined };
  if (SCRIPT.test(path)) return { kind: "file", path, exportName: suffix || undefined };
  return { kind: "command", argv: [spec, ...rest] };
}

/** True when `path` is a file (false when it is missing or unreadable). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * The FastMCP server a file exports: the named export, else the default export, else the only
 * FastMCP among its exports. Errors name the file and what it does export.
 */
export async function loadServer(path: string, exportName?: string): Promise<FastMCP> {
  const absolute = isAbsolute(path) ? path : resolve(Deno.cwd(), path);
  if (!(await isFile(absolute))) throw new UsageError(`no such file: ${path}`);
  const module = await import(pathToFileURL(absolute).href) as Record<string, unknown>;
  const servers = Object.entries(module).filter(([, value]) => value instanceof FastMCP);
  const names = servers.map(([name]) => name);
  if (exportName !== undefined) {
    const found = module[exportName];
    if (found instanceof FastMCP) return found;
    throw new UsageError(
      `${path} has no FastMCP export '${exportName}'` +
        (names.length ? ` (its FastMCP exports: ${names.join(", ")})` : " (it exports no FastMCP server)"),
    );
  }
  if (module.default instanceof FastMCP) return module.default;
  if (servers.length === 1) return servers[0][1] as FastMCP;
  if (servers.length === 0) {
    throw new UsageError(
      `${path} exports no FastMCP server: export one (e.g. \`export const mcp = new FastMCP(…)\`)`,
    );
  }
  throw new UsageError(
    `${path} exports several FastMCP servers (${names.join(", ")}): name one, as ${path}:${names[0]}`,
  );
}

/** The server `run` serves: the file's, or a proxy of a URL or a configuration. */
export async function serverFor(spec: ServerSpec): Promise<FastMCP> {
  switch (spec.kind) {
    case "file":
      return await loadServer(spec.path, spec.exportName);
    case "url":
      return createProxy(spec.url.href, { name: `proxy of ${spec.url.host}` });
    case "config": {
      if (!(await isFile(spec.path))) throw new UsageError(`no such file: ${spec.path}`);
      const config = JSON.parse(await Deno.readTextFile(spec.path));
      const servers = config?.mcpServers ?? {};
      if (spec.entry !== undefined && !(spec.entry in servers)) {
        throw new UsageError(
          `${spec.path} has no server '${spec.entry}' (it has ${Object.keys(servers).join(", ")})`,
        );
      }
      const chosen = spec.entry === undefined
        ? config
        : { mcpServers: { [spec.entry]: servers[spec.entry] } };
      return createProxy(chosen, { name: spec.entry ?? "composite" });
    }
    case "command":
      return createProxy(spec.argv, { name: spec.argv[0] });
  }
}

/**
 * The client target for a `<server>`: a URL as is; a file through this CLI's own `run` over
 * stdio (so a file that only exports its server works too); a configuration file, or one of its
 * entries; a command as given.
 */
export async function clientTargetFor(spec: ServerSpec): Promise<ClientTarget> {
  switch (spec.kind) {
    case "url":
      return spec.url;
    case "file": {
      if (!(await isFile(spec.path))) throw new UsageError(`no such file: ${spec.path}`);
      const target = spec.exportName ? `${spec.path}:${spec.exportName}` : spec.path;
      const [command, prefix] = selfCommand();
      return [command, ...prefix, "run", target, "--transport", "stdio", "--quiet"];
    }
    case "config": {
      if (!(await isFile(spec.path))) throw new UsageError(`no such file: ${spec.path}`);
      if (spec.entry === undefined) return spec.path;
      const config = JSON.parse(await Deno.readTextFile(spec.path));
      const entry = config?.mcpServers?.[spec.entry];
      if (!entry) {
        throw new UsageError(
          `${spec.path} has no server '${spec.entry}' (it has ${
            Object.keys(config?.mcpServers ?? {}).join(", ")
          })`,
        );
      }
      return { mcpServers: { [spec.entry]: entry } };
    }
    case "command":
      return spec.argv;
  }
}
