/**
 * Streamable HTTP from the client's side, both eras: every message is a POST; a request's answer
 * comes back as JSON or as an SSE stream that may carry the server's notifications and questions
 * first. A 2025 session adds `Mcp-Session-Id`, an optional GET stream for server-initiated
 * messages, resumption of a dropped stream with `Last-Event-ID`, and a DELETE at the end.
 *
 * @module
 */

import type { JsonRpcMessage, RequestId } from "../../protocol/jsonrpc.ts";
import { type Decoded, parseMessage } from "../../protocol/message.ts";
import { readSse } from "../../protocol/sse.ts";
import { delay } from "./delay.ts";
import { ConnectionError } from "../errors.ts";
import type { FetchFn } from "../oauth.ts";
import type { AnswerFn, HttpAnswer } from "./http_answer.ts";
import type { ClientTransport, Receiver, SendOptions } from "./transport.ts";

/** The server answered with an HTTP status that is not MCP's; `status` says which. */
export class HttpStatusError extends ConnectionError {
  /** The HTTP status. */
  readonly status: number;

  /** Creates the error for a status and what the body said. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpStatusError";
    this.status = status;
  }
}

/**
 * The server no longer knows the 2025 session a request named (404): the client must greet it
 * again, without a session id (Streamable HTTP §"Session Management").
 */
export class SessionLostError extends HttpStatusError {
  /** Creates the error for the lost session. */
  constructor(message: string) {
    super(404, message);
    this.name = "SessionLostError";
  }
}

/** Options of {@link StreamableHttp}. */
export interface StreamableHttpOptions {
  /** The MCP endpoint. */
  url: URL;
  /** The fetch to use (the OAuth flow's, the caller's, or an in-memory server's). */
  fetch: FetchFn;
  /** Used instead of `fetch` for POSTs: the same exchange, a small body handed back already read. */
  answer?: AnswerFn;
  /** Headers of every request. */
  headers?: Record<string, string>;
  /** Prefix of error messages naming the server. */
  label?: string;
  /** What the transport is, for traces. */
  kind?: "http" | "memory";
  /** Called once the transport has closed (releases what `fetch` holds, e.g. pooled connections). */
  onClose?: () => void;
}

const ACCEPT = "application/json, text/event-stream";
/** Reconnection delay when the server names none (SSE's own default is a few seconds). */
const DEFAULT_RETRY_MS = 1000;
/** Resumptions of one request's stream without progress before giving up. */
const MAX_RESUMES = 5;
/** How long closing waits for the server to acknowledge the end of a session. */
const DELETE_TIMEOUT_MS = 5_000;

/** Streamable HTTP, both eras. */
export class StreamableHttp implements ClientTransport {
  readonly kind: "http" | "memory";
  readonly #options: StreamableHttpOptions;
  #receive: Receiver = () => {};
  #closed: (error: Error) => void = () => {};
  #sessionId?: string;
  #protocolVersion?: string;
  #listening?: AbortController;
  #ended = false;

  /** A transport to `options.url`; nothing is sent before the first message. */
  constructor(options: StreamableHttpOptions) {
    this.#options = options;
    this.kind = options.kind ?? "http";
  }

  /** The 2025 session id, once assigned. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Remembers the receiver; HTTP opens nothing until the first message. */
  start(receive: Receiver, closed: (error: Error) => void): Promise<void> {
    this.#receive = receive;
    this.#closed = closed;
    return Promise.resolve();
  }

  /** Sets the `MCP-Protocol-Version` header of every later request. */
  setProtocolVersion(version: string | undefined): void {
    this.#protocolVersion = version;
  }

  /** The configured headers, names lowercased once (a plain record is far cheaper than `Headers` per request). */
  #base?: Record<string, string>;

