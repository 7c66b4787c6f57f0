/**
 * The authorization-server conformance fixture: a FastMCP server (tool `whoami`) whose `auth` is
 * the OAuth proxy, in front of `npm:oidc-provider` as the upstream identity provider (the set-up
 * of `tests/helpers/oauth_proxy.ts`: no dynamic registration upstream, the proxy its one
 * confidential client), both on 127.0.0.1. It lives here rather than in `examples/conformance/`
 * because oidc-provider is a test-only dependency. `PORT` sets the proxy's port (default 3000);
 * the issuer is `http://127.0.0.1:PORT`, which it prints on stderr once it listens:
 *
 *   PORT=3000 deno run -A tests/conformance/authorization_server.ts
 *
 * `deno task conformance:authorization` runs the suite against it unattended. By hand: register a
 * client for the suite's callback listener, then run the suite and open the URL it prints
 * (Allow on the proxy's page, then any login and password on the provider's):
 *
 *   curl -s -X POST http://127.0.0.1:3000/register \
 *     -d '{"redirect_uris":["http://127.0.0.1:3001/callback"]}'
 *   deno run -A npm:@modelcontextprotocol/conformance@0.2.0-alpha.12 authorization \
 *     --url http://127.0.0.1:3000 --client-id <client_id> --port 3001 --resource http://127.0.0.1:3000/mcp
 *
 * @module
 */

import { proxyOverIdp } from "../helpers/oauth_proxy.ts";

const port = Number(Deno.env.get("PORT") ?? 3000);
const base = `http://127.0.0.1:${port}`;
const { idp, mcp } = await proxyOverIdp(base);
const http = mcp.serve({
  hostname: "127.0.0.1",
  port,
  onListen: () => console.error(`authorization server at ${base} (upstream oidc-provider at ${idp.issuer})`),
});

const stop = async () => {
  await mcp.close();
  await http.finished.catch(() => {});
  await idp.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
