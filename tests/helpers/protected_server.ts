/**
 * A protected MCP server for OAuth tests: a bearer gate in front of a FastMCP, with its RFC 9728
 * metadata, accepting the ES256 JWTs that the {@link startIdp} authorization server issues for it.
 *
 * @module
 */

import * as jose from "jose";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";

/** The default protected server: one tool, `whoami`. */
function defaultServer(): FastMCP {
  const mcp = new FastMCP({ name: "protected", logger: () => {} });
  mcp.tool("whoami", { input: z.object({}), runInThread: false }, () => "a protected answer");
  return mcp;
}

/** The protected MCP server: a bearer gate in front of a FastMCP, with its RFC 9728 metadata. */
export interface ResourceServer {
  url: string;
  prmUrl: string;
  /** Requests the gate let through. */
  passed: number;
  /** Headers of the last request the gate let through. */
  lastHeaders?: Headers;
  close(): Promise<void>;
}

/** Starts the gate on 127.0.0.1 (a free port); `issuer` names the authorization server, `scope` what it grants. */
export function startResourceServer(
  issuer: () => string,
  scope: string,
  mcp: FastMCP = defaultServer(),
): ResourceServer {
  let jwks: ReturnType<typeof jose.createLocalJWKSet> | undefined;
  const state: { passed: number; lastHeaders?: Headers } = { passed: 0 };
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req): Promise<Response> => {
      const url = new URL(req.url);
      if (url.pathname === "/.well-known/oauth-protected-resource/mcp") {
        return Response.json({
          resource: base + "/mcp",
          authorization_servers: [issuer()],
          scopes_supported: [scope],
        });
      }
      if (url.pathname !== "/mcp") return new Response("not found", { status: 404 });
      const challenge = () =>
        new Response("unauthorized", {
          status: 401,
          headers: {
            "www-authenticate": `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
          },
        });
      const token = /^Bearer (.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
      if (!token) return challenge();
      try {
        if (!jwks) {
          const meta = await (await fetch(`${issuer()}/.well-known/oauth-authorization-server`)).json();
          jwks = jose.createLocalJWKSet(await (await fetch(meta.jwks_uri)).json() as jose.JSONWebKeySet);
        }
        await jose.jwtVerify(token, jwks, {
          issuer: issuer(),
          audience: base + "/mcp",
          algorithms: ["ES256"],
          typ: "at+jwt",
        });
      } catch {
        return challenge();
      }
      state.passed++;
      state.lastHeaders = req.headers;
      return await mcp.fetch(req);
    },
  );
  const base: string = `http://127.0.0.1:${http.addr.port}`;
  return {
    url: base + "/mcp",
    prmUrl: `${base}/.well-known/oauth-protected-resource/mcp`,
    get passed() {
      return state.passed;
    },
    get lastHeaders() {
      return state.lastHeaders;
    },
    close: async () => {
      await mcp.close();
      await http.shutdown();
    },
  };
}