  #headers(extra?: Record<string, string>): Record<string, string> {
    this.#base ??= Object.fromEntries(
      Object.entries(this.#options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const headers: Record<string, string> = { ...this.#base };
    if (extra) { for (const name in extra) headers[name.toLowerCase()] = extra[name]; }
    if (this.#sessionId) headers["mcp-session-id"] = this.#sessionId;
    if (this.#protocolVersion) headers["mcp-protocol-version"] = this.#protocolVersion;
    return headers;
  }

  get #label(): string {
    return this.#options.label ?? "";
  }

  /** POSTs one message; for a request, reads the answer (resuming a dropped stream where allowed). */
  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#ended) throw new ConnectionError(`${this.#label}the connection is closed`);
    const headers = this.#headers(options.headers);
    headers["content-type"] = "application/json";
    headers.accept = ACCEPT;
    const response = await this.#fetch(this.#options.url, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
      signal: options.signal,
    }, this.#options.answer);
    if (response.status === 404 && headers["mcp-session-id"] !== undefined) {
      await response.body?.cancel().catch(() => {});
      this.#sessionId = undefined;
      throw new SessionLostError(`${this.#label}the server ended session ${headers["mcp-session-id"]}`);
    }
    const sessionId = response.headers.get("mcp-session-id");
    if (sessionId !== null && this.#sessionId === undefined) this.#sessionId = sessionId;
    const id = "method" in message && message.id !== undefined ? message.id : undefined;
    if (id === undefined) {
      // A notification or a response: 202 with no body is the answer.
      await response.body?.cancel().catch(() => {});
      if (!response.ok) throw await this.#statusError(response, message);
      return;
    }
    if (!response.ok) {
      if (await this.#errorAnswer(response, id)) return;
      throw await this.#statusError(response, message);
    }
    const type = (response.headers.get("content-type") ?? "").toLowerCase();
    if (type.startsWith("application/json")) {
      this.#deliver(await response.text(), id, true);
      return;
    }
    if (type.startsWith("text/event-stream")) {
      // An event stream short enough to arrive whole is read from its text like a longer one.
      const stream = response instanceof Response
        ? response
        : new Response(await response.text(), { headers: { "content-type": type } });
      await this.#stream(stream, id, options.signal);
      return;
    }
    await response.body?.cancel().catch(() => {});
    throw new HttpStatusError(
      response.status,
      `${this.#label}the server is not an MCP server: it answered a POST with content type ${
        type ? `'${type}'` : "none"
      }, not JSON or an event stream`,
    );
  }

  async #fetch(url: URL, init: RequestInit): Promise<Response>;
  async #fetch(url: URL, init: RequestInit, answer: AnswerFn | undefined): Promise<HttpAnswer>;
  async #fetch(url: URL, init: RequestInit, answer?: AnswerFn): Promise<HttpAnswer> {
    try {
      return await (answer ?? this.#options.fetch)(url, init);
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason;
      if (err instanceof ConnectionError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new ConnectionError(`${this.#label}cannot reach ${url.origin}: ${why}`, { cause: err });
    }
  }

  /** Delivers the messages of a JSON body; true when the response to `id` was among them. */
  #deliver(text: string, id: RequestId, strict: boolean): boolean {
    const decoded = parseMessage(text);
    let answered = false;
    for (const entry of Array.isArray(decoded) ? decoded : [decoded]) {
      if (entry.kind === "invalid") {
        if (strict) {
          throw new ConnectionError(`${this.#label}the server sent a malformed message: ${entry.message}`);
        }
        continue;
      }
      if (entry.kind === "response" && entry.response.id === id) answered = true;
      this.#receive(entry, id);
    }
    if (strict && !answered) {
      throw new ConnectionError(`${this.#label}the server's answer does not answer request ${id}`);
    }
    return answered;
  }

  /** Reads a request's event stream until its response; resumes it with `Last-Event-ID` if it drops. */
  async #stream(first: Response, id: RequestId, signal?: AbortSignal): Promise<void> {
    let response: Response | undefined = first;
    let lastEventId: string | undefined;
    let retryMs = DEFAULT_RETRY_MS;
    for (let resumes = 0; response; resumes++) {
      let progressed = false;
      try {
        for await (const event of readSse(response.body!, true)) {
          if (event.id !== undefined) lastEventId = event.id;
          if (event.retry !== undefined && Number.isFinite(event.retry)) retryMs = event.retry;
          if (!event.data || (event.event !== undefined && event.event !== "message")) continue;
          progressed = true;
          if (this.#deliver(event.data, id, false)) return;
        }
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (lastEventId === undefined) {
          throw new ConnectionError(`${this.#label}the response stream broke: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
      if (lastEventId === undefined || this.#ended) break;
      if (progressed) resumes = 0;
      if (resumes >= MAX_RESUMES) break;
      await delay(retryMs, signal);
      response = await this.#resume(lastEventId, signal);
    }
    throw new ConnectionError(
      `${this.#label}the server closed the stream of request ${id} without answering`,
    );
  }

  /** GET with `Last-Event-ID`: the rest of a dropped stream. */
  async #resume(lastEventId: string, signal?: AbortSignal): Promise<Response | undefined> {
    const headers = this.#headers({ accept: "text/event-stream", "last-event-id": lastEventId });
    const response = await this.#fetch(this.#options.url, { method: "GET", headers, signal });
    if (response.ok && (response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      return response;
    }
    await response.body?.cancel().catch(() => {});
    return undefined;
  }

  /** A JSON-RPC error in an error status's body is the answer (400, 403, 429 …); true when delivered. */
  async #errorAnswer(response: HttpAnswer, id: RequestId): Promise<boolean> {
    const type = response.headers.get("content-type") ?? "";
    if (!type.startsWith("application/json")) return false;
    const text = await response.clone().text().catch(() => "");
    const decoded = parseMessage(text) as Decoded;
    if (Array.isArray(decoded) || decoded.kind !== "response" || !decoded.response.error) return false;
    if (decoded.response.id !== id && decoded.response.id !== null) return false;
    await response.body?.cancel().catch(() => {});
    this.#receive({ kind: "response", response: { ...decoded.response, id } }, id);
    return true;
  }

  async #statusError(response: HttpAnswer, message: JsonRpcMessage): Promise<Error> {
    const text = await response.text().catch(() => "");
    const what = "method" in message ? `${message.method}` : "a response";
    if (response.status === 404 && this.#sessionId !== undefined) {
      return new HttpStatusError(404, `${this.#label}the server ended the session (404 on ${what})`);
    }
    const detail = text.trim().slice(0, 200);
    return new HttpStatusError(
      response.status,
      `${this.#label}HTTP ${response.status}${
        response.statusText ? ` ${response.statusText}` : ""
      } on ${what}${detail ? `: ${detail}` : ""}`,
    );
  }

  /** Opens the GET stream of a 2025 session (server-initiated messages); quietly none on 405. */
  listen(): void {
    if (this.#listening || this.#sessionId === undefined || this.#ended) return;
    const controller = new AbortController();
    this.#listening = controller;
    void this.#listenLoop(controller.signal);
  }

  async #listenLoop(signal: AbortSignal): Promise<void> {
    let lastEventId: string | undefined;
    let retryMs = DEFAULT_RETRY_MS;
    for (let failures = 0; !signal.aborted && failures < MAX_RESUMES;) {
      try {
        const headers = this.#headers({ accept: "text/event-stream" });
        if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
        const response = await this.#options.fetch(this.#options.url, { method: "GET", headers, signal });
        if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
          await response.body?.cancel().catch(() => {});
          if (response.status === 404 && !signal.aborted) {
            this.#closed(new ConnectionError(`${this.#label}the server ended the session`));
          }
          return; // 405: the server offers no such stream.
        }
        for await (const event of readSse(response.body!, true)) {
          if (event.id !== undefined) lastEventId = event.id;
          if (event.retry !== undefined && Number.isFinite(event.retry)) retryMs = event.retry;
          if (!event.data || (event.event !== undefined && event.event !== "message")) continue;
          failures = 0;
          const decoded = parseMessage(event.data);
          for (const entry of Array.isArray(decoded) ? decoded : [decoded]) {
            if (entry.kind !== "invalid") this.#receive(entry);
          }
        }
      } catch {
        if (signal.aborted) return;
      }
      failures++;
      await delay(retryMs, signal).catch(() => {});
    }
  }

  /** Ends the 2025 session with DELETE and stops the GET stream. */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#listening?.abort();
    try {
      await this.#endSession();
    } finally {
      this.#options.onClose?.();
    }
  }

  /** DELETE for a 2025 session, so the server can free it at once. */
  async #endSession(): Promise<void> {
    if (this.#sessionId !== undefined) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), DELETE_TIMEOUT_MS);
      try {
        const response = await this.#options.fetch(this.#options.url, {
          method: "DELETE",
          headers: this.#headers(),
          signal: controller.signal,
        }).catch(() => undefined);
        await response?.body?.cancel().catch(() => {});
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
