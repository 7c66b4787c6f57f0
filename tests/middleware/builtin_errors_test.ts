/**
 * `ErrorHandlingMiddleware` counts, reports and maps what fails below it; `RetryMiddleware` runs
 * the rest of the chain again on transient failures, with capped exponential backoff, never on a
 * client's fault, and stops when the request is cancelled.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Context, FastMCP, McpError, type Middleware, type MiddlewareContext } from "../../mod.ts";
import type { LoggingLevel } from "../../protocol/types.ts";
import { ErrorHandlingMiddleware } from "../../server/middleware/error_handling.ts";
import { RetryMiddleware } from "../../server/middleware/retry.ts";
import { legacyRequest, modernRequest, openSession, readAnswer } from "../helpers/http.ts";
import { z } from "zod";

type Json = Record<string, unknown>;

/** What the thrower middleware throws for each tool name. */
const FAILURES: Record<string, () => unknown> = {
  type: () => new TypeError("expected a number"),
  file: () => new Deno.errors.NotFound("no such file: data.csv"),
  denied: () => new Deno.errors.PermissionDenied("read access to data.csv"),
  timeout: () => new DOMException("signal timed out", "TimeoutError"),
  wrapped: () => new Error("the backend failed", { cause: new RangeError("index 9 out of range") }),
  other: () => new ReferenceError("x is not defined"),
  protocol: () => new McpError(-32000, "rate limited", { data: { retryAfterMs: 500 } }),
  text: () => "a thrown string",
};

/** Below the middleware under test: throws for the tools of {@link FAILURES} and for every read. */
const thrower: Middleware = {
  onCallTool(context, next) {
    const failure = FAILURES[String(context.params.name)];
    if (failure) throw failure();
    return next(context);
  },
  onReadResource() {
    return Promise.reject(new Deno.errors.NotFound("no such file: notes.txt"));
  },
};

function server(...middleware: Middleware[]) {
  const mcp = new FastMCP({ name: "errors", logger: () => {}, middleware, runInThread: false });
  mcp.tool("ok", () => Promise.resolve("fine"));
  const send = async (method: string, params: Json = {}) =>
    await readAnswer(await mcp.fetch(modernRequest(method, params, 1)));
  const call = (name: string) => send("tools/call", { name, arguments: {} });
  return { mcp, send, call };
}

Deno.test("ErrorHandlingMiddleware maps each kind of error to a fitting JSON-RPC code; protocol errors pass unchanged", async () => {
  const errors = new ErrorHandlingMiddleware({ logger: () => {} });
  const { mcp, call } = server(errors, thrower);
  const answers: Record<string, unknown> = {};
  try {
    for (const name of Object.keys(FAILURES)) answers[name] = (await call(name)).error;
  } finally {
    await mcp.close();
  }
  assert.deepEqual(answers, {
    type: { code: -32602, message: "Invalid params: expected a number" },
    file: { code: -32602, message: "Not found: no such file: data.csv" },
    denied: { code: -32000, message: "Permission denied: read access to data.csv" },
    timeout: { code: -32001, message: "Request timeout: signal timed out" },
    // Classified by its cause, as FastMCP does; the message is the error's own.
    wrapped: { code: -32602, message: "Invalid params: the backend failed" },
    other: { code: -32603, message: "Internal error: ReferenceError: x is not defined" },
    protocol: { code: -32000, message: "rate limited", data: { retryAfterMs: 500 } },
    text: { code: -32603, message: "Internal error: string: a thrown string" },
  });
});

Deno.test("ErrorHandlingMiddleware answers a missing resource as each era specifies, with data.uri", async () => {
  const { mcp, send } = server(new ErrorHandlingMiddleware({ logger: () => {} }), thrower);
  try {
    const modern = await send("resources/read", { uri: "file:///notes.txt" });
    assert.deepEqual(modern.error, {
      code: -32602,
      message: "Resource not found: no such file: notes.txt",
      data: { uri: "file:///notes.txt" },
    });
    const sessionId = await openSession(mcp.fetch);
    const legacy = await readAnswer(
      await mcp.fetch(legacyRequest(
        { jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "file:///notes.txt" } },
        { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
      )),
    );
    assert.deepEqual(legacy.error, {
      code: -32002,
      message: "Resource not found: no such file: notes.txt",
      data: { uri: "file:///notes.txt" },
    });
  } finally {
    await mcp.close();
  }
});

