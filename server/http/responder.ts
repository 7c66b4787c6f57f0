/**
 * Answers one POSTed request with plain JSON when the handler sends nothing before its result,
 * and upgrades to SSE the moment it does (progress, logs, server→client requests).
 *
 * @module
 */

import type { JsonRpcMessage, JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import type { Channel } from "../exchange.ts";
import { jsonResponse } from "./guards.ts";
import { type ConnectionRegistry, type LogicalStream, SseConnection } from "./sse_stream.ts";

/** How to answer one POST. */
export interface ResponderOptions {
  registry: ConnectionRegistry;
  /** Extra response headers (the session id). */
  headers?: Record<string, string>;
  /** 2025 only: creates the resumable stream behind the SSE answer, primed when `prime` is set. */
  openStream?: () => { stream: LogicalStream; prime: boolean };
  /** Runs when the client drops the SSE connection. */
  onClientGone(): void;
  /** HTTP status for a plain-JSON answer. */
  statusOf(response: JsonRpcResponse): number;
}

/**
 * Runs `work` and answers with JSON or SSE, whichever the handler's behaviour calls for. When
 * `work` finishes synchronously without streaming, so does this.
 */
export function respond(
  work: (channel: Channel) => JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>,
  options: ResponderOptions,
): Response | Promise<Response> {
  let connection: SseConnection | undefined;
  let stream: LogicalStream | undefined;
  let answer: ((response: Response) => void) | undefined;

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
      answer?.(connection.response);
    }
    return stream;
  };
  const send = (message: JsonRpcMessage) => {
    open();
    if (stream) stream.send(message);
    else connection!.send(message);
  };
  const finishStream = (response: JsonRpcResponse | undefined) => {
    if (stream) {
      if (response) stream.send(response);
      stream.finished = true;
      stream.connection?.close();
    } else {
      if (response) connection!.send(response);
      connection!.close();
    }
  };
  const plain = (response: JsonRpcResponse | undefined) =>
    response
      ? jsonResponse(response, options.statusOf(response), options.headers)
      : new Response(null, { status: 202, headers: options.headers });

  const out = work({ send, open });
  if (!(out instanceof Promise)) {
    if (!connection) return plain(out);
    finishStream(out);
    return connection.response;
  }
  if (connection) {
    out.then(finishStream, () => finishStream(undefined));
    return connection.response;
  }
  return new Promise<Response>((resolve, reject) => {
    answer = resolve;
    out.then((response) => {
      if (connection) finishStream(response);
      else resolve(plain(response));
    }, (error) => {
      if (connection) finishStream(undefined);
      else reject(error);
    });
  });
}
