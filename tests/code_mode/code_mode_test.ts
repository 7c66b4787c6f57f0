/**
 * Code Mode seen as a client sees it: the listing collapses to the discovery tools and
 * `execute`; code calls tools through the server's normal path; every way out of the sandbox
 * fails with a clear error, limits stop the code from outside, and the server keeps serving
 * during and after each.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { z } from "zod";
import { Client } from "../../client.ts";
import { CodeMode, type CodeModeOptions, FastMCP, requireScopes, StaticTokenVerifier } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  result?: Json;
  error?: { code: number; message: string };
}

async function call(mcp: FastMCP, name: string, args: Json = {}, token?: string): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await mcp.fetch(modernRequest("tools/call", { name, arguments: args }, 1, headers));
  return { status: res.status, ...await readAnswer(res) };
}

function textOf(answer: Answer): string {
  assert.ok(answer.result, `expected a result, got ${JSON.stringify(answer.error)}`);
  return (answer.result.content as { text: string }[]).map((c) => c.text).join("\n");
}

/** Runs code; asserts it succeeded and gives what it returned and printed. */
async function run(mcp: FastMCP, code: string, token?: string): Promise<{ result: unknown; output: string }> {
  const answer = await call(mcp, "execute", { code }, token);
  assert.equal(answer.result?.isError, undefined, textOf(answer));
  return answer.result!.structuredContent as { result: unknown; output: string };
}

/** Runs code that must fail; gives the error text the model reads. */
async function failure(mcp: FastMCP, code: string): Promise<string> {
  const answer = await call(mcp, "execute", { code });
  assert.equal(answer.result?.isError, true, `expected an error, got ${textOf(answer)}`);
  return textOf(answer);
}

/** A shop with three tools a task needs in turn, and a counter of the calls they received. */
function shop(options: CodeModeOptions = {}): { mcp: FastMCP; calls: string[] } {
  const calls: string[] = [];
  const mcp = new FastMCP({ name: "shop", logger: () => {}, runInThread: false });
  mcp.tool("find_customer", {
    description: "Find a customer by email",
    input: z.object({ email: z.string() }),
    output: z.object({ id: z.number(), name: z.string() }),
    tags: ["customers"],
  }, async ({ email }) => {
    calls.push("find_customer");
    return { id: email.length, name: email.split("@")[0] };
  });
  mcp.tool("list_orders", {
    description: "Orders of a customer, by customer id",
    input: z.object({ customerId: z.number() }),
    output: z.array(z.object({ sku: z.string(), quantity: z.number() })),
    tags: ["orders"],
  }, async ({ customerId }) => {
    calls.push("list_orders");
    return [{ sku: "tea", quantity: customerId }, { sku: "cup", quantity: 2 }];
  });
  mcp.tool("price_of", {
    description: "Unit price of a product in cents",
    input: z.object({ sku: z.string() }),
    output: z.number(),
    tags: ["orders", "catalog"],
  }, async ({ sku }) => {
    calls.push("price_of");
    return sku === "tea" ? 450 : 1200;
  });
  mcp.tool(
    "echo",
    { description: "Echo text", input: z.object({ text: z.string() }) },
    async ({ text }) => text,
  );
  mcp.tool("fail", { description: "Always fails" }, async () => {
    throw new Error("out of stock");
  });
  mcp.addTransform(new CodeMode({ timeoutMs: 5_000, ...options }));
  return { mcp, calls };
}

Deno.test("the listing collapses to search, get_schema and execute; tools stay callable by name", async () => {
  const { mcp } = shop();
  try {
    const res = await mcp.fetch(modernRequest("tools/list", {}));
    const { result } = await readAnswer(res);
    assert.deepEqual((result!.tools as { name: string }[]).map((t) => t.name), [
      "search",
      "get_schema",
      "execute",
    ]);
    assert.equal(textOf(await call(mcp, "echo", { text: "direct" })), "direct");
  } finally {
    await mcp.close();
  }
});

