/**
 * The least an HTTP client in Deno userland can do for a JSON POST: kept-alive `Deno.connect`
 * sockets, one write per request, reads until the content-length body is in. No checks beyond
 * what the benchmark's own servers answer. The floor that client and proxy costs are read against.
 *
 * @module
 */

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** One kept-alive socket and the bytes read from it but not used yet. */
interface Socket {
  conn: Deno.TcpConn;
  buffered: Uint8Array<ArrayBuffer>;
}

/** What came back: status, content type and body bytes. */
export interface RawAnswer {
  status: number;
  type: string;
  body: Uint8Array<ArrayBuffer>;
}

/** Kept-alive sockets to one server. */
export class RawHttp {
  readonly #url: URL;
  readonly #idle: Socket[] = [];

  /** Sockets to the origin of `url`; requests go to its path. */
  constructor(url: string | URL) {
    this.#url = new URL(url);
  }

  /** POSTs `body` with `headers` (lowercase names) and reads the answer. */
  async post(headers: Record<string, string>, body: Uint8Array): Promise<RawAnswer> {
    const url = this.#url;
    let s = this.#idle.pop();
    if (!s) {
      const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
      conn.setNoDelay(true);
      s = { conn, buffered: new Uint8Array(0) };
    }
    let head = `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-length: ${body.length}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    const headBytes = encoder.encode(head + "\r\n");
    const out = new Uint8Array(headBytes.length + body.length);
    out.set(headBytes);
    out.set(body, headBytes.length);
    for (let written = 0; written < out.length;) written += await s.conn.write(out.subarray(written));
    let end = headEnd(s.buffered);
    while (end < 0) {
      await fill(s);
      end = headEnd(s.buffered);
    }
    const answerHead = latin1.decode(s.buffered.subarray(0, end));
    const length = answerHead.match(/\r\ncontent-length:\s*(\d+)/i);
    if (!length) throw new Error("the raw client reads only content-length answers");
    const total = end + Number(length[1]);
    while (s.buffered.length < total) await fill(s);
    const answer = s.buffered.slice(end, total);
    s.buffered = s.buffered.subarray(total);
    this.#idle.push(s);
    return {
      status: Number(answerHead.slice(9, 12)),
      type: answerHead.match(/\r\ncontent-type:\s*([^\r]+)/i)?.[1] ?? "application/json",
      body: answer,
    };
  }

  /** Closes the idle sockets. */
  close(): void {
    for (const s of this.#idle.splice(0)) s.conn.close();
  }
}

async function fill(s: Socket): Promise<void> {
  const chunk = new Uint8Array(16 * 1024);
  const n = await s.conn.read(chunk);
  if (n === null) throw new Error("the server closed the connection");
  const joined = new Uint8Array(s.buffered.length + n);
  joined.set(s.buffered);
  joined.set(chunk.subarray(0, n), s.buffered.length);
  s.buffered = joined;
}

function headEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i + 1;
  }
  return -1;
}
