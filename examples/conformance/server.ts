/**
 * The conformance fixture: every tool, resource and prompt name the MCP conformance suite calls,
 * on one URL that serves both wire eras. `PORT` sets the port (default 3000); `PUBLIC_URL` the
 * origin clients reach it at (default `http://localhost:PORT`), which the protected-resource
 * metadata names.
 *
 *   PORT=3000 deno run -A examples/conformance/server.ts
 *
 * Requests without a token are served as ever. The suite's scope-challenge tokens (SEP-2350,
 * conformance PR #481: `mcp-conformance-scope-low` holds only a baseline scope,
 * `mcp-conformance-scope-full` every scope) are verified, and the low one gets a 403
 * `insufficient_scope` challenge naming both scopes of the operation, for `test_simple_text`,
 * `test://static-text`, `test://template/{id}/data` and `test_simple_prompt`.
 *
 * @module
 */

import {
  Audio,
  type AuthContext,
  ErrorCode,
  FastMCP,
  Image,
  InputRequired,
  InsufficientScopeError,
  McpError,
  Message,
  RemoteAuthProvider,
  StaticTokenVerifier,
  ToolError,
} from "../../mod.ts";
import type { ElicitResult } from "../../mod.ts";
import { SkillsDirectoryProvider } from "../../mod.ts";
import type { ScopeCheck } from "../../auth/mod.ts";
import { z } from "zod";

/** A 1×1 transparent PNG. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
/** A tiny silent WAV. */
const WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PORT = Number(Deno.env.get("PORT") ?? 3000);

/** The scope of a fixture operation: the suite's pairs, `mcp:conformance:<kind>:<verb>` and one of its own. */
const scopes = {
  tool: ["mcp:conformance:tools:call", "mcp:conformance:tools:test_simple_text"],
  staticResource: ["mcp:conformance:resources:read", "mcp:conformance:resources:static"],
  template: (id: string) => ["mcp:conformance:resources:read", `mcp:conformance:resources:template:${id}`],
  prompt: ["mcp:conformance:prompts:get", "mcp:conformance:prompts:test_simple_prompt"],
};

const auth = new RemoteAuthProvider({
  tokenVerifier: new StaticTokenVerifier({
    tokens: {
      "mcp-conformance-scope-low": { subject: "low", scopes: ["mcp:conformance:baseline"] },
      "mcp-conformance-scope-full": {
        subject: "full",
        scopes: [
          "mcp:conformance:baseline",
          ...scopes.tool,
          ...scopes.staticResource,
          ...scopes.template("123"),
          ...scopes.prompt,
        ],
      },
    },
  }),
  authorizationServers: ["https://auth.example.com"],
  baseUrl: Deno.env.get("PUBLIC_URL") ?? `http://localhost:${PORT}`,
  // The suite's other scenarios send no token: they are served as before.
  allowAnonymous: true,
});

/** The scopes a token needs for a fixture component; a request without a token needs none. */
function ifToken(needed: string[]): ScopeCheck {
  const requiredScopes = (context: AuthContext) => context.token ? needed : [];
  return Object.assign(
    (context: AuthContext) => requiredScopes(context).every((s) => context.scopes.has(s)),
    { requiredScopes },
  );
}

export const mcp = new FastMCP({
  name: "denomcp-conformance",
  version: "1.0.0",
  instructions: "Fixture server for the MCP conformance suite.",
  auth,
});

// --- Tools: content types -------------------------------------------------------------------

mcp.tool(
  "test_simple_text",
  { description: "Returns simple text", auth: ifToken(scopes.tool) },
  () => "This is a simple text response for testing.",
);

mcp.tool(
  "test_image_content",
  { description: "Returns an image" },
  () => new Image({ base64: PNG }, { mimeType: "image/png" }),
);

mcp.tool(
  "test_audio_content",
  { description: "Returns audio" },
  () => new Audio({ base64: WAV }, { mimeType: "audio/wav" }),
);

mcp.tool("test_embedded_resource", { description: "Returns an embedded resource" }, () => ({
  type: "resource",
  resource: {
    uri: "test://embedded-resource",
    mimeType: "text/plain",
    text: "This is an embedded resource content.",
  },
}));

