/**
 * `denomcp install <host> <server>`: adds a server to an MCP host's configuration. A file is
 * launched as `deno run` with the least permissions it needs (read of its own folder, the
 * environment variables given, and what `--allow` adds), through this CLI's `run`; a URL is
 * written as the host's own HTTP entry, or as the stdio bridge for hosts that only launch commands.
 *
 * @module
 */

import { parse as parseDotenv } from "dotenv";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { userConfigDir } from "../client/token_store.ts";
import { editConfig } from "./config_file.ts";
import {
  entryFor,
  INSTALL_TARGETS,
  type InstallTarget,
  type Launch,
  placementFor,
  type PlacementOptions,
  speaksHttp,
} from "./install_targets.ts";
import { parseHeaderFlags } from "./flags.ts";
import { note, outJson } from "./output.ts";
import { isFile, loadServer, parseServerSpec, UsageError } from "./server_spec.ts";

/** Options of `denomcp install`. */
export interface InstallOptions extends PlacementOptions {
  /** The server's name in the host (default: the server's own name, or the URL's host). */
  name?: string;
  /** `KEY=VALUE` environment variables for the server (repeatable). */
  env?: string[];
  /** A `.env` file whose variables are added (the `--env` ones win). */
  envFile?: string;
  /** Deno permissions to add, as `net`, `net=api.example.com`, `write=./data` (repeatable). */
  allow?: string[];
  /** Run the server with every permission (`-A`) instead of the least it needs. */
  allowAll?: boolean;
  /** HTTP headers for a URL server, `"Name: Value"` (repeatable). */
  header?: string[];
  /** Replace an entry of the same name. */
  force?: boolean;
  /** Print the entry instead of writing it. */
  print?: boolean;
  /** Print what was done as JSON. */
  json?: boolean;
}

const PERMISSIONS = ["read", "write", "net", "env", "run", "sys", "ffi", "import"];

/** The CLI's own entry, as a host should name it: a path when it is a local file, else its URL (JSR). */
function cliEntry(): { entry: string; packageRoot?: string } {
  const url = new URL("./main.ts", import.meta.url);
  if (url.protocol !== "file:") return { entry: url.href };
  return { entry: fileURLToPath(url), packageRoot: dirname(dirname(fileURLToPath(import.meta.url))) };
}