Deno.test("search ranks by words of names and descriptions; get_schema declares typed callTool overloads", async () => {
  const { mcp } = shop({ discovery: ["search", "get_schema", "tags", "list_tools"] });
  try {
    const found = (await call(mcp, "search", { query: "customer orders" })).result!.structuredContent as {
      tools: { name: string }[];
    };
    assert.deepEqual(found.tools.map((t) => t.name).slice(0, 2).sort(), ["find_customer", "list_orders"]);
    assert.ok(!found.tools.some((t) => ["search", "execute"].includes(t.name)));
    const tagged = (await call(mcp, "search", { query: "price orders", tags: ["catalog"] })).result!
      .structuredContent as { tools: { name: string }[] };
    assert.deepEqual(tagged.tools.map((t) => t.name), ["price_of"]);

    const declarations = textOf(
      await call(mcp, "get_schema", { tools: ["find_customer", "price_of", "nope"] }),
    );
    assert.match(declarations, /^\/\/ Not found: nope$/m);
    assert.match(declarations, /\/\*\* Find a customer by email \*\//);
    assert.match(
      declarations,
      /declare function callTool\(name: "find_customer", args: \{\n\s+email: string;\n\}\): Promise<\{\n\s+id: number;\n\s+name: string;\n\}>;/,
    );
    // A non-object result is declared as the value code gets, not the { result } wrapper.
    assert.match(
      declarations,
      /declare function callTool\(name: "price_of", args: \{\n\s+sku: string;\n\}\): Promise<number>;/,
    );
    const json = (await call(mcp, "get_schema", { tools: ["echo"], format: "json-schema" })).result!
      .structuredContent as { tools: { name: string; inputSchema: Json }[] };
    assert.deepEqual(json.tools[0].inputSchema.required, ["text"]);

    const tags = (await call(mcp, "tags")).result!.structuredContent as {
      tags: { tag: string; tools: number }[];
    };
    assert.deepEqual(tags.tags, [
      { tag: "catalog", tools: 1 },
      { tag: "customers", tools: 1 },
      { tag: "orders", tools: 2 },
    ]);
    const all = (await call(mcp, "list_tools")).result!.structuredContent as { tools: { name: string }[] };
    assert.deepEqual(all.tools.map((t) => t.name), [
      "find_customer",
      "list_orders",
      "price_of",
      "echo",
      "fail",
    ]);
  } finally {
    await mcp.close();
  }
});

Deno.test("one execute solves a multi-step task with three tools and returns the value and what it printed", async () => {
  const { mcp, calls } = shop();
  try {
    const { result, output } = await run(
      mcp,
      `
      const customer: { id: number; name: string } = await callTool("find_customer", { email: "ada@example.com" });
      const orders = await callTool("list_orders", { customerId: customer.id });
      let total = 0;
      for (const order of orders) {
        const price = await callTool("price_of", { sku: order.sku });
        console.log(order.sku, order.quantity, price);
        total += price * order.quantity;
      }
      ({ customer: customer.name, totalCents: total })
      `,
    );
    assert.deepEqual(result, { customer: "ada", totalCents: 15 * 450 + 2 * 1200 });
    assert.equal(output, "tea 15 450\ncup 2 1200\n");
    assert.deepEqual(calls, ["find_customer", "list_orders", "price_of", "price_of"]);
  } finally {
    await mcp.close();
  }
});

Deno.test("results: a top-level return, the last expression, null without either, text of an unstructured tool", async () => {
  const { mcp } = shop();
  try {
    assert.equal((await run(mcp, "if (1 > 0) return 'early';\n'late'")).result, "early");
    assert.equal((await run(mcp, "const x = 20;\nx * 2 + 2 // the answer")).result, 42);
    assert.equal((await run(mcp, "const x = 1;")).result, null);
    assert.equal((await run(mcp, `await callTool("echo", { text: "héllo" })`)).result, "héllo");
  } finally {
    await mcp.close();
  }
});

Deno.test("a tool error is thrown in the code, which may catch it; uncaught, it fails the execution", async () => {
  const { mcp } = shop();
  try {
    const caught = await run(
      mcp,
      `try { await callTool("fail", {}); } catch (e) { return "caught: " + e.message; }`,
    );
    assert.equal(caught.result, "caught: Error calling tool 'fail': out of stock");
    assert.match(
      await failure(mcp, `console.log("before");\nawait callTool("fail", {})`),
      /the code failed: Error: Error calling tool 'fail': out of stock\n\nconsole output:\nbefore\n$/,
    );
    assert.match(
      await failure(mcp, `await callTool("echo", { text: 5 })`),
      /Invalid arguments for tool 'echo'.*text/,
    );
    assert.match(
      await failure(mcp, `await callTool("no_such_tool", {})`),
      /unknown tool 'no_such_tool'; find tools with search/,
    );
    assert.match(
      await failure(mcp, `await callTool("execute", { code: "1" })`),
      /'execute' cannot be called from code/,
    );
  } finally {
    await mcp.close();
  }
});

Deno.test("code that does not parse, or imports, is refused before a sandbox starts, with its line and column", async () => {
  const { mcp } = shop();
  try {
    assert.match(await failure(mcp, "const a = 1;\nconst b: = 2;"), /SyntaxError: .* \(line 2, column 10\)/);
    assert.match(
      await failure(mcp, `import { x } from "./secrets.ts";\nx`),
      /import declarations are not available \(line 1\): only callTool\(name, args\) and console are in scope/,
    );
    assert.match(await failure(mcp, "return 1n"), /the returned value cannot be sent as JSON/);
    assert.match(
      await failure(mcp, "undefinedName + 1"),
      /ReferenceError: undefinedName is not defined \(line 1, column 1\)/,
    );
  } finally {
    await mcp.close();
  }
});

Deno.test("calls from code pass the middleware and the caller's auth: a tool the caller may not list is unknown", async () => {
  const mcp = new FastMCP({
    name: "guarded",
    logger: () => {},
    runInThread: false,
    auth: new StaticTokenVerifier({
      tokens: {
        reader: { subject: "rita", scopes: ["notes:read"] },
        admin: { subject: "ada", scopes: ["notes:read", "notes:admin"] },
      },
    }),
  });
  const purged: string[] = [];
  const seen: string[] = [];
  mcp.addMiddleware({
    onCallTool: async (context, next) => {
      seen.push(String(context.params.name));
      return await next(context);
    },
  });
  mcp.tool(
    "purge_notes",
    { description: "Purge every note", auth: requireScopes("notes:admin") },
    async (_a, ctx) => {
      purged.push(ctx.accessToken?.subject ?? "?");
      return "purged";
    },
  );
  mcp.tool("read_notes", { description: "Read the notes" }, async () => "3 notes");
  mcp.addTransform(new CodeMode());
  try {
    const refused = await call(mcp, "execute", { code: `await callTool("purge_notes", {})` }, "reader");
    assert.equal(refused.result?.isError, true);
    assert.match(textOf(refused), /unknown tool 'purge_notes'/);
    assert.deepEqual(purged, []);
    assert.equal((await run(mcp, `await callTool("read_notes", {})`, "reader")).result, "3 notes");
    assert.equal((await run(mcp, `await callTool("purge_notes", {})`, "admin")).result, "purged");
    assert.deepEqual(purged, ["ada"]);
    assert.deepEqual(seen, ["execute", "execute", "read_notes", "execute", "purge_notes"]);
  } finally {
    await mcp.close();
  }
});

Deno.test("the 51st call is refused, by default and as configured; null lifts the limit", async () => {
  const count = (n: number) =>
    `let done = 0;\nfor (let i = 0; i < ${n}; i++) { await callTool("echo", { text: "x" }); done++; }\ndone`;
  const { mcp, calls: _ } = shop({ timeoutMs: 20_000 });
  try {
    assert.equal((await run(mcp, count(50))).result, 50);
    assert.match(
      await failure(mcp, count(51)),
      /the code failed: Error: at most 50 callTool\(\) calls are allowed per execution \(maxToolCalls\)/,
    );
    const counted = await run(
      mcp,
      `let ok = 0, refused = 0;\nfor (let i = 0; i < 53; i++) { try { await callTool("echo", { text: "x" }); ok++; } catch { refused++; } }\n({ ok, refused })`,
    );
    assert.deepEqual(counted.result, { ok: 50, refused: 3 });
  } finally {
    await mcp.close();
  }
  const unlimited = shop({ maxToolCalls: null, timeoutMs: 20_000 }).mcp;
  try {
    assert.equal((await run(unlimited, count(60))).result, 60);
  } finally {
    await unlimited.close();
  }
});

Deno.test("console output is cut at maxOutputBytes with a note; a result over it is an error", async () => {
  const { mcp } = shop({ maxOutputBytes: 100 });
  try {
    const { output } = await run(mcp, `for (let i = 0; i < 50; i++) console.log("line", i);`);
    assert.ok(new TextEncoder().encode(output).length < 160, output);
    assert.match(output, /\[console output cut at 100 bytes\]\n$/);
    assert.match(
      await failure(mcp, `"x".repeat(500)`),
      /the result is 502 bytes, over the limit of 100 \(maxOutputBytes\); return less/,
    );
  } finally {
    await mcp.close();
  }
});

Deno.test("code over maxCodeBytes is refused", async () => {
  const { mcp } = shop({ maxCodeBytes: 50 });
  try {
    assert.match(
      await failure(mcp, `// ${"x".repeat(60)}\n1`),
      /the code is 65 bytes, over the limit of 50 \(maxCodeBytes\)/,
    );
  } finally {
    await mcp.close();
  }
});

Deno.test("limits are validated at construction", () => {
  assert.throws(() => new CodeMode({ timeoutMs: 0 }), /timeoutMs must be a positive integer or null/);
  assert.throws(
    () => new CodeMode({ memoryLimitMb: 1.5 }),
    /memoryLimitMb must be a positive integer or null/,
  );
  assert.throws(
    () => new CodeMode({ maxConcurrentExecutions: 0 }),
    /maxConcurrentExecutions must be an integer ≥ 1/,
  );
});

Deno.test("a server whose tool is named like an added one fails its listing, naming it; toolNames renames", async () => {
  const mcp = new FastMCP({ name: "clash", logger: () => {}, runInThread: false });
  mcp.tool("search", { description: "Search documents" }, async () => "docs");
  mcp.addTransform(new CodeMode());
  const renamed = new FastMCP({ name: "renamed", logger: () => {}, runInThread: false });
  renamed.tool("search", { description: "Search documents" }, async () => "docs");
  renamed.addTransform(new CodeMode({ toolNames: { search: "find_tools" } }));
  try {
    const { error } = await readAnswer(await mcp.fetch(modernRequest("tools/list", {})));
    assert.match(error?.message ?? "", /the server already has a tool named 'search'/);
    const { result } = await readAnswer(await renamed.fetch(modernRequest("tools/list", {})));
    assert.deepEqual((result!.tools as { name: string }[]).map((t) => t.name), [
      "find_tools",
      "get_schema",
      "execute",
    ]);
    assert.equal((await run(renamed, `await callTool("search", {})`)).result, "docs");
  } finally {
    await mcp.close();
    await renamed.close();
  }
});

Deno.test("defaultArguments fill arguments a tool takes and the code left out", async () => {
  const mcp = new FastMCP({ name: "defaults", logger: () => {}, runInThread: false });
  mcp.tool(
    "greet",
    { input: z.object({ name: z.string(), lang: z.string() }) },
    async ({ name, lang }) => `${lang}:${name}`,
  );
  mcp.tool("plain", { input: z.object({ name: z.string() }).strict() }, async ({ name }) => name);
  mcp.addTransform(new CodeMode({ defaultArguments: { lang: "nb" } }));
  try {
    assert.deepEqual(
      (await run(
        mcp,
        `[await callTool("greet", { name: "Ola" }), await callTool("greet", { name: "Ann", lang: "en" }), await callTool("plain", { name: "x" })]`,
      )).result,
      ["nb:Ola", "en:Ann", "x"],
    );
  } finally {
    await mcp.close();
  }
});

Deno.test("executions beyond maxConcurrentExecutions wait their turn", async () => {
  const { mcp } = shop({ maxConcurrentExecutions: 1, warmSandboxes: 0 });
  try {
    const started = Date.now();
    const slow = `await new Promise((r) => setTimeout(r, 400)); Date.now()`;
    const [a, b] = await Promise.all([run(mcp, slow), run(mcp, slow)]);
    const [first, second] = [a.result as number, b.result as number].sort();
    assert.ok(second - first >= 380, `the second ended ${second - first} ms after the first`);
    assert.ok(Date.now() - started >= 800);
  } finally {
    await mcp.close();
  }
});

for (const [era, negotiation] of [["2025", "legacy"], ["2026", "auto"]] as const) {
  Deno.test(`cancelling execute over HTTP (${era}) kills the sandbox at once`, async () => {
    const pids: number[] = [];
    const mcp = new FastMCP({ name: "cancel", logger: () => {}, runInThread: false });
    mcp.tool("report", { input: z.object({ pid: z.number() }) }, async ({ pid }) => {
      pids.push(pid);
      return "ok";
    });
    mcp.addTransform(new CodeMode({ timeoutMs: null }));
    const http = mcp.serve({ hostname: "127.0.0.1", port: 0 });
    try {
      await using client = new Client(http.url, { negotiation });
      const abort = new AbortController();
      const execution = client.callTool("execute", {
        code: `await callTool("report", { pid: Deno.pid });\nwhile (true) {}`,
      }, { signal: abort.signal });
      while (pids.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.ok(alive(pids[0]));
      const cancelled = performance.now();
      abort.abort();
      await assert.rejects(execution);
      while (alive(pids[0])) {
        assert.ok(performance.now() - cancelled < 2_000, "the sandbox still runs 2 s after the cancel");
        await new Promise((r) => setTimeout(r, 5));
      }
      // The server serves on.
      assert.equal((await client.callTool("execute", { code: "1 + 1" }) as { result: number }).result, 2);
    } finally {
      await mcp.close();
    }
  });
}

/** Whether a process is running (Linux: its /proc entry exists and it is not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

Deno.test("stopping the server ends its warm sandboxes", async () => {
  const pids: number[] = [];
  const mcp = new FastMCP({ name: "warm", logger: () => {}, runInThread: false });
  mcp.tool("report", { input: z.object({ pid: z.number() }) }, async ({ pid }) => {
    pids.push(pid);
    return "ok";
  });
  mcp.addTransform(new CodeMode({ warmSandboxes: 2 }));
  // Each run takes a warm sandbox, if one has started: two runs see two processes.
  await run(mcp, `await callTool("report", { pid: Deno.pid })`);
  await run(mcp, `await callTool("report", { pid: Deno.pid })`);
  assert.equal(new Set(pids).size, 2);
  await mcp.close();
  // Nothing is left for the test's resource check to find.
});

Deno.test("a sandbox that cannot start fails the execution with why, and the next one tries again", async () => {
  const mcp = new FastMCP({ name: "broken-deno", logger: () => {}, runInThread: false });
  mcp.tool("ping", async () => "pong");
  mcp.addTransform(new CodeMode({ denoPath: "/nonexistent/deno" }));
  try {
    for (let i = 0; i < 2; i++) {
      assert.match(await failure(mcp, "1"), /^the sandbox could not start: .*\/nonexistent\/deno/);
    }
    assert.equal(textOf(await call(mcp, "ping")), "pong");
  } finally {
    await mcp.close();
  }
});
