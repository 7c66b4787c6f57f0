/**
 * The client leg of the MCP conformance suite: the suite runs this file once per scenario with
 * the mock server's URL as the last argument, `MCP_CONFORMANCE_SCENARIO` naming the scenario,
 * `MCP_CONFORMANCE_PROTOCOL_VERSION` the revision under test and `MCP_CONFORMANCE_CONTEXT`
 * scenario data (pre-registered credentials, tool calls to make).
 *
 *   deno run -A tests/conformance/run_client.ts
 *
 * @module
 */

import { Client, type ClientOptions, OAuth } from "../../client.ts";

const scenario = Deno.env.get("MCP_CONFORMANCE_SCENARIO") ?? "";
const revision = Deno.env.get("MCP_CONFORMANCE_PROTOCOL_VERSION") ?? "2025-11-25";
const context: Record<string, unknown> = JSON.parse(Deno.env.get("MCP_CONFORMANCE_CONTEXT") ?? "{}");
const url = Deno.args.at(-1);

/** The client-metadata-document URL the suite's authorization server recognises. */
const CIMD_URL = "https://conformance-test.local/client-metadata.json";

/**
 * A stateless 2026-07-28 run negotiates with `server/discover`; a 2025 run uses the plain
 * `initialize` handshake. Every scenario follows the revision under test, the auth ones
 * included: the 2026 auth mocks are stateless and answer an `initialize` sent without
 * `MCP-Protocol-Version` with -32020, which is why the official fixture's pre-registration
 * client (which keeps the legacy default) fails there.
 */
function baseOptions(extra: ClientOptions = {}): ClientOptions {
  return {
    name: "denomcp-conformance",
    version: "1.0.0",
    negotiation: revision >= "2026-07-28" ? "auto" : "legacy",
    ...extra,
  };
}

/**
 * Some 2026 mocks (the SEP-2322 and SEP-2243 ones) serve neither `server/discover` nor a usable
 * `initialize`. Their scenarios are pinned to 2026-07-28, so the discovery answer the revision
 * implies is given locally and every other request reaches the mock.
 */
function localDiscovery(base: typeof fetch = fetch): NonNullable<ClientOptions["fetch"]> {
  return async (input, init) => {
    if (typeof init?.body === "string" && init.body.includes('"server/discover"')) {
      const message = JSON.parse(init.body);
      if (message.method === "server/discover") {
        return Response.json({
          jsonrpc: "2.0",
          id: message.id,
          result: {
            resultType: "complete",
            supportedVersions: ["2026-07-28"],
            capabilities: { tools: { listChanged: true }, resources: {}, prompts: {} },
            _meta: { "io.modelcontextprotocol/serverInfo": { name: "mock", version: "0" } },
          },
        });
      }
    }
    return await base(input, init);
  };
}

/** Connects, lists tools and calls `name` when the server has it. */
async function listAndCall(options: ClientOptions, name?: string, args: Record<string, unknown> = {}) {
  await using client = new Client(url!, options);
  const tools = await client.listTools();
  if (name && tools.some((t) => t.name === name)) await client.callTool(name, args, { raiseOnError: false });
}

