/**
 * `PingMiddleware`: a 2025 session's client gets `ping` requests at the interval from its first
 * request on, and the pinging stops when the session ends.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP, PingMiddleware } from "../../mod.ts";
import { StdioPeer } from "../helpers/stdio.ts";

Deno.test("a session is pinged at the interval, and no more once it has ended", async () => {
  const ping = new PingMiddleware({ intervalMs: 40 });
  const mcp = new FastMCP({ name: "pinged", logger: () => {}, middleware: [ping] });
  const peer = await StdioPeer.open(mcp);
  // The pings' timer never holds the process open (a server's listener does): this test's must.
  const keepAlive = setTimeout(() => {}, 10_000);
  try {
    await peer.handshake();
    await peer.request(1, "tools/list");
    assert.equal(ping.sessions, 1);
    for (let i = 0; i < 2; i++) {
      const request = await peer.next((m) => m.method === "ping");
      assert.equal(typeof request.id, "string");
      await peer.send({ id: request.id, result: {} });
    }
  } finally {
    clearTimeout(keepAlive);
    await peer.close();
    await mcp.close();
  }
  assert.equal(ping.sessions, 0, "the session's timer is gone");
});
