/**
 * Call semantics: tool errors, JSON-RPC errors, timeouts and cancellation, on both eras.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, McpError, RequestTimeoutError, ToolError } from "../../client.ts";
import { FastMCP, ToolError as ServerToolError } from "../../mod.ts";
import { eventually } from "../helpers/wait.ts";

/** A server whose `sleep` tool records how it ended. */
function sleepyServer(events: string[]): FastMCP {
  const mcp = new FastMCP({ name: "sleepy", version: "1.0.0", logger: () => {}, runInThread: false });
  mcp.tool("sleep", {}, async (_args, ctx) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        events.push("finished");
        resolve();
      }, 5_000);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        events.push("aborted");
        resolve();
      }, { once: true });
    });
    return "woke up";
  });
  mcp.tool("fail", {}, () => {
    throw new ServerToolError("it broke");
  });
  mcp.tool("ticker", {}, async (_args, ctx) => {
    for (let i = 1; i <= 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await ctx.reportProgress(i, 8);
    }
    return "ticked";
  });
  return mcp;
}

/**
 * Wraps a server's fetch to record when the HTTP request of a `tools/call` is aborted: on the
 * stateless 2026-07-28 wire that abort is the cancellation signal (there is no session for
 * `notifications/cancelled` to refer to).
 */
function recordingAborts(mcp: FastMCP, events: string[]): { fetch(req: Request): Promise<Response> } {
  return {
    async fetch(req: Request): Promise<Response> {
      if (req.headers.get("mcp-method") === "tools/call") {
        req.signal.addEventListener("abort", () => events.push("request aborted"), { once: true });
      }
      return await mcp.fetch(req);
    },
  };
}

/** What shows the server that the call was cancelled, per era. */
function cancelled(negotiation: "auto" | "legacy"): string {
  return negotiation === "auto" ? "request aborted" : "aborted";
}

for (const negotiation of ["auto", "legacy"] as const) {
  Deno.test(`${negotiation}: an isError result throws ToolError carrying the result`, async () => {
    const mcp = sleepyServer([]);
    try {
      await using client = new Client(mcp, { negotiation });
      const err = await client.callTool("fail").then(() => undefined, (e) => e);
      assert.ok(err instanceof ToolError);
      assert.equal(err.message, "it broke");
      assert.equal(err.toolName, "fail");
      assert.equal(err.result.isError, true);
    } finally {
      await mcp.close();
    }
  });

  Deno.test(`${negotiation}: raiseOnError false returns the error content`, async () => {
    const mcp = sleepyServer([]);
    try {
      await using client = new Client(mcp, { negotiation });
      assert.deepEqual(await client.callTool("fail", {}, { raiseOnError: false }), [
        { type: "text", text: "it broke" },
      ]);
      const result = await client.callToolResult("fail");
      assert.equal(result.isError, true);
    } finally {
      await mcp.close();
    }
  });

  Deno.test(`${negotiation}: a JSON-RPC error becomes McpError with its code`, async () => {
    const mcp = sleepyServer([]);
    try {
      await using client = new Client(mcp, { negotiation });
      const err = await client.readResource("nothing://here").then(() => undefined, (e) => e);
      assert.ok(err instanceof McpError, String(err));
      assert.ok([-32602, -32002].includes(err.rpcCode), String(err.rpcCode));
    } finally {
      await mcp.close();
    }
  });

  Deno.test(`${negotiation}: a per-call timeout rejects and cancels the request`, async () => {
    const events: string[] = [];
    const mcp = sleepyServer(events);
    try {
      await using client = new Client(recordingAborts(mcp, events), { negotiation });
      await client.connect();
      const started = Date.now();
      const err = await client.callTool("sleep", {}, { timeoutMs: 150 }).then(() => undefined, (e) => e);
      assert.ok(err instanceof RequestTimeoutError, String(err));
      assert.equal(err.timeoutMs, 150);
      assert.ok(Date.now() - started < 2_000);
      await eventually(() => events.includes(cancelled(negotiation)), {
        timeoutMs: 2_000,
        message: `the server never saw "${cancelled(negotiation)}"`,
      });
      assert.ok(!events.includes("finished"));
    } finally {
      await mcp.close();
    }
  });

  Deno.test(`${negotiation}: an AbortSignal cancels the request`, async () => {
    const events: string[] = [];
    const mcp = sleepyServer(events);
    try {
      await using client = new Client(recordingAborts(mcp, events), { negotiation });
      await client.connect();
      const controller = new AbortController();
      const call = client.callTool("sleep", {}, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error("user gave up")), 100);
      await assert.rejects(call, /user gave up/);
      await eventually(() => events.includes(cancelled(negotiation)), {
        timeoutMs: 2_000,
        message: `the server never saw "${cancelled(negotiation)}"`,
      });
      // The connection is still usable.
      assert.deepEqual(await client.callTool("fail", {}, { raiseOnError: false }), [
        { type: "text", text: "it broke" },
      ]);
    } finally {
      await mcp.close();
    }
  });
}

