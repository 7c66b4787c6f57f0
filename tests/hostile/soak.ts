/**
 * Mixed hostile load at a bounded rate against the exhaustion fixture, then a check that what it
 * held comes back: heap (after a full GC), RSS and `stats()` against the start, within stated
 * margins. `bench/soak.ts` runs it for 60 s (`deno task soak`); the test suite runs a sample.
 *
 * @module
 */

import {
  callModern,
  type Exhaust,
  initialize,
  legacy,
  type Memory,
  MODERN_META,
  nested,
  post,
  startExhaust,
} from "./exhaust.ts";

/** Settings of one soak. */
export interface SoakOptions {
  /** How long the load runs. */
  durationMs: number;
  /** Operations started per second (each is one of the mixes below). */
  ratePerSecond: number;
  /** Largest growth of the heap after GC, in bytes, counted as "returned". */
  heapMarginBytes: number;
  /** Largest growth of RSS, in bytes. */
  rssMarginBytes: number;
  /** Progress lines go here. */
  log?: (line: string) => void;
}

/** What a soak measured. */
export interface SoakReport {
  operations: Record<string, number>;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  before: Memory;
  peak: Memory;
  after: Memory;
  /** Problems found; empty when everything returned within its margin. */
  problems: string[];
}

/** Limits that make abandoned things expire within a short run. */
export const SOAK_LIMITS: Record<string, number> = {
  halfOpenSessionTimeoutMs: 1000,
  sessionIdleTimeoutMs: 4000,
  taskTtlMs: 2000,
  maxTaskTtlMs: 2000,
  workerPoolSize: 1,
  workerJobTimeoutMs: 2000,
  maxSessions: 200,
  bodyReadTimeoutMs: 500,
};

type Op = (server: Exhaust, count: (status: number) => void) => Promise<void>;

const encoder = new TextEncoder();