mcp.tool("test_multiple_content_types", { description: "Returns text, an image and a resource" }, () => [
  "Multiple content types test:",
  new Image({ base64: PNG }, { mimeType: "image/png" }),
  {
    type: "resource",
    resource: {
      uri: "test://mixed-content-resource",
      mimeType: "application/json",
      text: JSON.stringify({ test: "data", value: 123 }),
    },
  },
]);

mcp.tool("test_error_handling", { description: "Always fails" }, () => {
  throw new ToolError("This tool intentionally returns an error for testing", { logLevel: "debug" });
});

// --- Tools: progress, logging, client requests ----------------------------------------------

mcp.tool("test_tool_with_progress", { description: "Reports progress 0, 50, 100" }, async (_args, ctx) => {
  for (const p of [0, 50, 100]) {
    await ctx.reportProgress(p, 100, `step ${p}`);
    if (p < 100) await sleep(50);
  }
  return "Progress complete";
});

mcp.tool("test_tool_with_logging", { description: "Sends three log messages" }, async (_args, ctx) => {
  await ctx.info("Tool execution started");
  await sleep(50);
  await ctx.info("Tool processing data");
  await sleep(50);
  await ctx.info("Tool execution completed");
  return "Logging complete";
});

mcp.tool("test_sampling", {
  description: "Asks the client's model",
  input: z.object({ prompt: z.string() }),
}, async ({ prompt }, ctx) => {
  const answer = await ctx.sample(prompt, { maxTokens: 100 });
  return `LLM response: ${answer.text}`;
});

mcp.tool("test_elicitation", {
  description: "Asks the user for information",
  input: z.object({ message: z.string() }),
}, async ({ message }, ctx) => {
  const answer = await ctx.elicit(message, {
    type: "object",
    properties: {
      username: { type: "string", description: "User's response" },
      email: { type: "string", description: "User's email address" },
    },
    required: ["username", "email"],
  });
  return `User response: action=${answer.action}, content=${JSON.stringify(answer.data ?? {})}`;
});

mcp.tool(
  "test_elicitation_sep1034_defaults",
  { description: "Elicitation with default values" },
  async (_args, ctx) => {
    const answer = await ctx.elicit("Please confirm your details", {
      type: "object",
      properties: {
        name: { type: "string", description: "Name", default: "John Doe" },
        age: { type: "integer", description: "Age", default: 30 },
        score: { type: "number", description: "Score", default: 95.5 },
        status: {
          type: "string",
          description: "Status",
          enum: ["active", "inactive", "pending"],
          default: "active",
        },
        verified: { type: "boolean", description: "Verified", default: true },
      },
    });
    return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.data ?? {})}`;
  },
);

mcp.tool(
  "test_elicitation_sep1330_enums",
  { description: "Elicitation with every enum shape" },
  async (_args, ctx) => {
    const answer = await ctx.elicit("Please choose", {
      type: "object",
      properties: {
        untitledSingle: { type: "string", enum: ["option1", "option2", "option3"] },
        titledSingle: {
          type: "string",
          oneOf: [
            { const: "value1", title: "First Option" },
            { const: "value2", title: "Second Option" },
            { const: "value3", title: "Third Option" },
          ],
        },
        legacyEnum: {
          type: "string",
          enum: ["opt1", "opt2", "opt3"],
          enumNames: ["Option One", "Option Two", "Option Three"],
        },
        untitledMulti: { type: "array", items: { type: "string", enum: ["option1", "option2", "option3"] } },
        titledMulti: {
          type: "array",
          items: {
            anyOf: [
              { const: "value1", title: "First Choice" },
              { const: "value2", title: "Second Choice" },
              { const: "value3", title: "Third Choice" },
            ],
          },
        },
      },
    });
    return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.data ?? {})}`;
  },
);

mcp.tool("json_schema_2020_12_tool", {
  description: "A tool whose input schema uses JSON Schema 2020-12 keywords",
  input: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    $defs: {
      address: {
        $anchor: "addressDef",
        type: "object",
        properties: { street: { type: "string" }, city: { type: "string" } },
      },
    },
    properties: {
      name: { type: "string" },
      address: { $ref: "#/$defs/address" },
      contactMethod: { type: "string", enum: ["phone", "email"] },
      phone: { type: "string" },
      email: { type: "string" },
    },
    allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
    if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
    then: { required: ["phone"] },
    else: { required: ["email"] },
    additionalProperties: false,
  },
}, (args) => `Received: ${JSON.stringify(args)}`);

