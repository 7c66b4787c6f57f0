/**
 * `onListChanged` on both eras, over HTTP on a real socket: a 2025 session hears the change on
 * its GET stream, a 2026 connection on `subscriptions/listen` (opened only when the client has a
 * handler and the server offers list changes).
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client } from "../../client.ts";
import { FastMCP } from "../../mod.ts";
import { startServer } from "../helpers/server.ts";

for (const [era, negotiation] of [["2025-11-25", "legacy"], ["2026-07-28", { pin: "2026-07-28" }]] as const) {
  Deno.test(`onListChanged (${era}): tools, resources and prompts added after connecting are announced`, async () => {
    const mcp = new FastMCP({ name: "changing", logger: () => {} });
    mcp.tool("one", () => 1);
    await using server = startServer(mcp);
    const heard: string[] = [];
    const all = Promise.withResolvers<void>();
    await using client = new Client(server.url, {
      negotiation,
      onListChanged: (kind) => {
        heard.push(kind);
        if (["tools", "resources", "prompts"].every((k) => heard.includes(k))) all.resolve();
      },
    });
    await client.connect();
    assert.equal(client.protocolVersion, era);
    // Give the listen stream (2026) or GET stream (2025) a moment to open.
    await new Promise((r) => setTimeout(r, 100));
    mcp.tool("two", () => 2);
    mcp.resource("data://late", () => "late");
    mcp.prompt("late", () => "late");
    const timer = setTimeout(() => all.reject(new Error(`heard only ${heard.join(", ")}`)), 5_000);
    await all.promise.finally(() => clearTimeout(timer));
    assert.deepEqual((await client.listTools()).map((t) => t.name).sort(), ["one", "two"]);
  });
}