Deno.test("timeouts of calls in flight together each fire at their own time; progress restarts one", async () => {
  const mcp = sleepyServer([]);
  try {
    await using client = new Client(mcp);
    await client.connect();
    const started = Date.now();
    const ended = (call: Promise<unknown>) =>
      call.then(() => ["ok", Date.now() - started] as const, (e) => [e, Date.now() - started] as const);
    // The later deadline is set first: the one timer must move forward for the earlier one.
    const slow = ended(client.callTool("sleep", {}, { timeoutMs: 600 }));
    const quick = ended(client.callTool("sleep", {}, { timeoutMs: 150 }));
    // 400 ms of work under a 150 ms timeout, kept alive by progress every 50 ms.
    const ticking = ended(client.callTool("ticker", {}, { timeoutMs: 150, onProgress: () => {} }));
    const [quickError, quickAt] = await quick;
    assert.ok(quickError instanceof RequestTimeoutError, String(quickError));
    assert.ok(quickAt >= 140 && quickAt < 550, `the 150 ms timeout fired after ${quickAt} ms`);
    const [slowError, slowAt] = await slow;
    assert.ok(slowError instanceof RequestTimeoutError, String(slowError));
    assert.equal(slowError.timeoutMs, 600);
    assert.ok(slowAt >= 590, `the 600 ms timeout fired after ${slowAt} ms`);
    assert.equal((await ticking)[0], "ok", "progress every 50 ms kept a 150 ms timeout from firing");
    // The client is idle again: no timer of its keeps the test (or a process) alive.
    assert.deepEqual(await client.callTool("fail", {}, { raiseOnError: false }), [
      { type: "text", text: "it broke" },
    ]);
  } finally {
    await mcp.close();
  }
});

/** Waits 5 s (or until the request is aborted), then answers: a call that ignores the timeout succeeds late. */
async function stall(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

Deno.test("the client-wide timeoutMs applies to every call", async () => {
  const mcp = sleepyServer([]);
  mcp.resource("stall://slow", async (_params, ctx) => {
    await stall(ctx.signal);
    return "late";
  });
  mcp.prompt("slow", {}, async (_args, ctx) => {
    await stall(ctx.signal);
    return "late";
  });
  try {
    await using client = new Client(mcp, { timeoutMs: 100 });
    const calls: [string, () => Promise<unknown>][] = [
      ["tools/call", () => client.callTool("sleep")],
      ["resources/read", () => client.readResource("stall://slow")],
      ["prompts/get", () => client.getPrompt("slow")],
    ];
    for (const [method, call] of calls) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof RequestTimeoutError, `${method}: ${err}`);
        assert.equal(err.timeoutMs, 100, method);
        assert.match(err.message, new RegExp(`^${method} timed out`), method);
        return true;
      });
    }
  } finally {
    await mcp.close();
  }
});
