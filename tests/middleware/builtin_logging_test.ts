/**
 * The built-in logging middleware: `TimingMiddleware`, `LoggingMiddleware` and
 * `StructuredLoggingMiddleware` log every request with its duration, carry payloads only when
 * asked (cut to a length), and never print a secret, wherever in a payload it sits.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP, type Middleware, RemoteAuthProvider, StaticTokenVerifier, ToolError } from "../../mod.ts";
import type { LoggingLevel } from "../../protocol/types.ts";
import { LoggingMiddleware } from "../../server/middleware/logging.ts";
import { StructuredLoggingMiddleware } from "../../server/middleware/structured_logging.ts";
import { TimingMiddleware } from "../../server/middleware/timing.ts";
import { legacyRequest, modernRequest, openSession, readAnswer } from "../helpers/http.ts";

type Json = Record<string, unknown>;

/** Secrets the tests send; none may appear in any log line. */
const SECRETS = ["sk-live-0001", "hunter2", "sid-0002", "tok-0003", "abc.def.0004", "at-0005", "pw-0006"];

/** Arguments that carry a secret in every way a client might: by key at any depth, and inside text. */
const SECRET_ARGS = {
  text: "hello",
  api_key: "sk-live-0001",
  config: { Password: "hunter2", headers: [{ Cookie: "sid=sid-0002" }] },
  note: "see https://x.test/cb?token=tok-0003 with Bearer abc.def.0004",
};

function assertNoSecret(lines: readonly string[]): void {
  assert.ok(lines.length > 0, "nothing was logged");
  for (const line of lines) {
    for (const secret of SECRETS) assert.ok(!line.includes(secret), `${secret} leaked in: ${line}`);
  }
}

/** A small server: an echo of anything, a tool that answers with a secret-bearing JSON text, one that fails. */
function server(middleware: Middleware[], options: { auth?: RemoteAuthProvider } = {}) {
  const mcp = new FastMCP({
    name: "logging",
    logger: () => {},
    middleware,
    runInThread: false,
    auth: options.auth,
  });
  mcp.tool("echo", { input: { type: "object" } }, (args) => Promise.resolve(String(args.text)));
  mcp.tool("login", () => Promise.resolve(JSON.stringify({ accessToken: "at-0005", user: "ann" })));
  mcp.tool("broken", () => Promise.reject(new ToolError("the backend is down")));
  mcp.resource("config://app", () => Promise.resolve("theme=dark"));
  const send = async (method: string, params: Json = {}, headers: Record<string, string> = {}) =>
    await readAnswer(await mcp.fetch(modernRequest(method, params, 1, headers)));
  return { mcp, send };
}

Deno.test("TimingMiddleware logs each request's method, name and duration at its level, success or failure", async () => {
  const logged: { level: LoggingLevel; message: string; fields?: Json }[] = [];
  const timing = new TimingMiddleware({
    logLevel: "debug",
    logger: (level, message, fields) => logged.push({ level, message, fields }),
  });
  const { mcp, send } = server([timing]);
  try {
    await send("tools/call", { name: "echo", arguments: { text: "hi" } });
    await send("tools/call", { name: "broken", arguments: {} });
    await send("tools/call", { name: "missing", arguments: {} });
    await send("resources/read", { uri: "config://app?password=pw-0006" });
    await send("tools/list");
  } finally {
    await mcp.close();
  }
  assert.deepEqual(logged.map((l) => l.level), ["debug", "debug", "debug", "debug", "debug"]);
  const messages = logged.map((l) => l.message);
  assert.match(messages[0], /^tools\/call echo completed in \d+\.\d\d ms$/);
  assert.match(messages[1], /^tools\/call broken completed in \d+\.\d\d ms with a tool error$/);
  assert.match(messages[2], /^tools\/call missing failed after \d+\.\d\d ms: Unknown tool: 'missing'$/);
  assert.match(
    messages[3],
    /^resources\/read config:\/\/app\?password=\[redacted\] failed after \d+\.\d\d ms: /,
  );
  assert.match(messages[4], /^tools\/list completed in \d+\.\d\d ms$/);
  assertNoSecret(messages);
  assert.equal(logged[0].fields?.method, "tools/call");
  assert.equal(logged[0].fields?.name, "echo");
  assert.equal(logged[0].fields?.ok, true);
  assert.equal(typeof logged[0].fields?.durationMs, "number");
  assert.equal(logged[2].fields?.ok, false);
});

