/**
 * The `denomcp` command line.
 *
 * ```sh
 * deno install -g -A -n denomcp jsr:@denomcp/denomcp/cli
 * denomcp run server.ts --transport http --port 8000
 * denomcp list server.ts
 * denomcp call https://example.com/mcp forecast city=Paris
 * denomcp dev server.ts                      # with the MCP Inspector
 * denomcp install claude-desktop server.ts   # or claude-code, cursor, vscode, gemini-cli, goose, mcp-json
 * ```
 *
 * Exit status: 0 done, 1 the server or the call failed (a tool error included), 2 a usage error
 * (the message names the argument, file or server at fault).
 *
 * @module
 */

import { Argument, Command, CommanderError, Option } from "commander";
import { main as remoteMain } from "../remote.ts";
import { exitOnSignals } from "../server/run.ts";
import { call, inspect, list } from "./client_commands.ts";
import { dev, INSPECTOR_VERSION } from "./dev.ts";
import { parsePortFlag } from "./flags.ts";
import { install } from "./install.ts";
import { INSTALL_TARGETS } from "./install_targets.ts";
import { note } from "./output.ts";
import { parseServerSpec, serverFor, UsageError } from "./server_spec.ts";
import { tasksWorker } from "./tasks_worker.ts";
import { watchServe } from "./watch.ts";

/** The package version the CLI reports. */
export const VERSION = "0.1.0";

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface RunFlags {
  transport?: "stdio" | "http";
  host?: string;
  port?: string;
  path?: string;
  stateless?: boolean;
  watch?: boolean;
  quiet?: boolean;
}

function clientFlags(command: Command): Command {
  return command
    .option("--json", "machine-readable output")
    .option("--timeout <seconds>", "request timeout")
    .option("--header <header>", 'an HTTP header, "Name: Value" (repeatable)', collect);
}