const scenarios: Record<string, () => Promise<void>> = {
  initialize: () => listAndCall(baseOptions()),
  tools_call: () => listAndCall(baseOptions(), "add_numbers", { a: 5, b: 3 }),
  "request-metadata": async () => {
    await using client = new Client(url!, baseOptions({ negotiation: "auto", roots: [], sampling: noModel }));
    await client.connect();
  },
  "elicitation-sep1034-client-defaults": () =>
    listAndCall(
      baseOptions({ elicitation: () => ({ action: "accept", content: {} }) }),
      "test_client_elicitation_defaults",
    ),
  "sse-retry": () => listAndCall(baseOptions(), "test_reconnection"),
  "json-schema-ref-no-deref": () => listAndCall(baseOptions()),
  "json-schema-2020-12-preservation": async () => {
    await using client = new Client(url!, baseOptions());
    const tools = await client.listTools();
    const focal = tools.find((t) => t.name === "json_schema_2020_12_tool");
    if (!focal) throw new Error("json_schema_2020_12_tool is not listed");
    await client.callTool("json_schema_echo", { schema: focal.inputSchema }, { raiseOnError: false });
  },
  "sep-2322-client-request-state": async () => {
    await using client = new Client(url!, {
      ...baseOptions({ negotiation: "auto", fetch: localDiscovery() }),
      elicitation: () => ({ action: "accept", content: { confirmed: true } }),
    });
    for (const tool of ["test_mrtr_echo_state", "test_mrtr_no_state", "test_mrtr_unrelated"]) {
      await client.callTool(tool, {}, { raiseOnError: false });
    }
    // A result without resultType on a 2026 connection is rejected locally, never retried.
    await client.callTool("test_mrtr_no_result_type", {}, { raiseOnError: false }).catch(() => {});
  },
  "http-standard-headers": async () => {
    await using client = new Client(url!, baseOptions({ negotiation: "auto", fetch: localDiscovery() }));
    const [tool] = await client.listTools();
    if (tool) await client.callTool(tool.name, {}, { raiseOnError: false });
    const [resource] = await client.listResources();
    if (resource) await client.readResource(resource.uri);
    const [prompt] = await client.listPrompts();
    if (prompt) await client.getPrompt(prompt.name, {});
  },
  "http-custom-headers": async () => {
    await using client = new Client(url!, baseOptions({ negotiation: "auto", fetch: localDiscovery() }));
    await client.listTools();
    const calls = (context.toolCalls ?? []) as { name: string; arguments: Record<string, unknown> }[];
    for (const call of calls) await client.callTool(call.name, call.arguments, { raiseOnError: false });
  },
  "http-invalid-tool-headers": async () => {
    await using client = new Client(url!, baseOptions({ negotiation: "auto", fetch: localDiscovery() }));
    for (const tool of await client.listTools()) {
      await client.callTool(tool.name, { region: "us-west1" }, { raiseOnError: false }).catch(() => {});
    }
  },
  "auth/pre-registration": () =>
    listAndCall(
      baseOptions({
        auth: new OAuth({
          clientName: "denomcp-conformance",
          authorize: "headless",
          clientId: String(context.client_id),
          clientSecret: String(context.client_secret),
        }),
      }),
      "test-tool",
    ),
};

/** Scenarios that need no more than the authorization-code flow, then `test-tool`. */
const AUTH_CODE_SCENARIOS = [
  "auth/basic-cimd",
  "auth/metadata-default",
  "auth/metadata-var1",
  "auth/metadata-var2",
  "auth/metadata-var3",
  "auth/2025-03-26-oauth-metadata-backcompat",
  "auth/2025-03-26-oauth-endpoint-fallback",
  "auth/resource-mismatch",
  "auth/scope-from-www-authenticate",
  "auth/scope-from-scopes-supported",
  "auth/scope-omitted-when-undefined",
  "auth/scope-step-up",
  "auth/scope-retry-limit",
  "auth/token-endpoint-auth-basic",
  "auth/token-endpoint-auth-post",
  "auth/token-endpoint-auth-none",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
  "auth/iss-supported",
  "auth/iss-not-advertised",
  "auth/iss-supported-missing",
  "auth/iss-wrong-issuer",
  "auth/iss-unexpected",
  "auth/iss-normalized",
  "auth/metadata-issuer-mismatch",
  "auth/authorization-server-migration",
];
for (const name of AUTH_CODE_SCENARIOS) {
  scenarios[name] = () =>
    listAndCall(
      baseOptions({
        auth: new OAuth({
          clientName: "denomcp-conformance",
          clientMetadataUrl: CIMD_URL,
          authorize: "headless",
        }),
      }),
      "test-tool",
    );
}

function noModel(): never {
  throw new Error("this client has no model");
}

const run = scenarios[scenario];
if (!run || !url) {
  console.error(`usage: MCP_CONFORMANCE_SCENARIO=<scenario> deno run -A ${import.meta.filename} <url>`);
  console.error(
    `unknown or missing scenario '${scenario}'; known: ${Object.keys(scenarios).sort().join(", ")}`,
  );
  Deno.exit(1);
}
try {
  await run();
} catch (err) {
  console.error(`${scenario}:`, err);
  Deno.exit(1);
}