Deno.test("TimingMiddleware measures the time the rest of the chain takes", async () => {
  const logged: Json[] = [];
  const slow: Middleware = {
    onCallTool: async (context, next) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return await next(context);
    },
  };
  const timing = new TimingMiddleware({ logger: (_level, _message, fields) => logged.push(fields!) });
  const { mcp, send } = server([timing, slow]);
  try {
    await send("tools/call", { name: "echo", arguments: { text: "hi" } });
  } finally {
    await mcp.close();
  }
  assert.equal(logged.length, 1);
  assert.ok((logged[0].durationMs as number) >= 29, `durationMs ${logged[0].durationMs}`);
});

Deno.test("TimingMiddleware logs through the server's logger unless given one, so the server's level applies", async () => {
  const logged: string[] = [];
  const verbose = new FastMCP({
    name: "timing",
    logger: (level, message) => logged.push(`${level} ${message}`),
    middleware: [new TimingMiddleware()],
    runInThread: false,
  });
  verbose.tool("ping", () => Promise.resolve("pong"));
  try {
    await readAnswer(await verbose.fetch(modernRequest("tools/call", { name: "ping", arguments: {} })));
  } finally {
    await verbose.close();
  }
  assert.deepEqual(logged.filter((l) => l.includes("ping")).map((l) => l.replace(/[\d.]+ ms/, "N ms")), [
    "info tools/call ping completed in N ms",
  ]);
});

Deno.test("LoggingMiddleware writes → and ← lines with the tool name and duration, and ✗ with the error", async () => {
  const lines: string[] = [];
  const { mcp, send } = server([new LoggingMiddleware({ logger: (line) => lines.push(line) })]);
  try {
    await send("tools/call", { name: "echo", arguments: { text: "private words" } });
    await send("tools/call", { name: "broken", arguments: {} });
    await send("tools/call", { name: "missing", arguments: {} });
  } finally {
    await mcp.close();
  }
  assert.equal(lines.length, 6, lines.join("\n"));
  assert.equal(lines[0], "→ tools/call echo");
  assert.match(lines[1], /^← tools\/call echo \d+\.\d ms$/);
  assert.equal(lines[2], "→ tools/call broken");
  assert.match(lines[3], /^← tools\/call broken \d+\.\d ms \(tool error\)$/);
  assert.equal(lines[4], "→ tools/call missing");
  assert.match(lines[5], /^✗ tools\/call missing \d+\.\d ms: Unknown tool: 'missing'$/);
  // Payloads are off by default: the arguments are the user's.
  assert.ok(!lines.join("\n").includes("private words"));
});

