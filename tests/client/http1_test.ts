/**
 * The client's own HTTP/1.1 (client/engine/http1.ts) against raw sockets that answer byte for
 * byte as a test says: keep-alive reuse, a connection the server closed while idle, chunked
 * bodies cut anywhere, interim 1xx answers, bodies read to the close, and the malformed answers
 * it must refuse (both framings, bad chunk sizes, oversize heads) without hanging or leaking.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Http1Client, utf8Length } from "../../client/engine/http1.ts";
import { PlainAnswer } from "../../client/engine/http_answer.ts";

const encoder = new TextEncoder();

/** A server on 127.0.0.1 whose every connection runs `script` (reads the request first). */
function rawServer(script: (conn: Deno.Conn, index: number, request: string) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      const index = accepted++;
      (async () => {
        const buf = new Uint8Array(65536);
        try {
          for (;;) {
            let request = "";
            while (!request.includes("\r\n\r\n")) {
              const n = await conn.read(buf);
              if (n === null) return;
              request += new TextDecoder().decode(buf.subarray(0, n));
            }
            const length = Number(/content-length: (\d+)/i.exec(request)?.[1] ?? 0);
            while (request.length - request.indexOf("\r\n\r\n") - 4 < length) {
              const n = await conn.read(buf);
              if (n === null) return;
              request += new TextDecoder().decode(buf.subarray(0, n));
            }
            await script(conn, index, request);
          }
        } catch {
          // The test closed it.
        }
      })();
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/mcp`,
    get accepted() {
      return accepted;
    },
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // Already closed.
        }
      }
      await loop;
    },
  };
}

/** Writes the parts one by one, a moment apart, so that the client reads them separately. */
async function send(conn: Deno.Conn, ...parts: string[]): Promise<void> {
  for (const [i, part] of parts.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 2));
    await conn.write(encoder.encode(part));
  }
}

Deno.test("http1: keep-alive reuse; headers sent as given; the request body and head as fetch would send them", async () => {
  const seen: string[] = [];
  const server = rawServer(async (conn, _i, request) => {
    seen.push(request);
    await send(
      conn,
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}',
    );
  });
  const client = new Http1Client();
  try {
    for (let i = 0; i < 5; i++) {
      const res = await client.fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", "mcp-method": "tools/call" },
        body: JSON.stringify({ n: i }),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), { ok: true });
    }
    assert.equal(server.accepted, 1, "one connection served all five");
    assert.match(seen[0], /^POST \/mcp HTTP\/1\.1\r\n/);
    assert.match(seen[0], /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(seen[0], /\r\nmcp-method: tools\/call\r\n/);
    assert.match(seen[0], /\r\ncontent-length: 7\r\n\r\n\{"n":0\}$/);
    await assert.rejects(
      client.fetch(server.url, { headers: { "x-evil": "a\r\nx-injected: 1" } }),
      /invalid header/,
    );
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("http1: a kept-alive connection the server closed while idle is replaced, the request sent once", async () => {
  let requests = 0;
  const server = rawServer(async (conn) => {
    requests++;
    await send(conn, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    // The server drops the connection right after answering, without saying so.
    conn.close();
  });
  const client = new Http1Client();
  try {
    assert.equal(await (await client.fetch(server.url, { method: "POST", body: "1" })).text(), "ok");
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await (await client.fetch(server.url, { method: "POST", body: "2" })).text(), "ok");
    assert.equal(requests, 2);
    assert.equal(server.accepted, 2);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("http1: chunked bodies cut anywhere, 1xx answers first, a body read to the close, a stream cancelled", async () => {
  const server = rawServer(async (conn, _i, request) => {
    if (request.includes("/chunked")) {
      await send(
        conn,
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: text/event-stream\r\n\r\n",
        "5;ext=1\r\nhel",
        "lo\r\n",
        "6\r\n world\r\n0\r\nx-trailer: 1\r\n",
        "\r\n",
      );
    } else if (request.includes("/close")) {
      await send(conn, "HTTP/1.0 200 OK\r\n\r\nuntil ", "the end");
      conn.close();
    } else {
      await send(conn, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n");
    }
  });
  const client = new Http1Client();
  try {
    const base = server.url.replace(/\/mcp$/, "");
    const chunked = await client.fetch(`${base}/chunked`);
    assert.equal(await chunked.text(), "hello world");
    assert.equal(await (await client.fetch(`${base}/chunked`)).text(), "hello world");
    assert.equal(await (await client.fetch(`${base}/close`)).text(), "until the end");
    // A stream that never ends: cancelling it frees the connection.
    const open = await client.fetch(`${base}/forever`);
    const reader = open.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "abc");
    await reader.cancel();
    // Aborting a request waiting on such a stream ends it with the signal's reason.
    const abort = new AbortController();
    const waiting = await client.fetch(`${base}/forever`, { signal: abort.signal });
    const text = waiting.text();
    abort.abort(new Error("enough"));
    await assert.rejects(text, /enough/);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("http1: malformed answers are refused with a reason, never hang", async () => {
  const answers: Record<string, string> = {
    "/both":
      "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "/badchunk": "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    "/badlength": "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
    "/twolengths": "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
    "/status": "HTTP/2 200 OK\r\n\r\n",
    "/gzip": "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "/switch": "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
    "/huge": "HTTP/1.1 200 OK\r\n" + "x-pad: " + "a".repeat(70_000) + "\r\n\r\n",
    "/short": "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc",
  };
  const server = rawServer(async (conn, _i, request) => {
    const path = /^GET (\S+)/.exec(request)![1];
    await send(conn, answers[path]);
    conn.close();
  });
  const client = new Http1Client();
  try {
    const base = server.url.replace(/\/mcp$/, "");
    const expected: [string, RegExp][] = [
      ["/both", /both transfer-encoding and content-length/],
      ["/badchunk", /malformed chunk size/],
      ["/badlength", /malformed content-length/],
      ["/twolengths", /malformed content-length/],
      ["/status", /malformed status line/],
      ["/gzip", /unsupported transfer-encoding/],
      ["/switch", /switched protocols/],
      ["/huge", /response head is over 65536 bytes/],
      ["/short", /closed inside a response body/],
    ];
    for (const [path, message] of expected) {
      await assert.rejects(
        (async () => await (await client.fetch(base + path)).text())(),
        (e: unknown) => e instanceof Error && message.test(e.message),
        path,
      );
    }
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("http1: an unreachable server rejects as fetch does (a TypeError naming the URL)", async () => {
  const client = new Http1Client();
  try {
    await assert.rejects(
      client.fetch("http://127.0.0.1:1/mcp", { method: "POST", body: "{}" }),
      (e: unknown) => e instanceof TypeError && e.message.includes("http://127.0.0.1:1/mcp"),
    );
  } finally {
    client.close();
  }
});

Deno.test("http1: https through TLS, keep-alive included; an untrusted certificate is refused", async () => {
  const fixtures = new URL("./fixtures/", import.meta.url);
  const cert = await Deno.readTextFile(new URL("tls_cert.pem", fixtures));
  const key = await Deno.readTextFile(new URL("tls_key.pem", fixtures));
  // A test CA (tls_ca.pem) signed the server's certificate for localhost and 127.0.0.1.
  const ca = await Deno.readTextFile(new URL("tls_ca.pem", fixtures));
  // The client's port tells its connections apart.
  const ports = new Set<number>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert,
    key,
    onListen: () => {},
  }, async (req, info) => {
    ports.add(info.remoteAddr.port);
    const body = await req.text();
    return Response.json({ echoed: body });
  });
  const tcp = server.addr.port;
  const url = `https://localhost:${tcp}/mcp`;
  const trusting = new Http1Client({ caCerts: [ca] });
  const plain = new Http1Client();
  try {
    for (let i = 0; i < 3; i++) {
      const res = await trusting.fetch(url, { method: "POST", body: `hello ${i}` });
      assert.deepEqual(await res.json(), { echoed: `hello ${i}` });
    }
    assert.equal(ports.size, 1, "one TLS connection served the three requests");
    await assert.rejects(
      plain.fetch(url, { method: "POST", body: "x" }),
      /certificate|UnknownIssuer|invalid peer/i,
    );
  } finally {
    trusting.close();
    plain.close();
    await server.shutdown();
  }
});

