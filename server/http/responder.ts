/**
 * Answers one POSTed request with plain JSON when the handler sends nothing before its result,
 * and upgrades to SSE the moment it does (progress, logs, server→client requests).
 *
 * @module
 */

import type { JsonRpcMessage, JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import { jsonResponse } from "./guards.ts";
import { type ConnectionRegistry, type LogicalStream, SseConnection } from "./sse_stream.ts";

/** How to answer one POST. */
export interface ResponderOptions {
  registry: ConnectionRegistry;
  /** Extra response headers (the session id). */
  headers: Record<string, string>;
  /** 2025 only: creates the resumable stream behind the SSE answer, primed when `prime` is set. */
  openStream?: () => { stream: LogicalStream; prime: boolean };
  /** Runs when the client drops the SSE connection. */
  onClientGone(): void;
  /** HTTP status for a plain-JSON answer. */
  statusOf(response: JsonRpcResponse): number;
}

/** How a handler reaches its response stream. */
export interface Channel {
  /** Sends a message before the response, upgrading the answer to SSE. */
  send(message: JsonRpcMessage): void;
  /** Upgrades to SSE now; returns the resumable stream (2025) if there is one. */
  open(): LogicalStream | undefined;
}

/** Runs `work` and answers with JSON or SSE, whichever the handler's behaviour calls for. */
export async function respond(
  work: (channel: Channel) => Promise<JsonRpcResponse | undefined>,
  options: ResponderOptions,
): Promise<Response> {
  let connection: SseConnection | undefined;
  let stream: LogicalStream | undefined;
  let upgraded!: (response: Response) => void;
  const upgrade = new Promise<Response>((resolve) => (upgraded = resolve));

  const open = () => {
    if (!connection) {
      connection = new SseConnection(options.registry, options.headers, (byClient) => {
        if (byClient) options.onClientGone();
      });
      const opened = options.openStream?.();
      if (opened) {
        stream = opened.stream;
        if (opened.prime) stream.prime(connection);
        stream.attach(connection, Number.MAX_SAFE_INTEGER);
      }
      upgraded(connection.response);
    }
    return stream;
  };
  const send = (message: JsonRpcMessage) => {
    open();
    if (stream) stream.send(message);
    else connection!.send(message);
  };

  const finished = work({ send, open }).then((response) => {
    if (!connection) {
      if (!response) return new Response(null, { status: 202, headers: options.headers });
      return jsonResponse(response, options.statusOf(response), options.headers);
    }
    if (stream) {
      if (response) stream.send(response);
      stream.finished = true;
      stream.connection?.close();
    } else {
      if (response) connection.send(response);
      connection.close();
    }
    return undefined;
  });
  return (await Promise.race([finished, upgrade])) ?? (await upgrade);
}
