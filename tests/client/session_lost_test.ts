/**
 * A 2025 session the server forgets (ended, expired, a restart without a shared store): the
 * next request meets 404, and the client greets the server again without a session id and sends
 * the request once more (Streamable HTTP §"Session Management"), once for all requests in flight.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client } from "../../client.ts";
import { legacyHeaders, startServer } from "../helpers/server.ts";

Deno.test("a lost 2025 session is replaced by a new one and the request sent again", async () => {
  await using server = startServer();
  await using client = new Client(server.url, { negotiation: "legacy" });
  assert.deepEqual(await client.callTool("add", { a: 1, b: 2 }), [{ type: "text", text: "3" }]);
  const first = client.sessionId;
  assert.ok(first);

  // The server forgets the session.
  const ended = await fetch(server.url, { method: "DELETE", headers: legacyHeaders(first) });
  await ended.body?.cancel();
  assert.equal(ended.status, 200);

  // Several calls notice at once: one new session serves them all.
  const sums = await Promise.all([1, 2, 3].map((n) => client.callTool("add", { a: n, b: n })));
  assert.deepEqual(sums, ["2", "4", "6"].map((text) => [{ type: "text", text }]));
  const second = client.sessionId;
  assert.ok(second && second !== first);
  await client.ping();
  assert.equal(client.sessionId, second);
});
