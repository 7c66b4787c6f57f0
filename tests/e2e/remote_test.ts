/**
 * The remote bridge (`remote.ts`) as a host runs it: a stdio subprocess that proxies to an
 * OAuth-protected HTTP server. The authorization server is `npm:oidc-provider`; the "browser" is
 * a program named by `$BROWSER` that logs in on its forms and follows the redirect to the
 * bridge's loopback callback, so the interactive flow runs end to end without a person.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";
import { Client } from "../../client.ts";
import { parseRemoteArgs, RemoteUsageError } from "../../remote.ts";
import { startIdp } from "../helpers/idp.ts";
import { startLegacyServer } from "../helpers/legacy_sse_server.ts";
import { startResourceServer } from "../helpers/protected_server.ts";

const REMOTE = new URL("../../remote.ts", import.meta.url).pathname;
const FAKE_BROWSER = new URL("./fixtures/fake_browser.ts", import.meta.url).pathname;
const SCOPE = "mcp:read";

function protectedServer(): FastMCP {
  const mcp = new FastMCP({ name: "protected", logger: () => {} });
  mcp.tool("whoami", { input: z.object({}), runInThread: false }, () => "a protected answer");
  mcp.tool("admin_reset", { input: z.object({}), runInThread: false }, () => "reset everything");
  return mcp;
}

async function lines(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter(Boolean);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

Deno.test("remote bridge: browser OAuth through a loopback callback, tokens kept per server and reused, headers, ignored tools", async () => {
  const idpRef: { issuer?: string } = {};
  const rs = startResourceServer(() => idpRef.issuer!, SCOPE, protectedServer());
  const idp = await startIdp({ resource: () => rs.url, resourceScopes: SCOPE }).catch(async (err) => {
    await rs.close();
    throw err;
  });
  idpRef.issuer = idp.issuer;
  const dir = await Deno.makeTempDir();
  try {
    const browser = `${dir}/browser.sh`;
    await Deno.writeTextFile(browser, `#!/bin/sh\nexec "${Deno.execPath()}" run -A "${FAKE_BROWSER}" "$1"\n`);
    await Deno.chmod(browser, 0o755);
    const log = `${dir}/browser.log`;
    const env = {
      BROWSER: browser,
      FAKE_BROWSER_LOG: log,
      DENOMCP_REMOTE_CONFIG_DIR: `${dir}/tokens`,
      TEAM: "blue",
    };
    const bridge = () =>
      new Client([
        Deno.execPath(),
        "run",
        "-A",
        REMOTE,
        rs.url,
        "--ignore-tool",
        "admin_*",
        "--header",
        "X-Team: ${TEAM}",
      ], { env, stderr: "null" });

    // First start: the server challenges, the browser opens, the code comes back to the bridge.
    {
      await using client = bridge();
      assert.deepEqual((await client.listTools()).map((t) => t.name), ["whoami"]);
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
      // An ignored tool is not callable either.
      await assert.rejects(client.callTool("admin_reset"), /admin_reset/);
    }
    const opened = await lines(log);
    assert.equal(opened.length, 1);
    const request = new URL(opened[0]).searchParams;
    assert.equal(new URL(opened[0]).origin, idp.issuer);
    assert.match(request.get("redirect_uri") ?? "", /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(request.get("resource"), rs.url);
    assert.equal(request.get("code_challenge_method"), "S256");
    assert.equal(rs.lastHeaders?.get("x-team"), "blue");

    // The tokens are in one private file for this server.
    const files = [...Deno.readDirSync(`${dir}/tokens`)].map((e) => e.name);
    assert.equal(files.length, 1);
    assert.match(files[0], /^[0-9a-f]{32}\.json$/);
    const file = `${dir}/tokens/${files[0]}`;
    assert.equal(Deno.statSync(file).mode! & 0o777, 0o600);
    const stored = JSON.parse(await Deno.readTextFile(file))[rs.url];
    assert.equal(typeof stored.tokens[idp.issuer].access_token, "string");

    // Second start: the stored token is used, no browser.
    const passed = rs.passed;
    {
      await using client = bridge();
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
    }
    assert.equal((await lines(log)).length, 1);
    assert.ok(rs.passed > passed);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await rs.close();
    await idp.close();
  }
});

Deno.test("remote bridge: a missing header variable is a usage error; an unreachable server fails the greeting", async () => {
  const missing = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", REMOTE, "http://127.0.0.1:1/mcp", "--header", "X-Key: ${DENOMCP_TEST_NEVER_SET}"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(missing.code, 2);
  assert.match(
    new TextDecoder().decode(missing.stderr),
    /--header X-Key: the environment variable DENOMCP_TEST_NEVER_SET is not set/,
  );

  // Nothing listens on port 1: the host's initialize fails and says why.
  const client = new Client([
    Deno.execPath(),
    "run",
    "-A",
    REMOTE,
    "http://127.0.0.1:1/mcp",
    "--auth",
    "none",
  ], {
    stderr: "null",
  });
  try {
    const error = await client.connect().then(() => undefined, (e) => e);
    assert.ok(error instanceof Error);
    assert.match(error.message, /cannot reach its upstream/);
  } finally {
    await client.close();
  }
});

Deno.test("remote bridge: --transport sse goes straight to a legacy HTTP+SSE server", async () => {
  await using server = startLegacyServer();
  {
    await using client = new Client(
      [Deno.execPath(), "run", "-A", REMOTE, server.url, "--transport", "sse", "--auth", "none"],
      { stderr: "null" },
    );
    assert.deepEqual(await client.callTool("echo", { text: "bridged" }), [{
      type: "text",
      text: "echo: bridged",
    }]);
  }
  assert.equal(server.log[0], "GET /sse");
  assert.ok(!server.log.includes("POST /sse"), server.log.join(", "));
});

Deno.test("remote bridge: command line", () => {
  const env = (name: string) => ({ TOKEN: "s3cret" } as Record<string, string>)[name];
  const options = parseRemoteArgs([
    "https://example.com/mcp",
    "8976",
    "--transport",
    "sse",
    "--header",
    "Authorization: Bearer ${TOKEN}",
    "--header",
    "X-Plain:value",
    "--ignore-tool",
    "a*",
    "--ignore-tool",
    "b?",
    "--auth-timeout",
    "30",
    "--resource",
    "tenant-1",
    "--host",
    "localhost",
    "--debug",
  ], env);
  assert.equal(options.url.href, "https://example.com/mcp");
  assert.equal(options.callbackPort, 8976);
  assert.equal(options.transport, "sse");
  assert.deepEqual(options.headers, { Authorization: "Bearer s3cret", "X-Plain": "value" });
  assert.deepEqual(options.ignoreTools, ["a*", "b?"]);
  assert.equal(options.authTimeoutMs, 30_000);
  assert.equal(options.resource, "tenant-1");
  assert.equal(options.callbackHost, "localhost");
  assert.equal(options.logLevel, "debug");
  const bad: [string[], RegExp][] = [
    [[], /URL is missing/],
    [["ftp://x"], /must be http or https/],
    [["not a url"], /not a URL/],
    [["https://x", "--transport", "ws"], /--transport must be one of auto, http, sse, not ws/],
    [["https://x", "--header", "NoColon"], /expected "Name: Value"/],
    [["https://x", "--auth-timeout", "1.5"], /--auth-timeout must be an integer/],
    [["https://x", "99999"], /callback-port must be an integer from 0 to 65535/],
    [["https://x", "--frobnicate"], /frobnicate/],
    [["https://x", "1", "2"], /unexpected argument: 2/],
  ];
  for (const [args, message] of bad) {
    assert.throws(
      () => parseRemoteArgs(args, env),
      (e: unknown) => e instanceof RemoteUsageError && message.test(e.message),
    );
  }
});