mcp.tool("test_reconnection", {
  description: "Closes its SSE stream and answers after the client reconnects",
}, async (_args, ctx) => {
  await sleep(50);
  ctx.closeSseStream(100);
  await sleep(300);
  return "Reconnection test completed";
});

mcp.tool("test_x_mcp_header", {
  description: "Mirrors its region argument into the Mcp-Param-Region header",
  input: {
    type: "object",
    properties: { region: { type: "string", "x-mcp-header": "Region" } },
    required: ["region"],
  },
}, ({ region }) => `Region: ${region}`);

// --- Tools: 2026-07-28 diagnostics -----------------------------------------------------------

mcp.tool(
  "test_missing_capability",
  { description: "Needs sampling, which the caller may not declare" },
  async (_args, ctx) => {
    const answer = await ctx.sample("Say hello", { maxTokens: 10 });
    return answer.text;
  },
);

mcp.tool(
  "test_streaming_elicitation",
  { description: "Elicits without server-to-client requests" },
  async (_args, ctx) => {
    const answer = await ctx.elicit("Your name?", z.object({ name: z.string() }));
    return answer.action === "accept" ? `Hello, ${answer.data.name}!` : "No name given";
  },
);

mcp.tool(
  "test_logging_tool",
  { description: "Logs; only requests with a log level receive it" },
  async (_args, ctx) => {
    await ctx.info("first log line");
    await ctx.info("second log line");
    return "Logged";
  },
);

let toggled = 0;
mcp.tool("test_trigger_tool_change", { description: "Adds and removes a tool", runInThread: false }, () => {
  const name = `temporary_tool_${++toggled}`;
  mcp.tool(name, { description: "Temporary" }, () => "temporary").remove();
  mcp.tool(name, { description: "Temporary" }, () => "temporary");
  return "Tool list changed";
});

mcp.tool("test_trigger_prompt_change", { description: "Adds a prompt", runInThread: false }, () => {
  mcp.prompt(`temporary_prompt_${++toggled}`, { description: "Temporary" }, () => "temporary");
  return "Prompt list changed";
});

// --- Tools: multi round-trip (explicit form) -------------------------------------------------

function accepted(value: unknown): Record<string, unknown> | undefined {
  const r = value as ElicitResult | undefined;
  return r && typeof r === "object" && r.action === "accept" && typeof r.content === "object"
    ? r.content
    : undefined;
}

const askName = {
  method: "elicitation/create" as const,
  params: {
    message: "What is your name?",
    requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
  },
};

mcp.tool(
  "test_input_required_result_elicitation",
  { description: "Asks for a name through input-required" },
  (_args, ctx) => {
    const answer = accepted(ctx.inputResponses?.user_name);
    if (!answer || typeof answer.name !== "string") {
      return new InputRequired({
        inputRequests: { user_name: askName },
      });
    }
    return `Hello, ${answer.name}!`;
  },
);

mcp.tool("test_input_required_result_sampling", {
  description: "Asks the client's model through input-required",
}, (_args, ctx) => {
  const answer = ctx.inputResponses?.capital_question as { content?: { text?: string } } | undefined;
  if (!answer?.content) {
    return new InputRequired({
      inputRequests: {
        capital_question: {
          method: "sampling/createMessage",
          params: {
            messages: [{ role: "user", content: { type: "text", text: "What is the capital of France?" } }],
            maxTokens: 100,
          },
        },
      },
    });
  }
  return `Model said: ${answer.content.text ?? ""}`;
});

mcp.tool(
  "test_input_required_result_list_roots",
  { description: "Lists roots through input-required" },
  (_args, ctx) => {
    const answer = ctx.inputResponses?.client_roots as { roots?: { uri: string }[] } | undefined;
    if (!answer?.roots) {
      return new InputRequired({
        inputRequests: { client_roots: { method: "roots/list", params: {} } },
      });
    }
    return `Roots: ${answer.roots.map((r) => r.uri).join(", ")}`;
  },
);

const askConfirm = {
  method: "elicitation/create" as const,
  params: {
    message: "Confirm?",
    requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
  },
};

mcp.tool(
  "test_input_required_result_request_state",
  { description: "Keeps state across rounds" },
  (_args, ctx) => {
    const answer = accepted(ctx.inputResponses?.confirm);
    if (!answer || ctx.requestState !== "awaiting-confirm") {
      return new InputRequired({ inputRequests: { confirm: askConfirm }, requestState: "awaiting-confirm" });
    }
    return `state-ok: confirmed=${answer.ok}`;
  },
);

