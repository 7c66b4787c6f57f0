/**
 * The same malformed message gets the same JSON-RPC answer over HTTP and over stdio: both decode
 * with `decodeMessage` and read the 2026 envelope with `readEnvelope`. The table is the
 * specification of that answer.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { CLIENT_HEADERS, ENDPOINT } from "../helpers/http.ts";
import { StdioPeer } from "../helpers/stdio.ts";

const ENVELOPE_VERSION = "io.modelcontextprotocol/protocolVersion";

interface Case {
  name: string;
  line: string;
  /** HTTP headers beyond a conformant client's (a 2026 message states its version). */
  headers?: Record<string, string>;
  id: string | number | null;
  code: number;
  message: RegExp;
}

const CASES: Case[] = [
  {
    name: "not JSON",
    line: "{",
    id: null,
    code: -32700,
    message: /^Parse error: the message is not valid JSON$/,
  },
  {
    name: "a JSON string",
    line: '"ping"',
    id: null,
    code: -32600,
    message: /expected a JSON-RPC 2.0 message/,
  },
  {
    name: "jsonrpc 1.0",
    line: '{"jsonrpc":"1.0","id":1,"method":"ping"}',
    id: null,
    code: -32600,
    message: /expected a JSON-RPC 2.0 message/,
  },
  {
    name: "a fractional id",
    line: '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
    id: null,
    code: -32600,
    message: /id must be a string or a safe integer/,
  },
  {
    name: "a null id",
    line: '{"jsonrpc":"2.0","id":null,"method":"ping"}',
    id: null,
    code: -32600,
    message: /id must be a string or a safe integer/,
  },
  {
    name: "an id beyond safe integers",
    line: '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}',
    id: null,
    code: -32600,
    message: /id must be a string or a safe integer/,
  },
  {
    name: "a numeric method",
    line: '{"jsonrpc":"2.0","id":7,"method":5}',
    id: 7,
    code: -32600,
    message: /method must be a string/,
  },
  {
    name: "array params",
    line: '{"jsonrpc":"2.0","id":8,"method":"tools/list","params":[1]}',
    id: 8,
    code: -32600,
    message: /params must be an object/,
  },
  {
    name: "a method inherited from Object.prototype is not a method",
    line: '{"jsonrpc":"2.0","id":9}',
    id: 9,
    code: -32600,
    message: /method must be a string/,
  },
  {
    name: "a 2026 envelope without client capabilities",
    line: JSON.stringify({
      jsonrpc: "2.0",
      id: 10,
      method: "tools/list",
      params: { _meta: { [ENVELOPE_VERSION]: "2026-07-28" } },
    }),
    headers: { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" },
    id: 10,
    code: -32602,
    message: /clientCapabilities"\] is required/,
  },
  {
    name: "a 2026 envelope with a version not served",
    line: JSON.stringify({
      jsonrpc: "2.0",
      id: 11,
      method: "tools/list",
      params: {
        _meta: { [ENVELOPE_VERSION]: "2099-01-01", "io.modelcontextprotocol/clientCapabilities": {} },
      },
    }),
    headers: { "mcp-protocol-version": "2099-01-01", "mcp-method": "tools/list" },
    id: 11,
    code: -32022,
    message: /^Unsupported protocol version$/,
  },
];

function answerOf(message: Record<string, unknown>) {
  const error = message.error as { code: number; message: string };
  return { id: message.id, code: error.code, message: error.message };
}

Deno.test("stdio and HTTP give the same answer to the same malformed message", async () => {
  const http = new FastMCP({ name: "malformed-http", logger: () => {} });
  const stdio = new FastMCP({ name: "malformed-stdio", logger: () => {} });
  const peer = await StdioPeer.open(stdio);
  try {
    for (const c of CASES) {
      const res = await http.fetch(
        new Request(ENDPOINT, { method: "POST", headers: { ...CLIENT_HEADERS, ...c.headers }, body: c.line }),
      );
      assert.equal(res.status, 400, `${c.name}: HTTP status`);
      const overHttp = answerOf(await res.json());
      await peer.sendLine(c.line);
      const overStdio = answerOf(await peer.next(() => true));
      assert.deepEqual(overStdio, overHttp, `${c.name}: stdio and HTTP differ`);
      assert.equal(overHttp.id, c.id, `${c.name}: id`);
      assert.equal(overHttp.code, c.code, `${c.name}: code`);
      assert.match(overHttp.message, c.message, `${c.name}: message`);
    }
  } finally {
    await peer.close();
    await http.close();
  }
});
