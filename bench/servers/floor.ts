/**
 * Benchmark floor: `Deno.serve` with no MCP library at all. It decodes the JSON-RPC body and
 * answers `tools/call add` itself, which is the least work any MCP server can do for this
 * exchange. Every other target is reported as a ratio to this one.
 *
 *   PORT=8123 deno run -A bench/servers/floor.ts
 *
 * @module
 */

interface RpcMessage {
  id?: string | number | null;
  method?: string;
  params?: { name?: string; arguments?: { a?: number; b?: number } };
}

const port = Number(Deno.env.get("PORT") ?? "8000");

function reply(msg: RpcMessage): Response {
  if (msg.method === "tools/call" && msg.params?.name === "add") {
    const args = msg.params.arguments ?? {};
    const sum = (args.a ?? 0) + (args.b ?? 0);
    return Response.json({
      jsonrpc: "2.0",
      id: msg.id,
      result: { content: [{ type: "text", text: `${sum}` }] },
    });
  }
  // A message without an id is a notification: accept it, nothing to answer.
  if (msg.id === undefined) return new Response(null, { status: 202 });
  return Response.json({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "Method not found" } });
}

Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  if (req.method !== "POST") return new Response(null, { status: 405 });
  return reply(await req.json() as RpcMessage);
});
