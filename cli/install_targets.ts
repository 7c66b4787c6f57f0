/**
 * Where each MCP host keeps its server list, and the shape of one entry there. Each host's own
 * documented file and key: Claude Desktop's `claude_desktop_config.json`, Claude Code's
 * `~/.claude.json` (local and user scopes) or `.mcp.json` (project scope), Cursor's and Gemini
 * CLI's `mcp.json`/`settings.json` (user or workspace), VS Code's `mcp.json` (its key is
 * `servers`), Goose's `config.yaml` (`extensions`).
 *
 * @module
 */

import { join, resolve } from "node:path";
import { userConfigDir } from "../client/token_store.ts";
import { UsageError } from "./server_spec.ts";

/** The hosts `denomcp install` writes for. */
export const INSTALL_TARGETS = [
  "claude-desktop",
  "claude-code",
  "cursor",
  "vscode",
  "gemini-cli",
  "goose",
  "mcp-json",
] as const;

/** One of {@link INSTALL_TARGETS}. */
export type InstallTarget = typeof INSTALL_TARGETS[number];

/** How a host starts the server: a command (stdio), or a URL it connects to itself. */
export type Launch =
  | { kind: "stdio"; command: string; args: string[]; env: Record<string, string> }
  | { kind: "http"; url: string; headers: Record<string, string> };

/** Where an entry is written: the file, the keys to the servers' map. */
export interface Placement {
  file: string;
  path: string[];
}

/** Options that choose the place. */
export interface PlacementOptions {
  /** Claude Desktop: the directory holding its configuration (its location differs on some installs). */
  configPath?: string;
  /** Cursor, VS Code, Gemini CLI: a project folder instead of the user's configuration. */
  workspace?: string;
  /** Claude Code: `local` (default: this folder only, kept in `~/.claude.json`), `user` or `project` (`.mcp.json`). */
  scope?: string;
}

/**
 * Where desktop apps keep their settings: Application Support on macOS and %APPDATA% on Windows
 * whatever `XDG_CONFIG_HOME` says (those apps do not read it), the XDG folder elsewhere.
 */
function appConfigDir(): string {
  if (Deno.build.os === "darwin") return join(home(), "Library", "Application Support");
  if (Deno.build.os === "windows") {
    const appData = Deno.env.get("APPDATA");
    if (appData) return appData;
  }
  return userConfigDir();
}

function home(): string {
  const value = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
  if (!value) throw new UsageError("cannot find the home directory: HOME is not set");
  return value;
}

/** The file and key path a host reads its servers from. */
export function placementFor(
  target: Exclude<InstallTarget, "mcp-json">,
  options: PlacementOptions,
): Placement {
  const workspace = options.workspace === undefined ? undefined : resolve(options.workspace);
  if (workspace && !["cursor", "vscode", "gemini-cli", "claude-code"].includes(target)) {
    throw new UsageError(`--workspace is for cursor, vscode, gemini-cli and claude-code, not ${target}`);
  }
  if (options.configPath && target !== "claude-desktop") {
    throw new UsageError(`--config-path is for claude-desktop, not ${target}`);
  }
  if (options.scope && target !== "claude-code") {
    throw new UsageError(`--scope is for claude-code, not ${target}`);
  }
  switch (target) {
    case "claude-desktop":
      return {
        file: join(options.configPath ?? join(appConfigDir(), "Claude"), "claude_desktop_config.json"),
        path: ["mcpServers"],
      };
    case "claude-code": {
      const scope = options.scope ?? (workspace ? "project" : "local");
      const folder = workspace ?? Deno.cwd();
      if (scope === "project") return { file: join(folder, ".mcp.json"), path: ["mcpServers"] };
      if (scope === "user") return { file: join(home(), ".claude.json"), path: ["mcpServers"] };
      if (scope === "local") {
        return { file: join(home(), ".claude.json"), path: ["projects", folder, "mcpServers"] };
      }
      throw new UsageError(`--scope must be local, user or project: ${scope}`);
    }
    case "cursor":
      return { file: join(workspace ?? home(), ".cursor", "mcp.json"), path: ["mcpServers"] };
    case "vscode":
      return {
        file: workspace
          ? join(workspace, ".vscode", "mcp.json")
          : join(appConfigDir(), "Code", "User", "mcp.json"),
        path: ["servers"],
      };
    case "gemini-cli":
      return { file: join(workspace ?? home(), ".gemini", "settings.json"), path: ["mcpServers"] };
    case "goose": {
      const appData = Deno.build.os === "windows" ? Deno.env.get("APPDATA") : undefined;
      const dir = appData
        ? join(appData, "Block", "goose", "config")
        : join(Deno.env.get("XDG_CONFIG_HOME") ?? join(home(), ".config"), "goose");
      return { file: join(dir, "config.yaml"), path: ["extensions"] };
    }
  }
}

/** True when the host connects to HTTP servers itself (the others get the stdio bridge). */
export function speaksHttp(target: InstallTarget): boolean {
  return target !== "claude-desktop" && target !== "goose";
}

/** The entry a host expects for one server. */
export function entryFor(target: InstallTarget, name: string, launch: Launch): Record<string, unknown> {
  const env = launch.kind === "stdio" && Object.keys(launch.env).length ? launch.env : undefined;
  if (launch.kind === "http") {
    const headers = Object.keys(launch.headers).length ? { headers: launch.headers } : {};
    // Gemini CLI names a Streamable HTTP server by `httpUrl` (`url` is its SSE transport).
    if (target === "gemini-cli") return { httpUrl: launch.url, ...headers };
    return { type: "http", url: launch.url, ...headers };
  }
  const { command, args } = launch;
  switch (target) {
    case "goose":
      return {
        name,
        type: "stdio",
        cmd: command,
        args,
        envs: env ?? {},
        enabled: true,
        timeout: 300,
      };
    case "vscode":
    case "claude-code":
      return { type: "stdio", command, args, ...(env ? { env } : {}) };
    default:
      return { command, args, ...(env ? { env } : {}) };
  }
}
