/**
 * The 2024-11-05 HTTP+SSE transport, for servers that predate Streamable HTTP: a GET opens an
 * event stream whose first `endpoint` event names where to POST; every answer comes back on the
 * stream.
 *
 * @module
 */

import type { JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import { parseMessage } from "../../protocol/message.ts";
import { readSse } from "../../protocol/sse.ts";
import { ConnectionError } from "../errors.ts";
import type { FetchFn } from "../oauth.ts";
import { HttpStatusError } from "./streamable_http.ts";
import type { ClientTransport, Receiver } from "./transport.ts";

/** Options of {@link LegacySse}. */
export interface LegacySseOptions {
  /** The SSE endpoint. */
  url: URL;
  /** The fetch to use. */
  fetch: FetchFn;
  /** Headers of every request. */
  headers?: Record<string, string>;
  /** Prefix of error messages naming the server. */
  label?: string;
  /** How long to wait for the `endpoint` event, in ms. */
  timeoutMs: number;
}

/** HTTP+SSE (2024-11-05). */
export class LegacySse implements ClientTransport {
  readonly kind = "http";
  readonly #options: LegacySseOptions;
  readonly #stop = new AbortController();
  #endpoint?: URL;

  /** A transport to `options.url`; the stream opens on {@link start}. */
  constructor(options: LegacySseOptions) {
    this.#options = options;
  }

  get #label(): string {
    return this.#options.label ?? "";
  }

  /** Opens the stream and waits for the `endpoint` event. */
  async start(receive: Receiver, closed: (error: Error) => void): Promise<void> {
    const { url, timeoutMs } = this.#options;
    const headers = new Headers(this.#options.headers);
    headers.set("accept", "text/event-stream");
    let response: Response;
    try {
      response = await this.#options.fetch(url, { method: "GET", headers, signal: this.#stop.signal });
    } catch (err) {
      throw new ConnectionError(`${this.#label}cannot reach ${url.origin}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      await response.body?.cancel().catch(() => {});
      throw new HttpStatusError(
        response.status,
        `${this.#label}the server is not an MCP server: GET ${url.pathname} answered ${response.status} ${
          response.headers.get("content-type") ?? ""
        }`.trimEnd(),
      );
    }
    const events = readSse(response.body!);
    const endpoint = await withTimeout(
      events.next(),
      timeoutMs,
      this.#stop,
      () => new ConnectionError(`${this.#label}no 'endpoint' event within ${timeoutMs} ms`),
    );
    if (endpoint.done || endpoint.value.event !== "endpoint") {
      await events.return(undefined);
      throw new ConnectionError(`${this.#label}the event stream did not start with an 'endpoint' event`);
    }
    const target = new URL(endpoint.value.data.trim(), url);
    // The stream may only send us to its own origin: a POST carries the client's headers and token.
    if (target.origin !== url.origin) {
      await events.return(undefined);
      throw new ConnectionError(
        `${this.#label}the 'endpoint' event points at another origin (${target.origin})`,
      );
    }
    this.#endpoint = target;
    void (async () => {
      try {
        for await (const event of events) {
          if (event.event !== undefined && event.event !== "message") continue;
          const decoded = parseMessage(event.data);
          for (const entry of Array.isArray(decoded) ? decoded : [decoded]) {
            if (entry.kind !== "invalid") receive(entry);
          }
        }
      } catch { /* the stream broke: reported below */ }
      if (!this.#stop.signal.aborted) {
        closed(new ConnectionError(`${this.#label}the server closed the event stream`));
      }
    })();
  }

  /** POSTs one message to the endpoint the stream named. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (!this.#endpoint || this.#stop.signal.aborted) {
      throw new ConnectionError(`${this.#label}the connection is closed`);
    }
    const headers = new Headers(this.#options.headers);
    headers.set("content-type", "application/json");
    const response = await this.#options.fetch(this.#endpoint, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
    });
    const text = await response.text().catch(() => "");
    if (!response.ok) {
      throw new HttpStatusError(
        response.status,
        `${this.#label}HTTP ${response.status} on POST: ${text.slice(0, 200)}`,
      );
    }
  }

  /** Closes the stream. */
  close(): Promise<void> {
    this.#stop.abort();
    return Promise.resolve();
  }
}

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  stop: AbortController,
  error: () => Error,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stop.abort();
      reject(error());
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
