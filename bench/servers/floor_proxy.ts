/**
 * Benchmark floor for a proxy hop: `Deno.serve` that forwards each POST, byte for byte, to the
 * `add` server over pooled keep-alive sockets (`Deno.connect`, the least an HTTP client in Deno
 * userland can do: one write, reads until the body is in) and hands the answer back. No MCP work
 * at all. Its CPU per request beside `denomcp-modern`'s is the cheapest a proxy written in Deno
 * can be; `denomcp-proxy` is read against both. `FORWARD=fetch` forwards with `fetch` instead.
 *
 *   PORT=8123 deno run -A bench/servers/floor_proxy.ts
 *
 * @module
 */

import { startUpstream, stopWith } from "../lib/upstream.ts";

const port = Number(Deno.env.get("PORT") ?? "8000");
const upstream = await startUpstream();
const target = new URL(upstream.url);
const viaFetch = Deno.env.get("FORWARD") === "fetch";
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const FORWARDED = ["content-type", "accept", "mcp-protocol-version", "mcp-method", "mcp-name"];

/** One kept-alive socket and the bytes read from it but not used yet. */
interface Socket {
  conn: Deno.TcpConn;
  buffered: Uint8Array;
}
const idle: Socket[] = [];

async function fill(s: Socket): Promise<void> {
  const chunk = new Uint8Array(16 * 1024);
  const n = await s.conn.read(chunk);
  if (n === null) throw new Error("the upstream closed the connection");
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

async function forward(headers: Headers, body: Uint8Array): Promise<Response> {
  let s = idle.pop();
  if (!s) {
    const conn = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
    conn.setNoDelay(true);
    s = { conn, buffered: new Uint8Array(0) };
  }
  let head = `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-length: ${body.length}\r\n`;
  for (const name of FORWARDED) {
    const value = headers.get(name);
    if (value !== null) head += `${name}: ${value}\r\n`;
  }
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
  const status = Number(answerHead.slice(9, 12));
  const length = answerHead.match(/\r\ncontent-length:\s*(\d+)/i);
  if (!length) throw new Error("the floor proxy reads only content-length answers");
  const total = end + Number(length[1]);
  while (s.buffered.length < total) await fill(s);
  const answer = s.buffered.slice(end, total);
  s.buffered = s.buffered.subarray(total);
  idle.push(s);
  const type = answerHead.match(/\r\ncontent-type:\s*([^\r]+)/i)?.[1] ?? "application/json";
  return new Response(answer, { status, headers: { "content-type": type } });
}

const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  if (req.method !== "POST") return new Response(null, { status: 405 });
  if (viaFetch) {
    const headers = new Headers();
    for (const name of FORWARDED) {
      const value = req.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const answer = await fetch(upstream.url, { method: "POST", headers, body: await req.bytes() });
    return new Response(await answer.bytes(), { status: answer.status, headers: answer.headers });
  }
  return await forward(req.headers, await req.bytes());
});
stopWith(upstream, async () => {
  for (const s of idle) s.conn.close();
  await server.shutdown();
});
