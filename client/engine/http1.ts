/**
 * A lean HTTP/1.1 client over `Deno.connect` / `Deno.connectTls`, with keep-alive connections per
 * origin, for the requests an MCP client makes (JSON POSTs, event-stream GETs, DELETE). It
 * answers with standard `Response` objects, so the transports above it cannot tell it from
 * `fetch`; whatever it does not handle (a body that is not text or bytes, a redirect to follow)
 * goes to `fetch`.
 *
 * Why not `fetch`: measured here (README, "How slim"), a JSON round trip costs `fetch` 155–230 µs
 * of CPU, `node:http` and `npm:undici` the same or more, and a plain keep-alive socket 34–55 µs.
 * A proxy pays that on every call it forwards. `fetch` stays for HTTP proxies (`HTTP_PROXY`…),
 * a caller's own `fetch`, redirects, and bodies that are not text or bytes.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { type HttpAnswer, PlainAnswer } from "./http_answer.ts";
import {
  chunkedReader,
  Connection,
  type Head,
  lengthReader,
  parseHead,
  TOKEN,
  untilCloseReader,
} from "./http1_wire.ts";

/** Limits of {@link Http1Client}. */
export interface Http1Limits {
  /** Largest response head (status line and headers), in bytes. Default 64 KiB. */
  maxHeadBytes?: number;
  /** Idle connections kept per origin. Default 64. */
  maxIdlePerOrigin?: number;
  /** How long an idle connection is kept, in ms (shorter than servers' own keep-alive). Default 4 000. */
  idleMs?: number;
  /** Extra trusted CA certificates (PEM) for `https:`, beside the system's and `DENO_CERT`. */
  caCerts?: string[];
}

type FetchFn = (url: string | URL, init?: RequestInit) => Promise<Response>;

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
/** A content-length body up to this size is read at once; a larger one is streamed. */
const INLINE_BODY_BYTES = 1 << 20;
const BAD_VALUE = /[\r\n\0]/;

/**
 * Pooled keep-alive HTTP/1.1 for `http:` and `https:` URLs; its {@link Http1Client.fetch} has the
 * shape of `fetch`.
 */
export class Http1Client {
  readonly #idle = new Map<string, Connection[]>();
  readonly #busy = new Set<Connection>();
  readonly #limits: Required<Omit<Http1Limits, "caCerts">>;
  readonly #caCerts?: string[];
  readonly #fallback: FetchFn;
  #closed = false;

