/**
 * The stdio transport: newline-delimited JSON-RPC on stdin/stdout. One process is one
 * connection; `initialize` pins it to the 2025 session protocol, 2026-07-28 requests carry their
 * own envelope, and a `server/discover` probe is answered without pinning anything.
 *
 * @module
 */

import {
  ErrorCode,
  errorResponse,
  isObject,
  isResponse,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcResponse,
  type RequestId,
} from "../protocol/jsonrpc.ts";
import type { ClientCapabilities, Implementation } from "../protocol/types.ts";
import { MODERN_PROTOCOL_VERSIONS } from "../protocol/versions.ts";
import { type Engine, handleNotification, serveRequest } from "./engine.ts";
import { claimsModern, readEnvelope } from "./envelope.ts";
import { McpError } from "./errors.ts";
import { legacyExchange, modernExchange, type RequestExchange } from "./exchange.ts";
import { listenResult, openSubscription } from "./listen.ts";
import { Session } from "./session.ts";

const encoder = new TextEncoder();

/** Serves one stdio connection. */
export class StdioTransport {
  #session?: Session;
  #pinnedModern = false;
  readonly #inflight = new Map<RequestId, RequestExchange>();
  readonly #subscriptions = new Map<RequestId, () => void>();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #closed = false;
  #reader?: ReadableStreamDefaultReader<string>;

  /** Creates a transport over a byte stream pair (stdin/stdout by default). */
  constructor(
    private readonly engine: Engine,
    private readonly input: ReadableStream<Uint8Array> = Deno.stdin.readable,
    output: WritableStream<Uint8Array> = Deno.stdout.writable,
  ) {
    this.#writer = output.getWriter();
  }

