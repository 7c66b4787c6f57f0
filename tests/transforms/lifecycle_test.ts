/**
 * Transforms that hold resources (Code Mode's sandboxes) start with the server and stop with it:
 * server-wide ones after the providers they present and before them at the end; a provider's
 * own transforms with that provider. A failing start undoes what started.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { FastMCP, type Provider, type Transform } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

function recording(name: string, log: string[], failStart = false): Transform {
  return {
    start: async () => {
      if (failStart) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop: async () => void log.push(`stop ${name}`),
  };
}

function provider(name: string, log: string[]): Provider {
  return {
    listTools: () => [],
    getTool: () => undefined,
    listResources: () => [],
    getResource: () => undefined,
    listResourceTemplates: () => [],
    getResourceTemplate: () => undefined,
    listPrompts: () => [],
    getPrompt: () => undefined,
    start: async () => void log.push(`start ${name}`),
    stop: async () => void log.push(`stop ${name}`),
  };
}

Deno.test("server-wide and provider transforms start after what they present and stop before it", async () => {
  const log: string[] = [];
  const mcp = new FastMCP({ name: "lifecycle", logger: () => {} });
  mcp.addProvider(provider("provider", log), { transforms: [recording("provider transform", log)] });
  mcp.addTransform(recording("server transform", log));
  await readAnswer(await mcp.fetch(modernRequest("tools/list", {})));
  await mcp.close();
  assert.deepEqual(log, [
    "start provider",
    "start provider transform",
    "start server transform",
    "stop server transform",
    "stop provider transform",
    "stop provider",
  ]);
});

Deno.test("a transform that cannot start stops what started and the request names the failure", async () => {
  const log: string[] = [];
  const mcp = new FastMCP({ name: "failing", logger: () => {} });
  mcp.addProvider(provider("provider", log), { transforms: [recording("broken", log, true)] });
  const { error } = await readAnswer(await mcp.fetch(modernRequest("tools/list", {})));
  assert.match(error?.message ?? "", /broken cannot start/);
  assert.deepEqual(log, ["start provider", "stop provider"]);
  await mcp.close();
});