  /** Creates the client; `fallback` (default `fetch`) serves what it does not handle. */
  constructor(limits: Http1Limits = {}, fallback: FetchFn = (url, init) => fetch(url, init)) {
    this.#limits = {
      maxHeadBytes: limits.maxHeadBytes ?? 64 * 1024,
      maxIdlePerOrigin: limits.maxIdlePerOrigin ?? 64,
      idleMs: limits.idleMs ?? 4_000,
    };
    this.#caCerts = limits.caCerts;
    this.#fallback = fallback;
  }

  /** `fetch` for the requests it handles. */
  readonly fetch: FetchFn = (input, init = {}) => this.#request(input, init, false) as Promise<Response>;

  /**
   * Like {@link Http1Client.fetch}, but a small body comes back read, as a {@link PlainAnswer}
   * rather than a `Response`: what the Streamable HTTP transport uses when nothing wraps its fetch.
   */
  readonly answer = (url: URL, init: RequestInit): Promise<HttpAnswer> => this.#request(url, init, true);

  async #request(input: string | URL, init: RequestInit, plain: boolean): Promise<Response | PlainAnswer> {
    const url = input instanceof URL ? input : new URL(input);
    const body = init.body;
    const method = (init.method ?? "GET").toUpperCase();
    const plainBody = body === undefined || body === null || typeof body === "string" ||
      body instanceof Uint8Array;
    if (
      this.#closed || (url.protocol !== "http:" && url.protocol !== "https:") || !plainBody || url.username
    ) {
      return await this.#fallback(url, init);
    }
    // Head and body go out in one write, a text body encoded together with its head.
    const head = this.#requestHead(
      url,
      method,
      init.headers,
      typeof body === "string" ? utf8Length(body) : body?.byteLength,
    );
    const wire = typeof body === "string"
      ? encoder.encode(head + body)
      : body
      ? concat(encoder.encode(head), body as Uint8Array)
      : encoder.encode(head);
    const response = await this.#exchange(url, method, wire, init.signal ?? undefined, plain);
    // A redirect is `fetch`'s to follow (or to hand back, with redirect: "manual").
    if (
      response.status >= 300 && response.status < 400 && init.redirect !== "manual" &&
      response.headers.get("location") !== null
    ) {
      await response.body?.cancel();
      return await this.#fallback(url, init);
    }
    return response;
  }

  /** Closes idle connections and refuses new ones (requests then go to the fallback). */
  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) for (const c of list) c.close();
    this.#idle.clear();
    for (const c of this.#busy) c.close();
    this.#busy.clear();
  }

  #requestHead(url: URL, method: string, headers: HeadersInit | undefined, bodyBytes?: number): string {
    let text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
    let accept = false;
    let encoding = false;
    const add = (name: string, value: string) => {
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new TypeError(`invalid header '${name}'`);
      const lower = name.toLowerCase();
      if (
        lower === "host" || lower === "content-length" || lower === "connection" ||
        lower === "transfer-encoding"
      ) {
        return;
      }
      if (lower === "accept") accept = true;
      if (lower === "accept-encoding") encoding = true;
      text += `${name}: ${value}\r\n`;
    };
    if (headers instanceof Headers) headers.forEach((value, name) => add(name, value));
    else if (Array.isArray(headers)) { for (const [name, value] of headers) add(name, value); }
    else if (headers) { for (const [name, value] of Object.entries(headers)) add(name, value); }
    if (!accept) text += "accept: */*\r\n";
    // No content coding is asked for, so none has to be undone.
    if (!encoding) text += "accept-encoding: identity\r\n";
    if (bodyBytes !== undefined || method === "POST" || method === "PUT" || method === "PATCH") {
      text += `content-length: ${bodyBytes ?? 0}\r\n`;
    }
    return text + "\r\n";
  }

  async #connect(url: URL): Promise<Connection> {
    const origin = url.origin;
    const idle = this.#idle.get(origin);
    const now = Date.now();
    while (idle?.length) {
      const c = idle.pop()!;
      if (now - c.idleSince < this.#limits.idleMs && !c.closed) return c;
      c.close();
    }
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    if (url.protocol === "https:") {
      const tls = await Deno.connectTls({
        hostname,
        port,
        alpnProtocols: ["http/1.1"],
        caCerts: this.#caCerts,
      });
      return new Connection(tls, origin);
    }
    const conn = await Deno.connect({ hostname, port });
    // Small requests go out at once rather than wait for more to coalesce.
    conn.setNoDelay(true);
    return new Connection(conn, origin);
  }

  #release(c: Connection, keepAlive: boolean): void {
    this.#busy.delete(c);
    if (!keepAlive || this.#closed || c.closed || c.buffered > 0) return c.close();
    let idle = this.#idle.get(c.origin);
    if (!idle) this.#idle.set(c.origin, idle = []);
    if (idle.length >= this.#limits.maxIdlePerOrigin) return c.close();
    c.idleSince = Date.now();
    idle.push(c);
  }

  async #exchange(
    url: URL,
    method: string,
    wire: Uint8Array,
    signal: AbortSignal | undefined,
    plain: boolean,
  ): Promise<Response | PlainAnswer> {
    signal?.throwIfAborted();
    for (let attempt = 0;; attempt++) {
      let c: Connection;
      try {
        c = await this.#connect(url);
      } catch (error) {
        throw new TypeError(`error sending request for url (${url.href}): ${(error as Error).message}`, {
          cause: error,
        });
      }
      this.#busy.add(c);
      const reused = c.uses > 0;
      c.uses++;
      const abort = () => c.close();
      signal?.addEventListener("abort", abort, { once: true });
      let received = false;
      try {
        await writeAll(c.conn, wire);
        const parsed = await this.#readHead(c, () => (received = true));
        return await this.#response(c, method, parsed, signal, abort, plain);
      } catch (error) {
        signal?.removeEventListener("abort", abort);
        this.#busy.delete(c);
        c.close();
        if (signal?.aborted) throw signal.reason;
        // A kept-alive connection the server closed meanwhile: the request never reached it.
        if (reused && !received && attempt === 0) continue;
        if (error instanceof ConnectionError) throw error;
        throw new TypeError(`error sending request for url (${url.href}): ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }

  async #readHead(c: Connection, onBytes: () => void): Promise<Head> {
    for (;;) {
      let end = c.headEnd();
      while (end < 0) {
        if (c.buffered > this.#limits.maxHeadBytes) {
          throw new ConnectionError(`the server's response head is over ${this.#limits.maxHeadBytes} bytes`);
        }
        if (!(await c.fill())) throw new Error("the connection closed before a response");
        onBytes();
        end = c.headEnd();
      }
      if (end > this.#limits.maxHeadBytes) {
        throw new ConnectionError(`the server's response head is over ${this.#limits.maxHeadBytes} bytes`);
      }
      const head = parseHead(latin1.decode(c.take(end)).slice(0, -4));
      // Interim answers (100 Continue, 103 Early Hints) precede the real one.
      if (head.status >= 100 && head.status < 200) {
        if (head.status === 101) throw new Error("the server switched protocols");
        continue;
      }
      return head;
    }
  }

  async #response(
    c: Connection,
    method: string,
    head: Head,
    signal: AbortSignal | undefined,
    abort: () => void,
    plain: boolean,
  ): Promise<Response | PlainAnswer> {
    const init = { status: head.status, statusText: head.statusText, headers: head.headers };
    const done = (keepAlive: boolean) => {
      signal?.removeEventListener("abort", abort);
      this.#release(c, keepAlive && head.keepAlive);
    };
    if (method === "HEAD" || head.status === 204 || head.status === 304 || head.length === 0) {
      done(true);
      return new Response(null, init);
    }
    if (head.length !== undefined && head.length <= INLINE_BODY_BYTES) {
      // A small body is read before answering: no stream to build for the common JSON answer.
      while (c.buffered < head.length) {
        if (!(await c.fill())) throw new Error("the connection closed inside a response body");
      }
      const bytes = c.take(head.length);
      done(true);
      return plain
        ? new PlainAnswer(head.status, head.statusText, head.headers, bytes)
        : new Response(bytes, init);
    }
    const reader = head.chunked
      ? chunkedReader(c)
      : head.length !== undefined
      ? lengthReader(c, head.length)
      : untilCloseReader(c);
    const stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const chunk = await reader.next();
          if (chunk.done) {
            controller.close();
            done(head.length !== undefined || head.chunked);
          } else controller.enqueue(chunk.value);
        } catch (error) {
          done(false);
          controller.error(signal?.aborted ? signal.reason : error);
        }
      },
      cancel: () => done(false),
    });
    return new Response(stream, init);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
}

/** The length of `text` in UTF-8 (a lone surrogate counts as U+FFFD, as `TextEncoder` writes it). */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
