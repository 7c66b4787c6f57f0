/**
 * Test servers for the end-to-end suites: a small FastMCP with one of each feature, and a helper
 * that serves it on 127.0.0.1 (a free port) and stops it again.
 *
 * @module
 */

import { FastMCP } from "../../mod.ts";
import { z } from "zod";

/** Name and version the test server reports. */
export const TEST_SERVER_INFO = { name: "denomcp-e2e", version: "1.2.3" } as const;

/** Names of the tools of {@link createTestServer}, in definition order. */
export const TEST_TOOL_NAMES = ["add", "weather", "slow_count", "ask_name", "summarize"] as const;

/** Text of the static resource `config://app`. */
export const STATIC_RESOURCE_TEXT = "theme=dark\nlanguage=en";

/** Values the `greeting://{name}` template completes `name` from. */
export const GREETING_NAMES = ["Alice", "Alan", "Bob"] as const;

/** Languages the `review` prompt completes `language` from. */
export const REVIEW_LANGUAGES = ["typescript", "tsx", "rust"] as const;

/**
 * Builds a fresh test server:
 *
 * - tool `add` (`{ a, b }` numbers → their sum as text)
 * - tool `weather` (`{ city }` → structured `{ city, tempC: 21, conditions: "sunny" }`, with an output schema)
 * - tool `slow_count` (reports progress 1/3, 2/3, 3/3 and logs `step 1..3` at info level)
 * - tool `ask_name` (`{ question? }`; elicits `{ name }` from the user with that message)
 * - tool `summarize` (asks the client's model through sampling)
 * - resource `config://app` (text), template `greeting://{name}` (with completion)
 * - prompt `review` (`{ code, language? }`, completion for `language`)
 */
export function createTestServer(): FastMCP {
  const mcp = new FastMCP({
    ...TEST_SERVER_INFO,
    instructions: "Test server for interop suites.",
    logger: () => {},
    // Built inside a function, so a pool worker could not find its tools; the stdio suites
    // (examples/quickstart.ts) cover the pool with the official clients.
    runInThread: false,
  });

  mcp.tool("add", {
    description: "Add two numbers",
    input: z.object({ a: z.number().describe("First addend"), b: z.number().describe("Second addend") }),
  }, ({ a, b }) => String(a + b));

  mcp.tool("weather", {
    description: "Current weather of a city",
    input: z.object({ city: z.string() }),
    output: z.object({ city: z.string(), tempC: z.number(), conditions: z.string() }),
    annotations: { readOnlyHint: true },
  }, ({ city }) => ({ city, tempC: 21, conditions: "sunny" }));

  mcp.tool("slow_count", { description: "Counts to three with progress and logs" }, async (_args, ctx) => {
    for (let step = 1; step <= 3; step++) {
      await ctx.info(`step ${step}`);
      await ctx.reportProgress(step, 3, `step ${step} of 3`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return "counted to 3";
  });

  mcp.tool("ask_name", {
    description: "Asks the user for a name",
    input: z.object({ question: z.string().default("What is your name?") }),
  }, async ({ question }, ctx) => {
    const answer = await ctx.elicit(question, z.object({ name: z.string() }));
    return answer.action === "accept" ? `Hello, ${answer.data.name}!` : `No name (${answer.action})`;
  });

  mcp.tool("summarize", {
    description: "Summarises text with the client's model",
    input: z.object({ text: z.string() }),
  }, async ({ text }, ctx) => {
    const answer = await ctx.sample(`Summarize: ${text}`, { maxTokens: 50 });
    return `Model said: ${answer.text}`;
  });

  mcp.resource("config://app", {
    name: "app-config",
    description: "Application configuration",
    mimeType: "text/plain",
  }, () => STATIC_RESOURCE_TEXT);

  mcp.resource("greeting://{name}", {
    name: "greeting",
    description: "A greeting for someone",
    mimeType: "text/plain",
    complete: { name: (value) => GREETING_NAMES.filter((n) => n.startsWith(value)) },
  }, ({ name }) => `Hello, ${name}!`);

  mcp.prompt("review", {
    description: "Review some code",
    args: z.object({
      code: z.string().describe("The code to review"),
      language: z.string().optional().describe("Programming language"),
    }),
    complete: { language: (value) => REVIEW_LANGUAGES.filter((l) => l.startsWith(value)) },
  }, ({ code, language }) => `Please review this ${language ?? "code"}:\n${code}`);

  return mcp;
}

/** A test server listening on 127.0.0.1. */
export interface RunningServer {
  /** The server. */
  readonly mcp: FastMCP;
  /** URL of its MCP endpoint. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops the server and waits until it has finished. */
  close(): Promise<void>;
  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Serves `mcp` (default: a fresh {@link createTestServer}) on 127.0.0.1 on a free port. */
export function startServer(mcp: FastMCP = createTestServer()): RunningServer {
  const handle = mcp.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} });
  if (handle.addr.transport !== "tcp") throw new Error("expected a TCP address");
  const port = handle.addr.port;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      await mcp.close();
      await handle.finished;
    })();
  return { mcp, url: handle.url, port, close, [Symbol.asyncDispose]: close };
}

/** Headers a 2025-era raw POST needs. */
export function legacyHeaders(sessionId?: string, protocolVersion = "2025-11-25"): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": protocolVersion,
  };
  if (sessionId !== undefined) headers["mcp-session-id"] = sessionId;
  return headers;
}

/** Raw 2025-era `ping` POST on a session; returns the HTTP status (404 once the session is gone). */
export async function pingSession(url: string, sessionId: string): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: legacyHeaders(sessionId),
    body: JSON.stringify({ jsonrpc: "2.0", id: 99, method: "ping" }),
  });
  await res.body?.cancel();
  return res.status;
}
