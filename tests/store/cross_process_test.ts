import assert from "node:assert/strict";
import { readSse } from "../../protocol/sse.ts";
import { CLIENT_HEADERS, readAnswer } from "../helpers/http.ts";
import { startDeno } from "../helpers/process.ts";
import { SHARED_BACKENDS, sharedStore } from "../helpers/redis.ts";

const FIXTURE = new URL("./shared_fixture.ts", import.meta.url).pathname;

async function instance(name: string, store: string) {
  const started = await startDeno(["run", "-A", FIXTURE], /listening on (\d+)/, {
    env: { STORE: store, INSTANCE: name },
  });
  return { url: `http://127.0.0.1:${started.match[1]}/mcp`, stop: () => started.stop() };
}

for (const backend of SHARED_BACKENDS) {
  Deno.test(`a session opened on instance A is served by instance B: calls, state, notifications, elicitation, deletion (${backend})`, async () => {
    await using shared = await sharedStore(backend);
    const dir = await Deno.makeTempDir();
    const store = shared.url;
    const a = await instance("A", store);
    const b = await instance("B", store);
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(url, { method: "POST", headers: { ...CLIENT_HEADERS, ...headers }, body: JSON.stringify(body) });
    let id = 0;
    try {
      const init = await post(a.url, {
        jsonrpc: "2.0",
        id: ++id,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: { elicitation: {} },
          clientInfo: { name: "t", version: "1" },
        },
      });
      const sid = init.headers.get("mcp-session-id")!;
      await init.body?.cancel();
      const headers = { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" };
      await (await post(a.url, { jsonrpc: "2.0", method: "notifications/initialized" }, headers)).body
        ?.cancel();
      const call = async (url: string, name: string) => {
        const res = await post(url, {
          jsonrpc: "2.0",
          id: ++id,
          method: "tools/call",
          params: { name, arguments: {} },
        }, headers);
        const body = await readAnswer(res);
        if (!body.result) throw new Error(`${name} on ${url}: ${res.status} ${JSON.stringify(body)}`);
        return body.result.content[0].text as string;
      };

      // Calls and session state, whichever instance answers.
      assert.equal(await call(b.url, "whoami"), 'B ["B"]');
      assert.equal(await call(a.url, "whoami"), 'A ["B","A"]');

      // B holds the GET stream and the subscription; A publishes the update.
      const sub = await post(b.url, {
        jsonrpc: "2.0",
        id: ++id,
        method: "resources/subscribe",
        params: { uri: "shared://doc" },
      }, headers);
      await sub.body?.cancel();
      const stream = await fetch(b.url, { headers: { accept: "text/event-stream", ...headers } });
      const events = readSse(stream.body!);
      assert.equal((await events.next()).value!.data, "", "primed");
      await new Promise((r) => setTimeout(r, 1200)); // A re-reads the session (subscriptions) after a second
      assert.equal(await call(a.url, "notify"), "notified");
      const update = JSON.parse((await events.next()).value!.data);
      assert.deepEqual(update, {
        jsonrpc: "2.0",
        method: "notifications/resources/updated",
        params: { uri: "shared://doc" },
      });
      await events.return(undefined); // stops reading and cancels the stream

      // The tool runs on A; the client's answer to its elicitation reaches B.
      const asking = await post(a.url, {
        jsonrpc: "2.0",
        id: 900,
        method: "tools/call",
        params: { name: "ask", arguments: {} },
      }, headers);
      let result: { content: { text: string }[] } | undefined;
      for await (const event of readSse(asking.body!)) {
        if (!event.data) continue;
        const msg = JSON.parse(event.data);
        if (msg.method === "elicitation/create") {
          const answer = {
            jsonrpc: "2.0",
            id: msg.id,
            result: { action: "accept", content: { name: "Ada" } },
          };
          const forwarded = await post(b.url, answer, headers);
          assert.equal(forwarded.status, 202);
          await forwarded.body?.cancel();
        } else if (msg.id === 900) result = msg.result;
      }
      assert.equal(result?.content[0].text, "A heard Ada");

      // Deleted on B, gone on A (after A's copy is re-checked).
      const del = await fetch(b.url, { method: "DELETE", headers });
      assert.equal(del.status, 200);
      await del.body?.cancel();
      await new Promise((r) => setTimeout(r, 1100));
      const after = await post(a.url, { jsonrpc: "2.0", id: ++id, method: "ping" }, headers);
      assert.equal(after.status, 404);
      await after.body?.cancel();
    } finally {
      await a.stop();
      await b.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