  /** Ends a session of this connection; a store that is closing already cannot fail the transport. */
  #forget(session: Session): void {
    void Promise.resolve(this.engine.sessions.delete(session.id)).catch(() => {});
  }

  /** Writes one message as a line. */
  write(message: JsonRpcMessage): void {
    if (this.#closed) return;
    this.#writer.write(encoder.encode(JSON.stringify(message) + "\n")).catch(() => this.close());
  }

  /** Reads and serves messages until stdin ends or `close()` is called. */
  async run(): Promise<void> {
    const reader = this.#reader = this.input.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    const limit = this.engine.limits.maxStdioLineBytes;
    try {
      while (!this.#closed) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline: number;
        while ((newline = buffer.indexOf("\n")) !== -1) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line) this.#receive(line);
        }
        if (buffer.length > limit) {
          this.write(
            errorResponse(
              null,
              ErrorCode.InvalidRequest,
              `Message exceeds limits.maxStdioLineBytes (${limit})`,
            ),
          );
          buffer = "";
        }
      }
      if (buffer.trim()) this.#receive(buffer.trim());
    } finally {
      await this.#drain();
      this.close();
    }
  }

  /** Waits for requests in flight, up to the shutdown timeout. */
  async #drain(): Promise<void> {
    const deadline = Date.now() + this.engine.limits.shutdownTimeoutMs;
    while (this.#inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /** Stops serving: cancels work in flight and ends subscriptions. */
  close(): void {
    if (this.#closed) return;
    for (const [id, remove] of this.#subscriptions) {
      remove();
      this.write(listenResult(id));
    }
    this.#subscriptions.clear();
    for (const exchange of this.#inflight.values()) exchange.abort(new Error("transport closed"));
    this.#inflight.clear();
    if (this.#session) this.#forget(this.#session);
    this.#closed = true;
    this.#reader?.cancel().catch(() => {});
    this.#writer.close().catch(() => {});
  }

  #receive(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.write(errorResponse(null, ErrorCode.ParseError, "Parse error: the line is not valid JSON"));
    }
    if (!isObject(msg) || msg.jsonrpc !== "2.0") {
      return this.write(
        errorResponse(
          null,
          ErrorCode.InvalidRequest,
          "Invalid Request: expected one JSON-RPC 2.0 message per line",
        ),
      );
    }
    if (isResponse(msg)) {
      this.#session?.resolve(msg as unknown as JsonRpcResponse);
      return;
    }
    const id = msg.id as RequestId | undefined;
    if (typeof msg.method !== "string") {
      return this.write(
        errorResponse(id ?? null, ErrorCode.InvalidRequest, "Invalid Request: method must be a string"),
      );
    }
    const params = (isObject(msg.params) ? msg.params : {}) as JsonObject;
    if (id === undefined) {
      if (msg.method === "notifications/cancelled") this.#cancelSubscription(params.requestId as RequestId);
      return handleNotification(this.engine, msg.method, params, this.#session, this.#inflight);
    }
    void this.#serve(id, msg.method, params);
  }

  #cancelSubscription(id: RequestId): void {
    const end = this.#subscriptions.get(id);
    if (!end) return;
    end();
    this.#subscriptions.delete(id);
  }

  async #serve(id: RequestId, method: string, params: JsonObject): Promise<void> {
    await this.engine.ready();
    if (claimsModern(params)) return await this.#serveModern(id, method, params);
    if (method === "initialize") return this.#initialize(id, params);
    if (this.#pinnedModern) {
      return this.write(
        errorResponse(id, ErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version", {
          supported: [...MODERN_PROTOCOL_VERSIONS],
          requested: "(none)",
        }),
      );
    }
    const session = this.#session;
    if (!session && method !== "ping") {
      return this.write(
        errorResponse(id, ErrorCode.InvalidRequest, "Server not initialized: send initialize first"),
      );
    }
    await this.#run(
      legacyExchange(
        session,
        "2025-11-25",
        { id, method, params, transport: "stdio" },
        this.engine.shutdownSignal,
      ),
    );
  }

  #initialize(id: RequestId, params: JsonObject): void {
    const span = this.engine.telemetry.start({
      method: "initialize",
      id,
      params,
      protocolVersion: String(params.protocolVersion ?? ""),
      transport: "stdio",
    });
    const response = this.#openSession(id, params);
    span?.end(response);
    this.write(response);
  }

  #openSession(id: RequestId, params: JsonObject): JsonRpcResponse {
    if (this.#pinnedModern) {
      return errorResponse(id, ErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version", {
        supported: [...MODERN_PROTOCOL_VERSIONS],
        requested: String(params.protocolVersion ?? ""),
      });
    }
    const result = this.engine.dispatcher.initializeResult(params.protocolVersion);
    if (this.#session) this.#forget(this.#session);
    const session = new Session(crypto.randomUUID(), result.protocolVersion as string);
    session.clientInfo = params.clientInfo as Implementation | undefined;
    session.clientCapabilities =
      (isObject(params.capabilities) ? params.capabilities : {}) as ClientCapabilities;
    session.transport = "stdio";
    session.unsolicited = (m) => {
      this.write(m);
      return true;
    };
    this.#session = session;
    this.engine.sessions.adopt(session);
    return { jsonrpc: "2.0", id, result };
  }

  async #serveModern(id: RequestId, method: string, params: JsonObject): Promise<void> {
    let envelope;
    try {
      envelope = readEnvelope(params);
    } catch (error) {
      const e = error as McpError;
      return this.write(errorResponse(id, e.code, e.message, e.data));
    }
    // A discover probe must not pin the connection: the client may still fall back to initialize.
    if (method !== "server/discover") this.#pinnedModern = true;
    if (method === "subscriptions/listen") return this.#listen(id, params);
    if (!this.engine.dispatcher.has(method, "modern")) {
      return this.write(errorResponse(id, ErrorCode.MethodNotFound, `Method not found: ${method}`));
    }
    await this.#run(
      modernExchange(envelope, { id, method, params, transport: "stdio" }, this.engine.shutdownSignal),
    );
  }

  #listen(id: RequestId, params: JsonObject): void {
    const opened = openSubscription(
      this.engine.listen,
      this.engine.capabilities,
      this.engine.limits.maxListenStreams,
      id,
      params,
      (m) => this.write(m),
      () => this.#subscriptions.delete(id),
    );
    if (typeof opened === "function") this.#subscriptions.set(id, opened);
    else this.write(opened);
  }

  readonly #channel = { send: (m: JsonRpcMessage) => this.write(m), open: () => undefined };

  async #run(exchange: RequestExchange): Promise<void> {
    exchange.attach(this.#channel);
    this.#inflight.set(exchange.id, exchange);
    try {
      const response = await serveRequest(this.engine, exchange);
      // A cancelled request gets no response.
      if (!exchange.aborted) this.write(response);
    } catch (error) {
      this.write(
        errorResponse(
          exchange.id,
          ErrorCode.InternalError,
          error instanceof McpError ? error.message : "Internal error",
        ),
      );
    } finally {
      exchange.dispose();
      this.#inflight.delete(exchange.id);
    }
  }
}
