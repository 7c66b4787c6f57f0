/**
 * The wire side of the client's HTTP/1.1: one socket with the bytes read from it and not used yet,
 * the response head's syntax (RFC 9112: status line, fields, framing), and the three ways a body
 * is delimited (content-length, chunked, the connection's end).
 *
 * @module
 */

const latin1 = new TextDecoder("latin1");
/** A field name (RFC 9110 token). */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** One socket and the bytes read from it but not used yet. */
export class Connection {
  readonly conn: Deno.Conn;
  readonly origin: string;
  #buffer: Uint8Array<ArrayBuffer> = new Uint8Array(16384);
  #start = 0;
  #end = 0;
  /** Requests answered on it so far. */
  uses = 0;
  idleSince = 0;
  closed = false;

  constructor(conn: Deno.Conn, origin: string) {
    this.conn = conn;
    this.origin = origin;
  }

  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Reads more bytes; false at end of stream. */
  async fill(): Promise<boolean> {
    if (this.#start > 0 && this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buffer.length) {
      const size = this.buffered * 2 > this.#buffer.length ? this.#buffer.length * 2 : this.#buffer.length;
      const next = new Uint8Array(size);
      next.set(this.#buffer.subarray(this.#start, this.#end));
      this.#end -= this.#start;
      this.#start = 0;
      this.#buffer = next;
    }
    const n = await this.conn.read(this.#buffer.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The index just past the first CRLFCRLF at or after `from`, or -1. */
  headEnd(): number {
    const b = this.#buffer;
    for (let i = this.#start; i + 3 < this.#end; i++) {
      if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i + 4 - this.#start;
    }
    return -1;
  }

  /** The index just past the first CRLF, or -1. */
  lineEnd(): number {
    const b = this.#buffer;
    for (let i = this.#start; i + 1 < this.#end; i++) {
      if (b[i] === 13 && b[i + 1] === 10) return i + 2 - this.#start;
    }
    return -1;
  }

  /** Takes `n` buffered bytes (a copy). */
  take(n: number): Uint8Array<ArrayBuffer> {
    const out = this.#buffer.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer.
    }
  }
}

/** The response head. */
export interface Head {
  status: number;
  statusText: string;
  headers: [string, string][];
  keepAlive: boolean;
  chunked: boolean;
  length?: number;
}

export function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!status) throw new Error(`malformed status line '${lines[0].slice(0, 60)}'`);
  const headers: [string, string][] = [];
  let connection = "";
  let transferEncoding = "";
  let length: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new Error(`malformed header line '${line.slice(0, 60)}'`);
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === "connection") connection += "," + value.toLowerCase();
    else if (lower === "transfer-encoding") transferEncoding += "," + value.toLowerCase();
    else if (lower === "content-length") {
      if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) {
        throw new Error(`malformed content-length '${value.slice(0, 20)}'`);
      }
      length = Number(value);
    }
    headers.push([name, value]);
  }
  const codings = transferEncoding.split(",").map((c) => c.trim()).filter(Boolean);
  const chunked = codings.at(-1) === "chunked";
  if (codings.length > 0 && (!chunked || codings.length > 1)) {
    throw new Error(`unsupported transfer-encoding '${transferEncoding.slice(1)}'`);
  }
  // A message with both is ambiguous (RFC 9112 §6.3): refuse it rather than guess.
  if (chunked && length !== undefined) throw new Error("both transfer-encoding and content-length");
  const keepAlive = status[1] === "1" && !/(^|,)\s*close\s*(,|$)/.test(connection);
  return { status: Number(status[2]), statusText: status[3] ?? "", headers, keepAlive, chunked, length };
}

export async function* lengthReader(c: Connection, length: number): AsyncGenerator<Uint8Array> {
  let left = length;
  while (left > 0) {
    if (c.buffered === 0 && !(await c.fill())) {
      throw new Error("the connection closed inside a response body");
    }
    const n = Math.min(left, c.buffered);
    left -= n;
    yield c.take(n);
  }
}

export async function* untilCloseReader(c: Connection): AsyncGenerator<Uint8Array> {
  for (;;) {
    if (c.buffered > 0) yield c.take(c.buffered);
    if (!(await c.fill())) return;
  }
}

/** Chunked transfer coding (RFC 9112 §7.1): sizes in hex, extensions ignored, trailers skipped. */
export async function* chunkedReader(c: Connection): AsyncGenerator<Uint8Array> {
  const line = async (): Promise<string> => {
    let end = c.lineEnd();
    while (end < 0) {
      if (c.buffered > 4096) throw new Error("a chunk-size line over 4096 bytes");
      if (!(await c.fill())) throw new Error("the connection closed inside a chunked body");
      end = c.lineEnd();
    }
    return latin1.decode(c.take(end)).slice(0, -2);
  };
  for (;;) {
    const sizeLine = await line();
    const size = /^([0-9A-Fa-f]{1,12})[ \t]*(;.*)?$/.exec(sizeLine);
    if (!size) throw new Error(`malformed chunk size '${sizeLine.slice(0, 20)}'`);
    const n = parseInt(size[1], 16);
    if (n === 0) {
      while ((await line()) !== "") {
        // Trailer fields: not used.
      }
      return;
    }
    yield* lengthReader(c, n);
    if ((await line()) !== "") throw new Error("a chunk not followed by CRLF");
  }
}