Deno.test("LoggingMiddleware with payloads redacts every secret, by key at any depth and inside text", async () => {
  const lines: string[] = [];
  const logging = new LoggingMiddleware({ includePayloads: true, logger: (line) => lines.push(line) });
  const { mcp, send } = server([logging]);
  try {
    const echoed = await send("tools/call", { name: "echo", arguments: SECRET_ARGS });
    assert.deepEqual(echoed.result.content, [{ type: "text", text: "hello" }]);
    await send("tools/call", { name: "login", arguments: { authorization: "Bearer abc.def.0004" } });
    await send("resources/read", { uri: "config://app?token=tok-0003" });
  } finally {
    await mcp.close();
  }
  assertNoSecret(lines);
  const request = lines[0];
  assert.ok(request.startsWith("→ tools/call echo {"), request);
  const params = JSON.parse(request.slice("→ tools/call echo ".length));
  assert.deepEqual(params, {
    name: "echo",
    arguments: {
      text: "hello",
      api_key: "[redacted]",
      config: { Password: "[redacted]", headers: [{ Cookie: "[redacted]" }] },
      note: "see https://x.test/cb?token=[redacted] with Bearer [redacted]",
    },
  });
  // The 2026 envelope is left out of payloads.
  assert.ok(!request.includes("_meta"));
  const loginAnswer = lines.find((l) => l.startsWith("← tools/call login"))!;
  assert.ok(loginAnswer.includes(String.raw`\"accessToken\":\"[redacted]\"`), loginAnswer);
  assert.ok(loginAnswer.includes(String.raw`\"user\":\"ann\"`), loginAnswer);
  assert.ok(
    lines.includes(`→ resources/read config://app?token=[redacted] {"uri":"config://app?token=[redacted]"}`),
  );
});

