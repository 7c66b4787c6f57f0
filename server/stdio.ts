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
  type JsonRpcMessage,
  type JsonRpcResponse,
  type RequestId,
} from "../protocol/jsonrpc.ts";
import { type Message, parseMessage } from "../protocol/message.ts";
import { MODERN_PROTOCOL_VERSIONS } from "../protocol/versions.ts";
import type { Channel, Exchange, RequestExchange } from "./engine/exchange.ts";
import { type Peer, type Receipt, receive } from "./engine/receive.ts";
import type { ServerCore } from "./engine/server_core.ts";
import { McpError } from "./errors.ts";
import { readLines } from "./line_reader.ts";
import type { MaybePromise } from "./middleware/compose.ts";
import { listenResult, openSubscription } from "./sessions/subscriptions.ts";
import { Session } from "./sessions/session.ts";

const encoder = new TextEncoder();

/** Serves one stdio connection; it is its own {@link Peer}: one connection, one session at most. */
export class StdioTransport implements Peer {
  readonly transport = "stdio";
  readonly fallbackVersion = "2025-11-25";
  #session?: Session;
  #pinnedModern = false;
  readonly #inflight = new Map<RequestId, RequestExchange>();
  readonly #subscriptions = new Map<RequestId, () => void>();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #closed = false;
  #reader?: ReadableStreamDefaultReader<Uint8Array>;
  readonly #channel: Channel = { send: (m: JsonRpcMessage) => this.write(m), open: () => undefined };

  /** Creates a transport over a byte stream pair (stdin/stdout by default). */
  constructor(
    private readonly engine: ServerCore,
    private readonly input: ReadableStream<Uint8Array> = Deno.stdin.readable,
    output: WritableStream<Uint8Array> = Deno.stdout.writable,
  ) {
    this.#writer = output.getWriter();
  }

  /** @inheritdoc */
  get session(): Session | undefined {
    return this.#session;
  }

  /** @inheritdoc */
  get inflight(): Map<RequestId, RequestExchange> {
    return this.#inflight;
  }

  /** @inheritdoc */
  channel(): Channel {
    return this.#channel;
  }

  /**
   * The connection's own rules: a 2026 request pins it to 2026 (a `server/discover` probe does
   * not, so the client may still fall back); after that 2025 requests are refused; before
   * `initialize` only `ping` is served.
   */
  checkRouting(exchange: RequestExchange): McpError | undefined {
    const { era, method } = exchange.facts;
    if (era === "modern") {
      if (method !== "server/discover") this.#pinnedModern = true;
      return undefined;
    }
    if (this.#pinnedModern) {
      const requested = method === "initialize" ? String(exchange.params.protocolVersion ?? "") : "(none)";
      return new McpError(ErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version", {
        data: { supported: [...MODERN_PROTOCOL_VERSIONS], requested },
      });
    }
    if (!this.#session && method !== "initialize" && method !== "ping") {
      return new McpError(ErrorCode.InvalidRequest, "Server not initialized: send initialize first");
    }
    return undefined;
  }

  /** @inheritdoc */
  openSession(exchange: Exchange): Session {
    if (this.#session) this.#forget(this.#session);
    const session = new Session(crypto.randomUUID(), exchange.facts.protocolVersion);
    session.clientInfo = exchange.facts.clientInfo;
    session.clientCapabilities = exchange.facts.clientCapabilities;
    session.transport = "stdio";
    session.unsolicited = (m) => {
      this.write(m);
      return true;
    };
    this.#session = session;
    this.engine.sessions.adopt(session);
    return session;
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
    const reader = this.#reader = this.input.getReader();
    const limit = this.engine.limits.maxStdioLineBytes;
    try {
      for await (const line of readLines(reader, limit)) {
        if (this.#closed) break;
        if ("text" in line) this.#receive(line.text);
        else {
          this.write(
            errorResponse(
              null,
              ErrorCode.InvalidRequest,
              `Message of ${line.tooLong} bytes exceeds limits.maxStdioLineBytes (${limit})`,
            ),
          );
        }
      }
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
    const decoded = parseMessage(line, this.engine.limits.maxMessageDepth);
    if (Array.isArray(decoded)) {
      return this.write(
        errorResponse(
          null,
          ErrorCode.InvalidRequest,
          "Invalid Request: expected one JSON-RPC 2.0 message per line",
        ),
      );
    }
    if (decoded.kind === "invalid") {
      return this.write(errorResponse(decoded.id, decoded.code, decoded.message));
    }
    if (decoded.kind === "notification" && decoded.method === "notifications/cancelled") {
      this.#cancelSubscription(decoded.params.requestId as RequestId);
    }
    // Requests wait for the store and the lifespan; messages keep their order meanwhile.
    if (decoded.kind === "request" && !this.engine.started) {
      void this.engine.ready().then(() => this.#handle(decoded), (e) => this.#failed(decoded, e));
      return;
    }
    this.#handle(decoded);
  }

  /** The answer while the store cannot open (or the lifespan fails): what failed, logged by `ready()`. */
  #failed(message: Extract<Message, { kind: "request" }>, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.write(errorResponse(message.id, ErrorCode.InternalError, reason));
  }

  #handle(message: Message): void {
    this.#serve(receive(this.engine, message, this));
  }

  #cancelSubscription(id: RequestId): void {
    const end = this.#subscriptions.get(id);
    if (!end) return;
    end();
    this.#subscriptions.delete(id);
  }

  #serve(receipt: Receipt): void {
    switch (receipt.kind) {
      case "accepted":
        return;
      case "refused":
        // A notification is never answered, even when refused.
        if (receipt.response.id !== null) this.write(receipt.response);
        return;
      case "listen": {
        const { exchange, approved } = receipt;
        const open = (refused: JsonRpcResponse | undefined) =>
          refused ? this.write(refused) : this.#listen(exchange.facts.requestId, exchange.params);
        if (approved instanceof Promise) void approved.then(open);
        else open(approved);
        return;
      }
      case "request":
        void this.#answer(receipt.exchange, receipt.response);
    }
  }

  #listen(id: RequestId, params: Record<string, unknown>): void {
    const opened = openSubscription(
      this.engine.listen,
      this.engine.capabilities,
      this.engine.limits,
      id,
      params,
      (m) => this.write(m),
      () => this.#subscriptions.delete(id),
    );
    if (typeof opened === "function") this.#subscriptions.set(id, opened);
    else this.write(opened);
  }

  async #answer(exchange: RequestExchange, answer: MaybePromise<JsonRpcResponse>): Promise<void> {
    const id = exchange.facts.requestId;
    this.#inflight.set(id, exchange);
    try {
      const response = await answer;
      // A cancelled request gets no response.
      if (!exchange.aborted) this.write(response);
    } finally {
      exchange.dispose();
      this.#inflight.delete(id);
    }
  }
}
