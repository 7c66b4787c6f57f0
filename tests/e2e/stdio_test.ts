/**
 * Interop over stdio: the official clients spawn `examples/quickstart.ts` as a subprocess, and a
 * raw test speaks newline-delimited JSON-RPC to it directly. Every test ends with the subprocess
 * gone.
 *
 * @module
 */

import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport as StdioV1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Client as ClientV2, type ClientOptions } from "@modelcontextprotocol/client";
import { StdioClientTransport as StdioV2 } from "@modelcontextprotocol/client/stdio";
import { JsonLines } from "../helpers/stdio.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SERVER = { command: Deno.execPath(), args: ["run", "-A", "examples/quickstart.ts"], cwd: ROOT };

/** State letter and parent pid of a process from Linux /proc, or undefined when it is gone. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** True while `pid` is a live (non-zombie) process. */
function alive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

/**
 * Live processes whose environment carries `marker`: the server and any probe sibling an SDK
 * spawned from the same parameters. (Matching by marker, not by parent pid, keeps the check
 * exact when other test files run in parallel in this process.)
 */
function liveProcessesMarked(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || !alive(pid)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0").includes(marker)) pids.push(pid);
    } catch {
      // Not ours to read, or gone meanwhile.
    }
  }
  return pids;
}

/** Spawn parameters of the quickstart server, tagged with a fresh environment marker. */
function serverParams(): typeof SERVER & { env: Record<string, string>; marker: string } {
  const id = crypto.randomUUID();
  return {
    ...SERVER,
    env: { ...Deno.env.toObject(), DENOMCP_E2E_MARKER: id },
    marker: `DENOMCP_E2E_MARKER=${id}`,
  };
}

/** The operations both clients share, checked against the quickstart server. */
interface QuickstartClient {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<{ content: unknown }>;
  readResource(p: { uri: string }): Promise<{ contents: unknown[] }>;
  getPrompt(p: { name: string; arguments: Record<string, string> }): Promise<{ messages: unknown[] }>;
}

async function exerciseQuickstart(client: QuickstartClient): Promise<void> {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), ["forecast", "add"]);
  const sum = await client.callTool({ name: "add", arguments: { a: 19, b: 23 } });
  assert.deepEqual(sum.content, [{ type: "text", text: "42" }]);
  const read = await client.readResource({ uri: "weather://Paris/current" });
  assert.equal(read.contents.length, 1);
  const contents = read.contents[0] as { uri: string; mimeType: string; text: string };
  assert.equal(contents.uri, "weather://Paris/current");
  assert.equal(contents.mimeType, "application/json");
  assert.deepEqual(JSON.parse(contents.text), { city: "Paris", tempC: 19 });
  const prompt = await client.getPrompt({ name: "plan_trip", arguments: { city: "Lyon" } });
  assert.deepEqual(prompt.messages, [
    { role: "user", content: { type: "text", text: "Plan a day in Lyon. Check the forecast first." } },
  ]);
}

/**
 * Closes a client whose stdio transport spawned `pid`, and checks the server left on its own
 * when its stdin closed: the SDKs wait 2 s for that before sending SIGTERM.
 *
 * The SDKs race the child's exit against `setTimeout(resolve, 2000).unref()` timers (in `close()`
 * and when disposing a probe sibling) that they never clear; the test waits them out so that the
 * op and resource sanitizers stay on.
 */
async function closeAndCheckExit(close: () => Promise<void>, pid: number, marker: string): Promise<void> {
  assert.equal(alive(pid), true, "the server runs while connected");
  assert.ok(liveProcessesMarked(marker).includes(pid), "the marker finds the server");
  const started = performance.now();
  await close();
  const elapsed = performance.now() - started;
  assert.equal(alive(pid), false, `server process ${pid} is still running after close`);
  assert.deepEqual(liveProcessesMarked(marker), [], "no process (server or probe) outlives the client");
  assert.ok(elapsed < 1900, `the server took ${Math.round(elapsed)} ms to exit on stdin EOF`);
  await new Promise((resolve) => setTimeout(resolve, 2050 - elapsed));
}

Deno.test(
  "v1 stdio client drives the quickstart server and the subprocess exits on close",
  async () => {
    const { marker, ...params } = serverParams();
    const transport = new StdioV1({ ...params, stderr: "ignore" });
    const client = new ClientV1({ name: "v1-stdio", version: "0.0.1" });
    await client.connect(transport);
    try {
      assert.equal(client.getServerVersion()?.name, "weather");
      await exerciseQuickstart(client as unknown as QuickstartClient);
    } finally {
      await closeAndCheckExit(() => client.close(), transport.pid!, marker);
    }
  },
);

const V2_MODES: [string, ClientOptions, string][] = [
  ["legacy", {}, "2025-11-25"],
  ["2026-07-28", { versionNegotiation: { mode: { pin: "2026-07-28" } } }, "2026-07-28"],
  ["auto", { versionNegotiation: { mode: "auto" } }, "2026-07-28"],
];

for (const [label, options, version] of V2_MODES) {
  Deno.test(
    `v2 stdio client (${label}) drives the quickstart server on ${version} and the subprocess exits`,
    async () => {
      const { marker, ...params } = serverParams();
      const transport = new StdioV2({ ...params, stderr: "ignore" });
      const client = new ClientV2({ name: "v2-stdio", version: "0.0.1" }, options);
      await client.connect(transport);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), version);
        await exerciseQuickstart(client as unknown as QuickstartClient);
      } finally {
        await closeAndCheckExit(() => client.close(), transport.pid!, marker);
      }
    },
  );
}

Deno.test("raw stdio: initialize, tools/call, a 2026-07-28 request, then exit 0 on stdin EOF", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: SERVER.args,
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = new JsonLines(child.stdout);
  const encoder = new TextEncoder();
  const send = (msg: unknown) => writer.write(encoder.encode(JSON.stringify(msg) + "\n"));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    const init = await lines.response(1);
    const initResult = init.result as Record<string, unknown>;
    assert.equal(initResult.protocolVersion, "2025-11-25");
    assert.deepEqual(initResult.serverInfo, { name: "weather", version: "1.0.0" });
    assert.equal(initResult.instructions, "Weather lookups for demos.");

    await send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "add", arguments: { a: 1, b: 2 } },
    });
    assert.deepEqual(await lines.response(2), {
      jsonrpc: "2.0",
      id: 2,
      result: { content: [{ type: "text", text: "3" }] },
    });

    await send({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: {
        name: "add",
        arguments: { a: 3, b: 4 },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    });
    const modern = (await lines.response(3)).result as Record<string, unknown>;
    assert.equal(modern.resultType, "complete");
    assert.deepEqual(modern.content, [{ type: "text", text: "7" }]);
    assert.deepEqual(lines.other, []);

    await writer.close();
    const exited = Promise.race([
      child.status,
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 2000))),
    ]);
    const status = await exited;
    if (status === "timeout") assert.fail("the server did not exit within 2 s of stdin closing");
    assert.deepEqual([status.success, status.code, status.signal], [true, 0, null]);
    assert.equal(await lines.rest(), "");
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await writer.close().catch(() => {});
    await child.status;
    await lines.rest().catch(() => "");
  }
});