Deno.test("ErrorHandlingMiddleware counts errors by type and method, logs them and calls the callback", async () => {
  const logged: { level: LoggingLevel; message: string }[] = [];
  const seen: string[] = [];
  const errors = new ErrorHandlingMiddleware({
    logger: (level, message) => logged.push({ level, message }),
    errorCallback: (error, context: MiddlewareContext) =>
      seen.push(`${(error as Error).name} ${context.method}`),
  });
  const { mcp, send, call } = server(errors, thrower);
  try {
    await call("type");
    await call("type");
    await call("protocol");
    await call("missing");
    await send("resources/read", { uri: "file:///notes.txt" });
    assert.deepEqual((await call("ok")).result.content, [{ type: "text", text: "fine" }]);
  } finally {
    await mcp.close();
  }
  assert.deepEqual(errors.errorCounts, {
    "TypeError:tools/call": 2,
    "McpError:tools/call": 1,
    "NotFoundError:tools/call": 1,
    "NotFound:resources/read": 1,
  });
  assert.deepEqual(seen, [
    "TypeError tools/call",
    "TypeError tools/call",
    "McpError tools/call",
    "NotFoundError tools/call",
    "NotFound resources/read",
  ]);
  assert.deepEqual(logged[0], {
    level: "error",
    message: "Error in tools/call: TypeError: expected a number",
  });
  // Each error logs at its own level: an unknown tool is the client's business (info).
  assert.deepEqual(logged.map((l) => l.level), ["error", "error", "warning", "info", "error"]);
  // A copy: changing it changes nothing.
  const counts = errors.errorCounts;
  counts["TypeError:tools/call"] = 99;
  assert.equal(errors.errorCounts["TypeError:tools/call"], 2);
});

Deno.test("ErrorHandlingMiddleware and RetryMiddleware log through the server's logger unless given one", async () => {
  const logged: string[] = [];
  const { attempts, middleware } = flaky(1, timeout);
  const mcp = new FastMCP({
    name: "errors",
    logger: (level, message) => logged.push(`${level} ${message}`),
    middleware: [new ErrorHandlingMiddleware(), new RetryMiddleware({ baseDelayMs: 1 }), thrower, middleware],
    runInThread: false,
  });
  mcp.tool("ok", () => Promise.resolve("fine"));
  const call = async (name: string) =>
    await readAnswer(await mcp.fetch(modernRequest("tools/call", { name, arguments: {} })));
  try {
    await call("type");
    assert.deepEqual((await call("ok")).result.content, [{ type: "text", text: "fine" }]);
  } finally {
    await mcp.close();
  }
  assert.equal(attempts.length, 2);
  assert.deepEqual(logged, [
    "error Error in tools/call: TypeError: expected a number",
    "warning tools/call failed (attempt 1 of 4): TimeoutError: signal timed out; retrying in 1 ms",
  ]);
});

Deno.test("ErrorHandlingMiddleware swallows a throwing callback and still answers the mapped error", async () => {
  const logged: string[] = [];
  const errors = new ErrorHandlingMiddleware({
    logger: (_level, message) => logged.push(message),
    errorCallback: () => {
      throw new Error("the pager is down");
    },
  });
  const { mcp, call } = server(errors, thrower);
  try {
    assert.deepEqual((await call("type")).error, {
      code: -32602,
      message: "Invalid params: expected a number",
    });
  } finally {
    await mcp.close();
  }
  assert.deepEqual(logged, [
    "Error in tools/call: TypeError: expected a number",
    "Error in the error callback: the pager is down",
  ]);
});

