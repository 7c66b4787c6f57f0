/**
 * `denomcp install`: each host's file in a temporary HOME, merged without losing what was there,
 * and the written command started exactly as written to prove it serves the server with the
 * permissions it was given and no others.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { Client } from "../../client.ts";

const CLI = new URL("../../cli/main.ts", import.meta.url).pathname;
const SERVER = new URL("./fixtures/install_server.ts", import.meta.url).pathname;
const DENO_DIR = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME")!, ".cache", "deno");

interface Home {
  dir: string;
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  read(...path: string[]): Promise<string>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A temporary HOME (and configuration directory) the CLI runs in; the module cache stays the real one. */
async function tempHome(): Promise<Home> {
  const dir = await Deno.makeTempDir();
  const cwd = join(dir, "project");
  await Deno.mkdir(cwd);
  return {
    dir,
    async run(...args) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CLI, ...args],
        cwd,
        stdin: "null",
        env: { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), DENO_DIR, NO_COLOR: "1" },
      }).output();
      const text = (b: Uint8Array) => new TextDecoder().decode(b);
      return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
    },
    read: (...path) => Deno.readTextFile(join(dir, ...path)),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Starts the server from an entry as written (command, args, env) and asks it what it can reach. */
async function reachOf(entry: { command: string; args: string[]; env?: Record<string, string> }) {
  await using client = new Client({ mcpServers: { installed: entry } }, { stderr: "null" });
  await client.connect();
  assert.deepEqual((await client.listTools()).map((t) => t.name), ["reach"]);
  return await client.callTool<Record<string, string>>("reach", {});
}

const CLAUDE_DESKTOP = [".config", "Claude", "claude_desktop_config.json"];

Deno.test("install claude-desktop merges into an existing file, keeps a backup, and the written command starts the server with least permissions", async () => {
  await using home = await tempHome();
  const before =
    '\uFEFF{\n    "mcpServers": {\n        "other": { "command": "other-server", "args": ["--x"] }\n' +
    '    },\n    "globalShortcut": "Ctrl+Space"\n}\n';
  await Deno.mkdir(join(home.dir, ".config", "Claude"), { recursive: true });
  await Deno.writeTextFile(join(home.dir, ...CLAUDE_DESKTOP), before);

  const done = await home.run("install", "claude-desktop", SERVER, "--env", "API_KEY=s3cret");
  assert.equal(done.code, 0, done.stderr);
  assert.match(
    done.stderr,
    /added 'install-fixture' in .*claude_desktop_config\.json \(the previous file is kept as/,
  );
  const after = await home.read(...CLAUDE_DESKTOP);
  const config = JSON.parse(after);
  // Everything else is as it was, in the file's own indentation.
  assert.deepEqual(config.mcpServers.other, { command: "other-server", args: ["--x"] });
  assert.equal(config.globalShortcut, "Ctrl+Space");
  assert.match(after, /\n {8}"install-fixture": \{/);
  assert.equal(await home.read(...CLAUDE_DESKTOP.slice(0, -1), "claude_desktop_config.json.bak"), before);

  const entry = config.mcpServers["install-fixture"];
  assert.equal(entry.command, Deno.execPath());
  assert.deepEqual(entry.env, { API_KEY: "s3cret" });
  assert.ok(!entry.args.includes("-A") && !entry.args.includes("--allow-all"), entry.args.join(" "));
  assert.deepEqual(await reachOf(entry), {
    ownFolder: "granted",
    etc: "prompt",
    net: "prompt",
    write: "prompt",
    apiKey: "s3cret",
  });

  // The same name again: refused, file untouched; --force replaces it, and --allow adds a permission.
  const again = await home.run("install", "claude-desktop", SERVER);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already has a server 'install-fixture': add --force to replace it/);
  assert.equal(await home.read(...CLAUDE_DESKTOP), after);
  const forced = await home.run("install", "claude-desktop", SERVER, "--force", "--allow", "net=127.0.0.1");
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /replaced 'install-fixture'/);
  const replaced = JSON.parse(await home.read(...CLAUDE_DESKTOP)).mcpServers["install-fixture"];
  assert.ok(replaced.args.includes("--allow-net=127.0.0.1"), replaced.args.join(" "));
  assert.equal(replaced.env, undefined);
  const reach = await reachOf(replaced);
  assert.equal(reach.net, "prompt"); // only that host: unscoped net is still not granted
  assert.equal(reach.apiKey, "(denied)"); // no variables given: no --allow-env at all
});

