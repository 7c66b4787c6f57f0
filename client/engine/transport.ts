/**
 * What the client's engine needs of a transport: a way to send one message and a stream of what
 * the server sends back, each message tagged with the request whose stream carried it (so that
 * a server's question during a call reaches that call's handlers).
 *
 * @module
 */

import type { JsonRpcMessage, RequestId } from "../../protocol/jsonrpc.ts";
import type { Message } from "../../protocol/message.ts";

/** Receives every message the server sends; `related` is the request whose response stream carried it. */
export type Receiver = (message: Message, related?: RequestId) => void;

/** Options of one send. */
export interface SendOptions {
  /** Aborts the send (and, over HTTP, the response stream of a request). */
  signal?: AbortSignal;
  /** Extra HTTP headers of this message (2026-07-28 routing headers). */
  headers?: Record<string, string>;
}

/**
 * One connection. `send` of a request resolves once the transport has delivered the response
 * to the receiver, or at once for transports where responses arrive on their own stream (stdio,
 * legacy HTTP+SSE); it rejects when the message could not be delivered or the response can no
 * longer arrive.
 */
export interface ClientTransport {
  /** Opens the connection; messages go to `receive`, and `closed` hears when the server goes away. */
  start(receive: Receiver, closed: (error: Error) => void): Promise<void>;
  /** Sends one message. */
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  /** Closes the connection (ending an HTTP session, stopping a subprocess). */
  close(): Promise<void>;
  /** The 2025 HTTP session id, once the server assigned one. */
  readonly sessionId?: string;
  /** Sets the protocol revision sent in the `MCP-Protocol-Version` header (HTTP transports). */
  setProtocolVersion?(version: string | undefined): void;
  /** Called after a 2025 handshake: opens the stream of server-initiated messages where there is one. */
  listen?(): void;
  /** How the transport reaches the server, for traces: a socket or a pipe. */
  readonly kind: "http" | "stdio" | "memory";
}