Deno.test("http1: utf8Length counts as TextEncoder encodes (1–4 byte characters, lone surrogates)", () => {
  const samples = [
    "",
    "plain ascii",
    "é ß ü",
    "€ 中文 ✓",
    "😀 𝄞 pairs",
    "\ud800 lone high",
    "lone low \udc00",
    "end \ud83d",
  ];
  for (let i = 0; i < 200; i++) {
    let text = "";
    for (let j = 0; j < 40; j++) text += String.fromCharCode(Math.floor(Math.random() * 0x10000));
    samples.push(text);
  }
  for (const text of samples) {
    assert.equal(utf8Length(text), encoder.encode(text).byteLength, JSON.stringify(text));
  }
});

Deno.test("http1: answer() hands a small body back read (a PlainAnswer), a large one as a streamed Response", async () => {
  const big = "x".repeat((1 << 20) + 10);
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const text = await req.text();
    if (text === "big") return new Response(big, { headers: { "content-type": "text/plain" } });
    const headers = new Headers({ "content-type": "application/json" });
    headers.append("x-multi", "a");
    headers.append("x-multi", "b");
    return new Response(JSON.stringify({ bytes: Number(req.headers.get("content-length")), text }), {
      status: 201,
      headers,
    });
  });
  const client = new Http1Client();
  try {
    const url = new URL(`http://127.0.0.1:${server.addr.port}/mcp`);
    // A text body with characters of every UTF-8 length: its content-length must be its bytes.
    const body = "é € 😀 plain";
    const answer = await client.answer(url, { method: "POST", body });
    assert.ok(answer instanceof PlainAnswer);
    assert.equal(answer.status, 201);
    assert.equal(answer.ok, true);
    assert.equal(answer.headers.get("Content-Type"), "application/json");
    assert.equal(answer.headers.get("x-multi"), "a, b");
    assert.equal(answer.headers.get("x-missing"), null);
    assert.deepEqual(JSON.parse(await answer.text()), { bytes: encoder.encode(body).byteLength, text: body });
    assert.equal(await answer.clone().text(), await answer.text());
    const large = await client.answer(url, { method: "POST", body: "big" });
    assert.ok(large instanceof Response);
    assert.equal((await large.text()).length, big.length);
  } finally {
    client.close();
  }
});