Deno.test("install refuses a file that does not parse, naming the line, and changes nothing", async () => {
  await using home = await tempHome();
  await Deno.mkdir(join(home.dir, ".config", "Claude"), { recursive: true });
  const broken = '{\n  "mcpServers": {\n    "a": { "command": "x" }\n  \n';
  await Deno.writeTextFile(join(home.dir, ...CLAUDE_DESKTOP), broken);
  const out = await home.run("install", "claude-desktop", SERVER);
  assert.equal(out.code, 2);
  assert.match(
    out.stderr,
    /claude_desktop_config\.json:5:1: not valid JSON \(CloseBraceExpected\); nothing was changed/,
  );
  assert.equal(await home.read(...CLAUDE_DESKTOP), broken);
  const wrongHost = await home.run("install", "notepad", SERVER);
  assert.equal(wrongHost.code, 2);
  assert.match(
    wrongHost.stderr,
    /value 'notepad' is invalid for argument 'host'. Allowed choices are claude-desktop, claude-code/,
  );
  const missing = await home.run("install", "cursor", "nope.ts");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file: .*nope\.ts/);
});

Deno.test("install writes each host's own file and key; every stdio entry starts the server", async () => {
  await using home = await tempHome();
  const project = join(home.dir, "project");
  // VS Code's mcp.json is JSONC: its comments survive the edit.
  await Deno.mkdir(join(project, ".vscode"));
  await Deno.writeTextFile(
    join(project, ".vscode", "mcp.json"),
    '{\n  // my servers\n  "servers": {\n    "old": { "type": "stdio", "command": "old" }, // keep me\n  },\n}\n',
  );
  // Goose's YAML keeps its comments and other settings too.
  await Deno.mkdir(join(home.dir, ".config", "goose"), { recursive: true });
  await Deno.writeTextFile(
    join(home.dir, ".config", "goose", "config.yaml"),
    "# goose settings\nGOOSE_PROVIDER: anthropic\nextensions:\n  developer:\n    enabled: true\n    type: builtin\n",
  );
  const cases: [string[], string[], string[]][] = [
    [["claude-code"], [".claude.json"], ["projects", project, "mcpServers"]],
    [["claude-code", "--scope", "user"], [".claude.json"], ["mcpServers"]],
    [["claude-code", "--scope", "project"], ["project", ".mcp.json"], ["mcpServers"]],
    [["cursor"], [".cursor", "mcp.json"], ["mcpServers"]],
    [["cursor", "--workspace", "."], ["project", ".cursor", "mcp.json"], ["mcpServers"]],
    [["vscode"], [".config", "Code", "User", "mcp.json"], ["servers"]],
    [["vscode", "--workspace", "."], ["project", ".vscode", "mcp.json"], ["servers"]],
    [["gemini-cli"], [".gemini", "settings.json"], ["mcpServers"]],
    [["gemini-cli", "--workspace", "."], ["project", ".gemini", "settings.json"], ["mcpServers"]],
  ];
  for (const [args, file, path] of cases) {
    const out = await home.run("install", args[0], SERVER, ...args.slice(1));
    assert.equal(out.code, 0, `${args.join(" ")}: ${out.stderr}`);
    const text = await home.read(...file);
    let node = JSON.parse(text.replace(/\/\/.*$/gm, "").replace(/,(\s*[}\]])/g, "$1"));
    for (const key of path) node = node[key];
    const entry = node["install-fixture"];
    assert.ok(entry?.command, `${args.join(" ")}: no entry at ${path.join(".")} in ${file.join("/")}`);
    if (args[0] === "vscode" || args[0] === "claude-code") assert.equal(entry.type, "stdio");
  }
  const vscode = await home.read("project", ".vscode", "mcp.json");
  assert.match(vscode, /\/\/ my servers/);
  assert.match(vscode, /\/\/ keep me/);
  assert.deepEqual(
    JSON.parse(vscode.replace(/\/\/.*$/gm, "").replace(/,(\s*[}\]])/g, "$1")).servers.old,
    { type: "stdio", command: "old" },
  );

  const goose = await home.run("install", "goose", SERVER, "-e", "API_KEY=g");
  assert.equal(goose.code, 0, goose.stderr);
  const yamlText = await home.read(".config", "goose", "config.yaml");
  assert.match(yamlText, /^# goose settings\n/);
  const gooseConfig = parseYaml(yamlText);
  assert.equal(gooseConfig.GOOSE_PROVIDER, "anthropic");
  assert.deepEqual(gooseConfig.extensions.developer, { enabled: true, type: "builtin" });
  const extension = gooseConfig.extensions["install-fixture"];
  assert.equal(extension.type, "stdio");
  assert.equal(extension.enabled, true);
  // Goose names the fields cmd and envs; started as written, it serves the server.
  assert.equal(
    (await reachOf({ command: extension.cmd, args: extension.args, env: extension.envs })).apiKey,
    "g",
  );

  // The Cursor entry, started as written.
  const cursor = JSON.parse(await home.read(".cursor", "mcp.json")).mcpServers["install-fixture"];
  assert.equal((await reachOf(cursor)).ownFolder, "granted");
});

