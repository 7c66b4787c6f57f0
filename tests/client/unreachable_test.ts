/**
 * Every way a server can be unreachable is a `ConnectionError`, in every negotiation mode: a
 * refused port, a name that does not resolve, and a server that answers but is not MCP.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, ConnectionError } from "../../client.ts";

const MODES = [{}, { negotiation: "legacy" }, { negotiation: { pin: "2026-07-28" } }] as const;

Deno.test("unreachable or not MCP: a ConnectionError naming why, in every negotiation mode", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const refused = `http://127.0.0.1:${(closed.addr as Deno.NetAddr).port}/mcp`;
  closed.close();
  const html = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("<html>a web page</html>", { headers: { "content-type": "text/html" } }),
  );
  const cases = [
    [refused, /fetch failed|connection refused|reach/i],
    ["http://no-such-host.invalid/mcp", /fetch failed|reach|dns|resolve/i],
    [`http://127.0.0.1:${html.addr.port}/mcp`, /content type|unusable reply/i],
  ] as const;
  try {
    for (const [url, why] of cases) {
      for (const mode of MODES) {
        await using client = new Client(url, mode as never);
        const error = await client.listTools().then(() => undefined, (e) => e);
        assert.ok(error instanceof ConnectionError, `${url} ${JSON.stringify(mode)}: ${error}`);
        assert.match(error.message, why);
        assert.equal(error.code, "connection");
      }
    }
  } finally {
    await html.shutdown();
  }
});