/** The program; `exit` receives the status a command ends with. */
function program(exit: (code: number) => void): Command {
  const cli = new Command("denomcp")
    .description("Run, inspect and call MCP servers")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();

  cli.command("version").description("print the version").action(() => console.log(VERSION));

  cli.command("run")
    .description(
      "serve a server: a file (server.ts[:export]), a URL (as a proxy), or an MCP config (a composite)",
    )
    .argument("<server>", "server.ts[:export] | https://…/mcp | mcp.json[:entry] | a command")
    .argument("[args...]", "the rest of a command line")
    .addOption(new Option("-t, --transport <transport>", "stdio or http").choices(["stdio", "http"]))
    .option("--host <host>", "HTTP interface (default 127.0.0.1)")
    .option("-p, --port <port>", "HTTP port (default 8000)")
    .option("--path <path>", "HTTP: the MCP endpoint's path (default /mcp)")
    .option("--stateless", "HTTP: serve 2025-era clients without sessions")
    .option("-w, --watch", "HTTP: restart when a file beside the server changes")
    .option("--quiet", "no start-up line on stderr")
    .action(
      async (
        server: string,
        args: string[],
        options: RunFlags,
      ) => {
        const port = parsePortFlag(options.port, "--port", { allowZero: true });
        const http = port !== undefined || options.host !== undefined || options.path !== undefined ||
          options.stateless === true || options.watch === true;
        const transport = options.transport ?? (http ? "http" : "stdio");
        if (transport === "stdio" && (options.path || options.stateless || options.watch)) {
          throw new UsageError("--path, --stateless and --watch are for --transport http");
        }
        if (options.path !== undefined && !options.path.startsWith("/")) {
          throw new UsageError(`--path must start with /: ${options.path}`);
        }
        if (options.watch) {
          if (parseServerSpec(server, args).kind !== "file") {
            throw new UsageError("--watch takes a server file");
          }
          const watching = watchServe({
            server,
            host: options.host ?? "127.0.0.1",
            port: port ?? 8000,
            path: options.path,
            stateless: options.stateless,
          });
          const stopped = Promise.withResolvers<void>();
          exitOnSignals(async () => {
            await watching.stop();
            stopped.resolve();
          });
          await stopped.promise;
          return;
        }
        const mcp = await serverFor(parseServerSpec(server, args));
        if (options.path !== undefined || options.stateless) {
          mcp.configureHttp({
            ...(options.path !== undefined ? { path: options.path } : {}),
            ...(options.stateless ? { stateless: true } : {}),
          });
        }
        if (transport === "stdio") {
          const running = await mcp.run({ transport: "stdio" });
          await running.finished;
          return;
        }
        await mcp.start();
        const handle = mcp.serve({
          hostname: options.host ?? "127.0.0.1",
          port: port ?? 8000,
          onListen: () => {},
        });
        exitOnSignals(() => mcp.close());
        if (!options.quiet) note(`serving MCP on ${handle.url}`);
        await handle.finished;
      },
    );

  clientFlags(
    cli.command("list")
      .description("list a server's tools (and resources, templates, prompts)")
      .argument("<server>", "server.ts[:export] | https://…/mcp | mcp.json[:entry] | a command")
      .argument("[args...]", "the rest of a command line")
      .option("--resources", "also resources and resource templates")
      .option("--prompts", "also prompts")
      .option("--schemas", "show input schemas"),
  ).action(async (server: string, args: string[], options) => await list(server, args, options));

  clientFlags(
    cli.command("call")
      .description("call a tool (key=value arguments), or get a prompt or read a resource")
      .argument("<server>", "server.ts[:export] | https://…/mcp | mcp.json[:entry]")
      .argument("[tool]", "the tool's name")
      .argument("[arguments...]", "key=value pairs (values read as JSON unless the tool wants a string)")
      .option("--args <json>", "the arguments as one JSON object")
      .option("--prompt <name>", "get this prompt (arguments as key=value)")
      .option("--resource <uri>", "read this resource"),
  ).action(async (server: string, tool: string | undefined, words: string[], options) => {
    exit(await call(server, tool, words, options));
  });

  clientFlags(
    cli.command("inspect")
      .description("report a server's components and capabilities, on both eras' handshakes")
      .argument("<server>", "server.ts[:export] | https://…/mcp | mcp.json[:entry] | a command")
      .argument("[args...]", "the rest of a command line")
      .addOption(new Option("-f, --format <format>", "report format").choices(["text", "json", "mcp"])),
  ).action(async (server: string, args: string[], options) => await inspect(server, args, options));

  cli.command("install")
    .description(
      "add a server to an MCP host's configuration (merged into its file; the old one kept as .bak)",
    )
    .addArgument(new Argument("<host>", "the MCP host").choices(INSTALL_TARGETS))
    .argument("<server>", "server.ts[:export] | https://…/mcp | a command")
    .argument("[args...]", "the rest of a command line")
    .option("-n, --name <name>", "the server's name in the host (default: the server's own name)")
    .option("-e, --env <KEY=VALUE>", "an environment variable for the server (repeatable)", collect)
    .option("--env-file <file>", "environment variables from a .env file")
    .option(
      "--allow <permission>",
      "a Deno permission to add: net, net=host, write=./dir, ... (repeatable)",
      collect,
    )
    .option("-A, --allow-all", "run the server with every permission instead of the least it needs")
    .option("--header <header>", 'an HTTP header for a URL server, "Name: Value" (repeatable)', collect)
    .option("--workspace <dir>", "cursor, vscode, gemini-cli, claude-code: a project folder's configuration")
    .option("--scope <scope>", "claude-code: local (default), user or project")
    .option("--config-path <dir>", "claude-desktop: the directory of its configuration file")
    .option("-f, --force", "replace an entry of the same name")
    .option("--print", "print the entry and where it would go; write nothing")
    .option("--json", "machine-readable output")
    .action(async (host: string, server: string, args: string[], options) =>
      await install(host, server, args, options)
    );

  cli.command("dev")
    .description("serve a server over HTTP, restarted on change, with the MCP Inspector pointed at it")
    .argument("<server>", "server.ts[:export]")
    .option("--host <host>", "interface for both (default 127.0.0.1)")
    .option("--server-port <port>", "the server's port (default 8000)")
    .option("--ui-port <port>", "the Inspector's port (default 6274)")
    .option("--no-open", "do not open a browser")
    .option("--inspector-version <version>", `the Inspector release (default ${INSPECTOR_VERSION})`)
    .action(async (server: string, options) => await dev(server, options));

  cli.command("tasks")
    .description("task queue commands")
    .command("worker")
    .description("run the tasks of a server whose store is shared (KV or Redis), without serving MCP")
    .argument("<server>", "server.ts[:export]")
    .option("--quiet", "no start-up line on stderr")
    .action(async (server: string, options) => await tasksWorker(server, options));

  cli.command("remote")
    .description("a stdio server that proxies to one HTTP server (the remote bridge; --help for its options)")
    .argument("<url>")
    .allowUnknownOption()
    .helpOption(false)
    .argument("[options...]")
    .action(async (url: string, rest: string[]) => exit(await remoteMain([url, ...rest])));

  return cli;
}

/**
 * Runs the CLI on `args`; resolves with the exit status (0 done, 1 failed, 2 usage error).
 *
 * @example
 * ```ts ignore
 * import { main } from "@denomcp/denomcp/cli";
 * Deno.exit(await main(["list", "server.ts"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let status = 0;
  const cli = program((code) => (status = code));
  try {
    await cli.parseAsync(args, { from: "user" });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      note(`denomcp: ${error.message}`);
      return 2;
    }
    note(`denomcp: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