Deno.test("LoggingMiddleware cuts payloads to maxPayloadLength with a marker", async () => {
  const lines: string[] = [];
  const logging = new LoggingMiddleware({
    includePayloads: true,
    maxPayloadLength: 40,
    logger: (line) => lines.push(line),
  });
  const { mcp, send } = server([logging]);
  const long = "x".repeat(500);
  try {
    await send("tools/call", { name: "echo", arguments: { text: long } });
  } finally {
    await mcp.close();
  }
  const request = lines[0];
  const payload = request.slice("→ tools/call echo ".length);
  const full = JSON.stringify({ name: "echo", arguments: { text: long } });
  assert.equal(payload, `${full.slice(0, 40)}…[truncated: ${full.length} characters in all]`);
  const answer = lines[1].replace(/^← tools\/call echo \d+\.\d ms /, "");
  assert.match(answer, /^\{"content":\[\{"type":"text","text":"x+…\[truncated: \d+ characters in all\]$/);
  assert.equal(answer.indexOf("…"), 40);
  assert.throws(() => new LoggingMiddleware({ maxPayloadLength: 0 }), TypeError);
});

Deno.test("LoggingMiddleware logs only the methods it is given; notifications get an arrival line", async () => {
  const lines: string[] = [];
  const only = new LoggingMiddleware({ methods: ["tools/call"], logger: (line) => lines.push(line) });
  const all: string[] = [];
  const everything = new LoggingMiddleware({ logger: (line) => all.push(line) });
  const { mcp, send } = server([only, everything]);
  try {
    await send("tools/list");
    await send("tools/call", { name: "echo", arguments: { text: "hi" } });
    const sessionId = await openSession(mcp.fetch);
    const res = await mcp.fetch(
      legacyRequest({ jsonrpc: "2.0", method: "notifications/roots/list_changed" }, {
        "mcp-session-id": sessionId,
        "mcp-protocol-version": "2025-11-25",
      }),
    );
    assert.equal(res.status, 202);
  } finally {
    await mcp.close();
  }
  assert.equal(lines.length, 2);
  assert.equal(lines[0], "→ tools/call echo");
  assert.match(lines[1], /^← tools\/call echo /);
  assert.ok(all.some((l) => l.startsWith("← tools/list ")));
  assert.ok(all.includes("→ notifications/initialized"));
  assert.ok(all.includes("→ notifications/roots/list_changed"));
  assert.ok(!all.some((l) => l.startsWith("← notifications/")), all.join("\n"));
});

Deno.test("StructuredLoggingMiddleware writes one JSON object per line: request, response and error events", async () => {
  const lines: string[] = [];
  const structured = new StructuredLoggingMiddleware({
    includePayloads: true,
    logger: (line) => lines.push(line),
  });
  const { mcp, send } = server([structured]);
  let sessionId = "";
  try {
    await send("tools/call", { name: "echo", arguments: SECRET_ARGS });
    await send("tools/call", { name: "missing", arguments: {} });
    sessionId = await openSession(mcp.fetch);
  } finally {
    await mcp.close();
  }
  assertNoSecret(lines);
  const entries = lines.map((line) => JSON.parse(line) as Json);
  const [request, response, , error] = entries;
  assert.equal(request.event, "request");
  assert.equal(request.method, "tools/call");
  assert.equal(request.name, "echo");
  assert.equal(typeof request.timestamp, "string");
  assert.ok(!Number.isNaN(Date.parse(request.timestamp as string)));
  assert.equal(request.durationMs, undefined);
  assert.deepEqual(JSON.parse(request.payload as string).arguments.config, {
    Password: "[redacted]",
    headers: [{ Cookie: "[redacted]" }],
  });
  assert.equal(response.event, "response");
  assert.equal(typeof response.durationMs, "number");
  assert.equal(typeof response.payload, "string");
  assert.deepEqual(JSON.parse(response.payload as string).content, [{ type: "text", text: "hello" }]);
  assert.equal(error.event, "error");
  assert.equal(error.name, "missing");
  assert.equal(error.error, "Unknown tool: 'missing'");
  assert.equal(error.errorCode, -32602);
  assert.equal(typeof error.durationMs, "number");
  // The 2025 session: initialize is a request of the session-to-be, then the notification carries its id.
  const initialized = entries.find((e) => e.method === "notifications/initialized")!;
  assert.equal(initialized.event, "notification");
  assert.equal(initialized.sessionId, sessionId);
});

Deno.test("StructuredLoggingMiddleware names the caller by subject only, never its token or claims", async () => {
  const lines: string[] = [];
  const auth = new RemoteAuthProvider({
    tokenVerifier: new StaticTokenVerifier({
      tokens: {
        "tok-0003": { subject: "ann", scopes: [], claims: { email: "ann@example.com", secret: "pw-0006" } },
      },
    }),
    authorizationServers: ["https://idp.example.com"],
    baseUrl: "https://api.example.com",
  });
  const structured = new StructuredLoggingMiddleware({
    includePayloads: true,
    logger: (line) => lines.push(line),
  });
  const { mcp, send } = server([structured], { auth });
  try {
    const answer = await send("tools/call", { name: "echo", arguments: { text: "hi" } }, {
      authorization: "Bearer tok-0003",
    });
    assert.deepEqual(answer.result.content, [{ type: "text", text: "hi" }]);
  } finally {
    await mcp.close();
  }
  assertNoSecret(lines);
  assert.ok(!lines.join("\n").includes("ann@example.com"));
  const entries = lines.map((line) => JSON.parse(line) as Json);
  assert.deepEqual(entries.map((e) => [e.event, e.subject]), [["request", "ann"], ["response", "ann"]]);
});

Deno.test("StructuredLoggingMiddleware cuts payloads and keeps them strings", async () => {
  const lines: string[] = [];
  const structured = new StructuredLoggingMiddleware({
    includePayloads: true,
    maxPayloadLength: 30,
    methods: ["tools/call"],
    logger: (line) => lines.push(line),
  });
  const { mcp, send } = server([structured]);
  try {
    await send("tools/list");
    await send("tools/call", { name: "echo", arguments: { text: "y".repeat(300) } });
  } finally {
    await mcp.close();
  }
  const entries = lines.map((line) => JSON.parse(line) as Json);
  assert.deepEqual(entries.map((e) => e.event), ["request", "response"]);
  const full = JSON.stringify({ name: "echo", arguments: { text: "y".repeat(300) } });
  assert.equal(entries[0].payload, `${full.slice(0, 30)}…[truncated: ${full.length} characters in all]`);
  assert.match(entries[1].payload as string, /^.{30}…\[truncated: \d+ characters in all\]$/);
});