/** The nearest deno.json(c) above a file: a host starts the server from anywhere, so the import map must be named. */
async function configFor(file: string): Promise<string | undefined> {
  for (let dir = dirname(file);; dir = dirname(dir)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      if (await isFile(join(dir, name))) return join(dir, name);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

async function environment(options: InstallOptions): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (options.envFile) {
    let text: string;
    try {
      text = await Deno.readTextFile(options.envFile);
    } catch {
      throw new UsageError(`--env-file: cannot read ${options.envFile}`);
    }
    Object.assign(env, parseDotenv(text));
  }
  for (const pair of options.env ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env "${pair}": expected KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function permissionFlags(allow: string[], read: string[], envKeys: string[]): string[] {
  const granted = new Map<string, string[] | true>();
  const grant = (name: string, values?: string[]) => {
    const had = granted.get(name);
    if (had === true) return;
    granted.set(name, values === undefined ? true : [...(had ?? []), ...values]);
  };
  for (const item of allow) {
    const [name, value] = item.includes("=")
      ? [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)]
      : [
        item,
        undefined,
      ];
    if (!PERMISSIONS.includes(name)) {
      throw new UsageError(`--allow ${item}: expected one of ${PERMISSIONS.join(", ")}, optionally =values`);
    }
    grant(name, value?.split(",").map((v) => name === "read" || name === "write" ? resolve(v) : v));
  }
  grant("read", read);
  if (envKeys.length) grant("env", envKeys);
  return [...granted].map(([name, values]) =>
    values === true ? `--allow-${name}` : `--allow-${name}=${[...new Set(values)].join(",")}`
  );
}

/** How the host will start (or reach) the server, and its default name. */
async function launchFor(
  target: InstallTarget,
  server: string,
  rest: string[],
  options: InstallOptions,
): Promise<{ launch: Launch; name: string }> {
  const spec = parseServerSpec(server, rest);
  const env = await environment(options);
  const cli = cliEntry();
  switch (spec.kind) {
    case "file": {
      const path = resolve(spec.path);
      const mcp = await loadServer(path, spec.exportName);
      const serve = [
        "run",
        spec.exportName ? `${path}:${spec.exportName}` : path,
        "--transport",
        "stdio",
        "--quiet",
      ];
      if (Deno.build.standalone) {
        // A compiled denomcp carries its permissions; it still needs Deno's module loader for the file.
        return { launch: { kind: "stdio", command: Deno.execPath(), args: serve, env }, name: mcp.name };
      }
      const config = await configFor(path);
      const read = [dirname(path), ...(cli.packageRoot ? [cli.packageRoot] : [])];
      const permissions = options.allowAll
        ? ["--allow-all"]
        : permissionFlags(options.allow ?? [], read, Object.keys(env));
      return {
        launch: {
          kind: "stdio",
          command: Deno.execPath(),
          args: ["run", ...permissions, ...(config ? ["--config", config] : []), cli.entry, ...serve],
          env,
        },
        name: mcp.name,
      };
    }
    case "url": {
      const headers = parseHeaderFlags(options.header);
      if (speaksHttp(target)) {
        return { launch: { kind: "http", url: spec.url.href, headers }, name: spec.url.hostname };
      }
      // Claude Desktop and Goose launch commands only: the remote bridge stands in for the server.
      const tokens = join(userConfigDir(), "denomcp", "remote");
      const permissions = options.allowAll
        ? ["--allow-all"]
        : ["--allow-net", "--allow-env", `--allow-read=${tokens}`, `--allow-write=${tokens}`, "--allow-run"];
      const headerArgs = (options.header ?? []).flatMap((h) => ["--header", h]);
      return {
        launch: {
          kind: "stdio",
          command: Deno.execPath(),
          args: Deno.build.standalone
            ? ["remote", spec.url.href, ...headerArgs]
            : ["run", ...permissions, cli.entry, "remote", spec.url.href, ...headerArgs],
          env,
        },
        name: spec.url.hostname,
      };
    }
    case "command":
      return {
        launch: { kind: "stdio", command: spec.argv[0], args: spec.argv.slice(1), env },
        // `npx -y @acme/weather-server` → "weather-server": the last word that is not a flag.
        name: (spec.argv.filter((w) => !w.startsWith("-")).at(-1) ?? spec.argv[0]).split(/[\\/]/).pop()!
          .replace(/\.[cm]?[jt]sx?$/, ""),
      };
    case "config":
      throw new UsageError(
        `install takes a server file, a URL or a command, not a configuration (${spec.path}); run it as \`denomcp install <host> server.ts\``,
      );
  }
}

/** `denomcp install <host> <server>`: writes (or prints) the host's entry for the server. */
export async function install(
  host: string,
  server: string,
  rest: string[],
  options: InstallOptions,
): Promise<void> {
  if (!(INSTALL_TARGETS as readonly string[]).includes(host)) {
    throw new UsageError(`unknown host '${host}': expected one of ${INSTALL_TARGETS.join(", ")}`);
  }
  const target = host as InstallTarget;
  const { launch, name: ownName } = await launchFor(target, server, rest, options);
  const name = options.name ?? ownName;
  if (!name.trim()) throw new UsageError("--name must not be empty");
  const entry = entryFor(target, name, launch);
  if (target === "mcp-json") {
    outJson({ [name]: entry });
    return;
  }
  const place = placementFor(target, options);
  if (options.print) {
    outJson({ file: place.file, path: [...place.path, name], entry });
    return;
  }
  const result = await editConfig({ ...place, name, entry, force: options.force });
  if (options.json) {
    outJson({ ...result, name, entry });
    return;
  }
  note(
    `${result.replaced ? "replaced" : "added"} '${name}' in ${result.file}` +
      (result.backup ? ` (the previous file is kept as ${result.backup})` : "") +
      `; restart ${target} to load it`,
  );
}