mcp.tool(
  "test_input_required_result_multiple_inputs",
  { description: "Asks for three inputs at once" },
  (_args, ctx) => {
    const r = ctx.inputResponses ?? {};
    if (!accepted(r.user_name) || !r.greeting || !r.client_roots) {
      return new InputRequired({
        inputRequests: {
          user_name: askName,
          greeting: {
            method: "sampling/createMessage",
            params: {
              messages: [{ role: "user", content: { type: "text", text: "Say hello" } }],
              maxTokens: 50,
            },
          },
          client_roots: { method: "roots/list", params: {} },
        },
        requestState: "multi",
      });
    }
    return `Received all inputs for ${accepted(r.user_name)!.name}`;
  },
);

mcp.tool("test_input_required_result_multi_round", { description: "Takes three rounds" }, (_args, ctx) => {
  const state = ctx.requestState;
  const r = ctx.inputResponses ?? {};
  if (state?.startsWith("round-2:") && accepted(r.step2_color)) {
    return `Done: ${state.slice(8)} likes ${accepted(r.step2_color)!.color}`;
  }
  const name = accepted(r.step1_name)?.name;
  if (state === "round-1" && typeof name === "string") {
    return new InputRequired({
      inputRequests: {
        step2_color: {
          method: "elicitation/create",
          params: {
            message: "Favourite colour?",
            requestedSchema: { type: "object", properties: { color: { type: "string" } } },
          },
        },
      },
      requestState: `round-2:${name}`,
    });
  }
  return new InputRequired({ inputRequests: { step1_name: askName }, requestState: "round-1" });
});

mcp.tool(
  "test_input_required_result_tampered_state",
  { description: "Rejects a forged requestState" },
  (_args, ctx) => {
    if (ctx.requestState === "trusted" && accepted(ctx.inputResponses?.confirm)) return "State verified";
    return new InputRequired({ inputRequests: { confirm: askConfirm }, requestState: "trusted" });
  },
);

mcp.tool(
  "test_input_required_result_capabilities",
  { description: "Asks only for what the client supports" },
  (_args, ctx) => {
    const caps = ctx.clientCapabilities;
    const r = ctx.inputResponses ?? {};
    if (Object.keys(r).length) return "Inputs received";
    const requests: ConstructorParameters<typeof InputRequired>[0]["inputRequests"] = {};
    if (caps.sampling) {
      requests.sample = {
        method: "sampling/createMessage",
        params: { messages: [{ role: "user", content: { type: "text", text: "Hi" } }], maxTokens: 10 },
      };
    }
    if (caps.elicitation) requests.user_name = askName;
    if (caps.roots) requests.client_roots = { method: "roots/list", params: {} };
    if (Object.keys(requests).length === 0) return "The client supports no input requests";
    return new InputRequired({ inputRequests: requests });
  },
);

// --- Resources ---------------------------------------------------------------------------------

mcp.resource("test://static-text", {
  name: "static-text",
  auth: ifToken(scopes.staticResource),
  description: "A static text resource",
  mimeType: "text/plain",
}, () => "This is the content of the static text resource.");