const OPS: Record<string, Op> = {
  "half-open session": async (s, count) => {
    const { answer } = await initialize(s.url, {}, false);
    count(answer.status);
  },
  "session with state, abandoned": async (s, count) => {
    const { sessionId, answer } = await initialize(s.url);
    count(answer.status);
    if (!sessionId) return;
    const kept = await post(s.url, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "remember", arguments: { key: "k", value: "v".repeat(2000) } },
    }, legacy(sessionId));
    count(kept.status);
    count(
      (await post(s.url, {
        jsonrpc: "2.0",
        id: 2,
        method: "resources/subscribe",
        params: { uri: "res://1" },
      }, legacy(sessionId))).status,
    );
  },
  "session ended by DELETE": async (s, count) => {
    const { sessionId, answer } = await initialize(s.url);
    count(answer.status);
    if (!sessionId) return;
    await post(s.url, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "remember", arguments: { key: "k", value: "x" } },
    }, legacy(sessionId));
    const res = await fetch(s.url, { method: "DELETE", headers: legacy(sessionId) });
    await res.body?.cancel();
    count(res.status);
  },
  "SSE stream dropped": async (s, count) => {
    const { sessionId } = await initialize(s.url);
    if (!sessionId) return;
    const controller = new AbortController();
    const res = await fetch(s.url, {
      headers: { ...legacy(sessionId), accept: "text/event-stream" },
      signal: controller.signal,
    });
    count(res.status);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await res.body?.cancel().catch(() => {});
  },
  "oversized initialize": async (s, count) => {
    const { answer } = await initialize(s.url, { experimental: { blob: "x".repeat(256 * 1024) } }, false);
    count(answer.status);
  },
  "malformed and deep messages": async (s, count) => {
    count((await post(s.url, '{"jsonrpc":"2.0","id":')).status);
    count((await callModern(s.url, "echo_sync", { value: nested(200) })).status);
    count((await post(s.url, `{"jsonrpc":"2.0","id":1e400,"method":"ping"}`)).status);
  },
  "slow body": async (s, count) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
    await conn.write(encoder.encode(
      `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `accept: application/json, text/event-stream\r\ncontent-length: 100\r\n\r\n{`,
    ));
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf).catch(() => null);
    conn.close();
    count(n ? Number(new TextDecoder().decode(buf.subarray(0, n)).slice(9, 12)) : 0);
  },
  "2026 call, client hangs up": async (s, count) => {
    const controller = new AbortController();
    const call = callModern(s.url, "spin", { ms: 1500 }, "hang", controller.signal).catch(() => undefined);
    setTimeout(() => controller.abort(), 350);
    const answer = await call;
    count(answer?.status ?? 499);
  },
  "2026 sync call": async (s, count) => {
    count((await callModern(s.url, "echo_sync", { value: { a: [1, 2, 3] } })).status);
  },
  "task flood": async (s, count) => {
    for (let i = 0; i < 5; i++) {
      const answer = await post(s.url, {
        jsonrpc: "2.0",
        id: i,
        method: "tools/call",
        params: {
          name: "nap",
          arguments: { ms: 300 },
          task: { ttl: 1000 },
          _meta: {
            ...MODERN_META,
            "io.modelcontextprotocol/clientCapabilities": {
              extensions: { "io.modelcontextprotocol/tasks": {} },
            },
          },
        },
      }, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "nap" });
      count(answer.status);
    }
  },
};

function growth(before: number, after: number): string {
  return `${((after - before) / 1024 / 1024).toFixed(1)} MiB`;
}

/** Runs one soak against a fresh fixture server and reports what it measured. */
export async function soak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  await using server = await startExhaust(SOAK_LIMITS);
  const operations: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const count = (status: number) => void (statuses[status] = (statuses[status] ?? 0) + 1);
  // SOAK_SKIP="name,name" leaves mixes out, to find which one holds memory.
  const skip = (Deno.env.get("SOAK_SKIP") ?? "").split(",");
  const names = Object.keys(OPS).filter((n) => !skip.includes(n));
  // Warm every path once, so that the baseline holds compiled code and started workers.
  for (const name of names) await OPS[name](server, () => {});
  await new Promise((r) => setTimeout(r, SOAK_LIMITS.sessionIdleTimeoutMs + 2500));
  const before = await server.memory();
  log(
    `before: heap ${(before.heapUsed / 1048576).toFixed(1)} MiB, rss ${
      (before.rss / 1048576).toFixed(1)
    } MiB`,
  );
  const inflight = new Set<Promise<void>>();
  let peak = before;
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < options.durationMs) {
    const name = names[n++ % names.length];
    operations[name] = (operations[name] ?? 0) + 1;
    const op = OPS[name](server, count).catch(() => count(-1));
    inflight.add(op);
    void op.finally(() => inflight.delete(op));
    if (n % (options.ratePerSecond * 5) === 0) {
      const now = await server.memory();
      if (now.heapUsed > peak.heapUsed) peak = now;
      log(
        `${Math.round((performance.now() - started) / 1000)} s: ${n} ops, heap ${
          growth(before.heapUsed, now.heapUsed)
        }, ` +
          `sessions ${now.stats.sessions}, streams ${now.stats.openStreams}, tasks ${
            JSON.stringify(now.stats.tasks)
          }`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000 / options.ratePerSecond));
  }
  await Promise.all(inflight);
  // Let abandoned sessions, half-open ones, task results and streams expire.
  await new Promise((r) => setTimeout(r, SOAK_LIMITS.sessionIdleTimeoutMs + 2500));
  const after = await server.memory();
  const problems: string[] = [];
  const { stats } = after;
  if (after.heapUsed - before.heapUsed > options.heapMarginBytes) {
    problems.push(`heap grew by ${growth(before.heapUsed, after.heapUsed)}`);
  }
  if (after.rss - before.rss > options.rssMarginBytes) {
    problems.push(`rss grew by ${growth(before.rss, after.rss)}`);
  }
  for (
    const key of ["sessions", "halfOpenSessions", "openStreams", "subscriptions", "requestsInFlight"] as const
  ) {
    if (stats[key] !== 0) problems.push(`${key} is ${stats[key]}`);
  }
  if (stats.sessionBytes !== 0 || stats.stateBytes !== 0) {
    problems.push(`bytes held: sessions ${stats.sessionBytes}, state ${stats.stateBytes}`);
  }
  if (stats.pool.busy || stats.pool.queued) problems.push(`pool ${JSON.stringify(stats.pool)}`);
  if (stats.tasks.running) problems.push(`tasks ${JSON.stringify(stats.tasks)}`);
  const alive = await callModern(server.url, "echo_sync", { value: "alive" });
  if (alive.status !== 200) problems.push(`the server stopped answering (${alive.status})`);
  if (statuses[500]) problems.push(`${statuses[500]} answers were 500`);
  return { operations, statuses, before, peak, after, problems };
}