Deno.test("install: a URL is the host's own HTTP entry, or the stdio bridge for hosts that only launch commands; mcp-json and --print write nothing", async () => {
  await using home = await tempHome();
  const url = "https://mcp.example.com/mcp";
  const printed = await home.run(
    "install",
    "mcp-json",
    url,
    "--name",
    "docs",
    "--header",
    "Authorization: Bearer t",
  );
  assert.equal(printed.code, 0, printed.stderr);
  assert.deepEqual(JSON.parse(printed.stdout), {
    docs: { type: "http", url, headers: { Authorization: "Bearer t" } },
  });
  // A command line after `--`, named by its last word.
  const command = await home.run(
    "install",
    "mcp-json",
    "-e",
    "K=v",
    "--",
    "npx",
    "-y",
    "@acme/weather-server.js",
  );
  assert.equal(command.code, 0, command.stderr);
  assert.deepEqual(JSON.parse(command.stdout), {
    "weather-server": { command: "npx", args: ["-y", "@acme/weather-server.js"], env: { K: "v" } },
  });
  const gemini = await home.run("install", "gemini-cli", url, "--print");
  assert.equal(gemini.code, 0, gemini.stderr);
  const plan = JSON.parse(gemini.stdout);
  assert.deepEqual(plan.entry, { httpUrl: url });
  assert.deepEqual(plan.path, ["mcpServers", "mcp.example.com"]);
  assert.equal(plan.file, join(home.dir, ".gemini", "settings.json"));
  await assert.rejects(home.read(".gemini", "settings.json"), Deno.errors.NotFound);

  const desktop = await home.run("install", "claude-desktop", url, "--json");
  assert.equal(desktop.code, 0, desktop.stderr);
  const bridge = JSON.parse(desktop.stdout).entry;
  assert.equal(bridge.command, Deno.execPath());
  assert.deepEqual(bridge.args.slice(-2), ["remote", url]);
  assert.ok(bridge.args.includes("--allow-net"), bridge.args.join(" "));
  assert.ok(!bridge.args.includes("--allow-all"), bridge.args.join(" "));
});
