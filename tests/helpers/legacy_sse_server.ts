/**
 * A hand-written server of the legacy HTTP+SSE transport (2024-11-05), for the client's fallback
 * tests and the remote bridge's `--transport sse`.
 *
 * @module
 */

interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: number | string;
  method: string;
  params?: Record<string, unknown>;
}

const TOOLS = [{
  name: "echo",
  description: "Echoes its text",
  inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
}];

/** The answer of the legacy server to one request (undefined for notifications). */
function answer(request: JsonRpcRequest): unknown {
  switch (request.method) {
    case "initialize":
      return {
        protocolVersion: "2024-11-05",
        capabilities: { tools: {} },
        serverInfo: { name: "legacy-sse", version: "0.0.1" },
      };
    case "ping":
      return {};
    case "tools/list":
      return { tools: TOOLS };
    case "tools/call": {
      const args = request.params?.arguments as { text?: string } | undefined;
      return { content: [{ type: "text", text: `echo: ${args?.text}` }] };
    }
  }
  return undefined;
}

/** A running legacy server, with a log of what reached it (`METHOD path`). */
export interface LegacyServer {
  url: string;
  log: string[];
  /** JSON-RPC methods posted to the message endpoint. */
  methods: string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The 2024-11-05 transport: `GET /sse` opens an event stream whose first event, `endpoint`,
 * names where to POST messages; POSTs are acknowledged with 202 and answered on the stream.
 * A POST to `/sse` (a Streamable HTTP attempt) gets 405.
 */
export function startLegacyServer(): LegacyServer {
  const streams = new Map<string, ReadableStreamDefaultController<Uint8Array>>();
  const log: string[] = [];
  const methods: string[] = [];
  const encoder = new TextEncoder();
  const send = (session: string, event: string, data: string) =>
    streams.get(session)?.enqueue(encoder.encode(`event: ${event}\ndata: ${data}\n\n`));

  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    log.push(`${req.method} ${url.pathname}`);
    if (url.pathname === "/sse" && req.method === "GET") {
      const session = crypto.randomUUID();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          streams.set(session, controller);
          send(session, "endpoint", `/messages?sessionId=${session}`);
        },
        cancel() {
          streams.delete(session);
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    }
    if (url.pathname === "/messages" && req.method === "POST") {
      const session = url.searchParams.get("sessionId") ?? "";
      if (!streams.has(session)) return new Response("unknown session", { status: 404 });
      const message = await req.json() as JsonRpcRequest;
      methods.push(message.method);
      if (message.id !== undefined) {
        const result = answer(message);
        const reply = result === undefined
          ? { jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } }
          : { jsonrpc: "2.0", id: message.id, result };
        // Answered on the stream, after the POST's acknowledgement.
        queueMicrotask(() => send(session, "message", JSON.stringify(reply)));
      }
      return new Response("Accepted", { status: 202 });
    }
    return new Response("Method Not Allowed", { status: 405, headers: { allow: "GET" } });
  });

  const close = async () => {
    for (const controller of streams.values()) controller.close();
    streams.clear();
    await http.shutdown();
  };
  return {
    url: `http://127.0.0.1:${http.addr.port}/sse`,
    log,
    methods,
    close,
    [Symbol.asyncDispose]: close,
  };
}