mcp.resource("test://static-binary", {
  name: "static-binary",
  description: "A static binary resource",
  mimeType: "image/png",
}, () => (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(PNG));

mcp.resource("test://template/{id}/data", {
  name: "template-data",
  description: "A resource template",
  mimeType: "application/json",
}, ({ id }, ctx) => {
  // The scope names the id: decided per request, so the handler asks for it.
  const needed = scopes.template(id);
  if (ctx.accessToken && !needed.every((s) => ctx.accessToken!.scopes.includes(s))) {
    throw new InsufficientScopeError(needed);
  }
  return { id, templateTest: true, data: `Data for ID: ${id}` };
});

mcp.resource("test://watched-resource", {
  name: "watched-resource",
  description: "A resource clients subscribe to",
  mimeType: "text/plain",
}, () => "Watched resource content");

// --- Prompts -----------------------------------------------------------------------------------

mcp.prompt(
  "test_simple_prompt",
  { description: "A simple prompt", auth: ifToken(scopes.prompt) },
  () => "This is a simple prompt for testing.",
);

mcp.prompt("test_prompt_with_arguments", {
  description: "A prompt with arguments",
  args: z.object({
    arg1: z.string().describe("First argument"),
    arg2: z.string().describe("Second argument"),
  }),
  complete: { arg1: (value) => ["paris", "park", "party"].filter((v) => v.startsWith(value)) },
}, ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`);

mcp.prompt("test_prompt_with_embedded_resource", {
  description: "A prompt with an embedded resource",
  args: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
}, ({ resourceUri }) => [
  new Message({
    type: "resource",
    resource: { uri: resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." },
  }),
  "Please process the embedded resource above.",
]);

mcp.prompt("test_prompt_with_image", { description: "A prompt with an image" }, () => [
  new Message(new Image({ base64: PNG }, { mimeType: "image/png" })),
  "Please analyze the image above.",
]);

mcp.prompt(
  "test_input_required_result_prompt",
  { description: "Asks for context before rendering" },
  (_args, ctx) => {
    const answer = accepted(ctx.inputResponses?.user_context);
    if (!answer) {
      return new InputRequired({
        inputRequests: {
          user_context: {
            method: "elicitation/create",
            params: {
              message: "Any context?",
              requestedSchema: { type: "object", properties: { context: { type: "string" } } },
            },
          },
        },
      });
    }
    return `Context: ${answer.context}`;
  },
);

// --- Tasks (the io.modelcontextprotocol/tasks extension, SEP-2663) ---------------------------

/** Sleeps, or rejects as soon as the task is cancelled. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

mcp.tool("greet", {
  description: "Greets by name (never a task)",
  input: z.object({ name: z.string().describe("Name to greet") }),
  runInThread: false,
}, ({ name }) => `Hello, ${name}!`);

mcp.tool("slow_compute", {
  description: "Sleeps for `seconds`, then answers; a task when the client takes tasks",
  input: z.object({ seconds: z.number().int().min(0).default(3), label: z.string().default("default") }),
  task: "optional",
}, async ({ seconds, label }, ctx) => {
  await pause(seconds * 1000, ctx.signal);
  return `Computation "${label}" completed after ${seconds} seconds. Result: 42.`;
});

mcp.tool(
  "failing_job",
  { description: "Fails as a tool after a second", task: "required" },
  async (_args, ctx) => {
    await pause(1000, ctx.signal);
    throw new ToolError("the job failed: simulated failure");
  },
);

mcp.tool("protocol_error_job", {
  description: "Ends in a protocol error",
  task: "required",
}, async (_args, ctx) => {
  await pause(500, ctx.signal);
  throw new McpError(ErrorCode.InternalError, "the job crashed: simulated internal error");
});

mcp.tool("confirm_delete", {
  description: "Asks before deleting a file (inside its task)",
  input: z.object({ filename: z.string().default("important.txt") }),
  task: "required",
}, async ({ filename }, ctx) => {
  const answer = await ctx.elicit(`Delete '${filename}'?`, z.object({ confirm: z.boolean() }));
  return answer.action === "accept" && answer.data.confirm ? `deleted '${filename}'` : `kept '${filename}'`;
});

mcp.tool(
  "multi_input",
  { description: "Asks two questions at once", task: "required" },
  async (_args, ctx) => {
    const [who, sure] = await Promise.all([
      ctx.elicit("What is your name?", z.object({ name: z.string() })),
      ctx.elicit("Confirm?", z.object({ confirm: z.boolean() })),
    ]);
    const name = who.action === "accept" ? who.data.name : "";
    const confirmed = sure.action === "accept" && sure.data.confirm;
    return `name="${name}" confirmed=${confirmed}`;
  },
);

mcp.tool("test_tool_with_task", {
  description: "Asks for a name in the request, then works in a task",
  task: { mode: "required", prelude: true },
}, async (_args, ctx) => {
  const who = await ctx.elicit("What is your name?", z.object({ name: z.string() }));
  await ctx.startTask();
  const name = who.action === "accept" ? who.data.name : "stranger";
  return `Hello, ${name}! (computed in task)`;
});

// Skills (SEP-2640): a folder of skills, read and validated now.
mcp.addProvider(
  new SkillsDirectoryProvider({ root: decodeURIComponent(new URL("./skills", import.meta.url).pathname) }),
);

export default mcp;

if (import.meta.main) {
  await mcp.run({ transport: "http", port: PORT });
}