Deno.test("ErrorHandlingMiddleware options: transformErrors false, includeTraceback, maskErrorDetails", async () => {
  const logged: string[] = [];
  const plain = server(
    new ErrorHandlingMiddleware({
      transformErrors: false,
      includeTraceback: true,
      logger: (_, m) => logged.push(m),
    }),
    thrower,
  );
  const masked = server(new ErrorHandlingMiddleware({ maskErrorDetails: true, logger: () => {} }), thrower);
  try {
    // Not transformed: the server answers it as any unexpected error.
    assert.deepEqual((await plain.call("type")).error, {
      code: -32603,
      message: "Internal error: expected a number",
    });
    assert.deepEqual((await masked.call("other")).error, { code: -32603, message: "Internal error" });
    assert.deepEqual((await masked.call("type")).error, { code: -32602, message: "Invalid params" });
  } finally {
    await plain.mcp.close();
    await masked.mcp.close();
  }
  assert.equal(logged.length, 1);
  assert.match(
    logged[0],
    /^Error in tools\/call: TypeError: expected a number\nTypeError: expected a number\n\s+at /,
  );
});

Deno.test("ErrorHandlingMiddleware lets a mounted tool's request for client input through (control flow, not an error)", async () => {
  const errors = new ErrorHandlingMiddleware({ logger: () => {} });
  const child = new FastMCP({ name: "child", logger: () => {}, middleware: [errors], runInThread: false });
  child.tool("confirm", async (_args, ctx) => {
    const answer = await ctx.elicit("Proceed?", z.object({ ok: z.boolean() }));
    return answer.action;
  });
  const parent = new FastMCP({ name: "parent", logger: () => {}, runInThread: false });
  parent.mount(child, { namespace: "c" });
  try {
    const answer = await readAnswer(
      await parent.fetch(modernRequest("tools/call", {
        name: "c_confirm",
        arguments: {},
        _meta: { "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} } } },
      })),
    );
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    assert.equal(answer.result.resultType, "input_required");
  } finally {
    await parent.close();
  }
  assert.deepEqual(errors.errorCounts, {});
});

/** Below the retry middleware: fails with `failure()` the first `failures` times, then continues. */
function flaky(failures: number, failure: () => unknown) {
  const attempts: number[] = [];
  const middleware: Middleware = {
    onCallTool(context, next) {
      attempts.push(performance.now());
      if (attempts.length <= failures) throw failure();
      return next(context);
    },
  };
  return { attempts, middleware };
}

const timeout = () => new DOMException("signal timed out", "TimeoutError");

Deno.test("RetryMiddleware retries a transient error and then succeeds", async () => {
  const logged: string[] = [];
  const retry = new RetryMiddleware({ baseDelayMs: 5, logger: (_, message) => logged.push(message) });
  const { attempts, middleware } = flaky(2, timeout);
  const { mcp, call } = server(retry, middleware);
  try {
    assert.deepEqual((await call("ok")).result.content, [{ type: "text", text: "fine" }]);
  } finally {
    await mcp.close();
  }
  assert.equal(attempts.length, 3);
  assert.deepEqual(logged, [
    "tools/call failed (attempt 1 of 4): TimeoutError: signal timed out; retrying in 5 ms",
    "tools/call failed (attempt 2 of 4): TimeoutError: signal timed out; retrying in 10 ms",
  ]);
});

Deno.test("RetryMiddleware never retries a client fault, whatever retryExceptions says, nor an error it was not told of", async () => {
  const faults = [
    new McpError(-32602, "bad arguments"),
    new McpError(-32601, "no such method"),
    new McpError(-32003, "forbidden"),
  ];
  for (const fault of faults) {
    const { attempts, middleware } = flaky(1, () => fault);
    const { mcp, call } = server(
      new RetryMiddleware({ baseDelayMs: 1, retryExceptions: () => true }),
      middleware,
    );
    try {
      assert.equal((await call("ok")).error.code, fault.rpcCode);
    } finally {
      await mcp.close();
    }
    assert.equal(attempts.length, 1, fault.message);
  }
  // The default retries only connection failures and timeouts.
  const { attempts, middleware } = flaky(1, () => new Error("disk full"));
  const { mcp, call } = server(new RetryMiddleware({ baseDelayMs: 1, logger: () => {} }), middleware);
  try {
    assert.deepEqual((await call("ok")).error, { code: -32603, message: "Internal error: disk full" });
  } finally {
    await mcp.close();
  }
  assert.equal(attempts.length, 1);
});

Deno.test("RetryMiddleware retries the error classes it is given, matching an error's cause too", async () => {
  const refused = () =>
    new Error("upstream call failed", { cause: new Deno.errors.ConnectionRefused("refused") });
  const { attempts, middleware } = flaky(2, refused);
  const retry = new RetryMiddleware({
    baseDelayMs: 1,
    retryExceptions: [Deno.errors.ConnectionRefused],
    logger: () => {},
  });
  const { mcp, call } = server(retry, middleware);
  try {
    assert.deepEqual((await call("ok")).result.content, [{ type: "text", text: "fine" }]);
  } finally {
    await mcp.close();
  }
  assert.equal(attempts.length, 3);
});

Deno.test("RetryMiddleware waits longer each time, never more than maxDelayMs, then throws the last error", async () => {
  const fields: Json[] = [];
  const retry = new RetryMiddleware({
    maxRetries: 3,
    baseDelayMs: 20,
    backoffMultiplier: 10,
    maxDelayMs: 50,
    logger: (_level, _message, f) => fields.push(f!),
  });
  let n = 0;
  const { attempts, middleware } = flaky(
    Infinity,
    () => new DOMException(`timed out ${++n}`, "TimeoutError"),
  );
  const { mcp, call } = server(retry, middleware);
  try {
    assert.deepEqual((await call("ok")).error, { code: -32603, message: "Internal error: timed out 4" });
  } finally {
    await mcp.close();
  }
  assert.equal(attempts.length, 4);
  // 20, then 200 capped to 50, then 2000 capped to 50.
  assert.deepEqual(fields.map((f) => f.delayMs), [20, 50, 50]);
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
  assert.ok(gaps[0] >= 19, `gaps ${gaps}`);
  assert.ok(gaps[1] >= 49 && gaps[2] >= 49, `gaps ${gaps}`);
  // Uncapped, the last wait would have been 2 s.
  assert.ok(gaps[2] < 1_000, `gaps ${gaps}`);
});

Deno.test("RetryMiddleware stops waiting when the request is cancelled", async () => {
  const controller = new AbortController();
  // Outside the retry middleware: gives the request a signal the test controls.
  const cancellable: Middleware = {
    onCallTool: (context, next) =>
      next({ ...context, context: { signal: controller.signal } as unknown as Context }),
  };
  const { attempts, middleware } = flaky(Infinity, () => {
    setTimeout(() => controller.abort(), 20);
    return timeout();
  });
  const retry = new RetryMiddleware({ baseDelayMs: 10_000, logger: () => {} });
  const { mcp, call } = server(cancellable, retry, middleware);
  const started = performance.now();
  try {
    assert.deepEqual((await call("ok")).error, { code: -32603, message: "Internal error: signal timed out" });
  } finally {
    await mcp.close();
  }
  assert.equal(attempts.length, 1);
  assert.ok(performance.now() - started < 5_000, "waited out the delay");
  // Cancelled before the failure: no wait at all.
  const again = flaky(Infinity, timeout);
  const { mcp: mcp2, call: call2 } = server(cancellable, retry, again.middleware);
  try {
    assert.equal((await call2("ok")).error.code, -32603);
  } finally {
    await mcp2.close();
  }
  assert.equal(again.attempts.length, 1);
});

Deno.test("RetryMiddleware refuses options it cannot honour", () => {
  assert.throws(() => new RetryMiddleware({ maxRetries: -1 }), TypeError);
  assert.throws(() => new RetryMiddleware({ maxRetries: 1.5 }), TypeError);
  assert.throws(() => new RetryMiddleware({ baseDelayMs: Number.NaN }), TypeError);
  assert.throws(() => new RetryMiddleware({ maxDelayMs: Infinity }), TypeError);
});
