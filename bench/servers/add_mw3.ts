/**
 * Benchmark server: the `add(a, b)` server of bench/servers/add.ts with three no-op middleware,
 * each `{ onMessage: (context, next) => next(context) }`, to measure what the middleware chain
 * costs per request (bench target `denomcp-mw3-*`, compared with `denomcp-*`).
 *
 * Before it serves, a probe checks in a child process (same server, but middleware that note
 * that they ran) that one `tools/call add` goes through all three middleware and answers the
 * right sum; otherwise this exits with code 1 before listening, so the bench reports the run as
 * bad instead of measuring a server whose middleware option was ignored. The probe runs in its
 * own process because a second server in the measured one cost 6–8 % CPU per call there (measured:
 * the same bench with the probe skipped gave 1.003). The measured instance's middleware do nothing
 * but call `next`.
 *
 *   PORT=8123 deno run -A bench/servers/add_mw3.ts
 *
 * @module
 */

import type { FastMCPOptions } from "../../mod.ts";
import { callBody, callHeaders, type CallStyle } from "../lib/check.ts";
import { buildAdd, serveAdd } from "./add_server.ts";

type Middleware = NonNullable<FastMCPOptions["middleware"]>[number];

/** A middleware that does nothing but hand the message on. */
function noop(): Middleware {
  return { onMessage: (context, next) => next(context) };
}

/** A middleware that sets `ran[i]` and hands the message on. */
function marking(ran: boolean[], i: number): Middleware {
  return {
    onMessage: (context, next) => {
      ran[i] = true;
      return next(context);
    },
  };
}

async function probe(): Promise<void> {
  const ran = [false, false, false];
  const mcp = buildAdd({
    name: "bench-add-mw3-probe",
    options: { middleware: ran.map((_, i) => marking(ran, i)) },
  });
  try {
    const style: CallStyle = { wire: "modern", session: false };
    const res = await mcp.fetch(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: callHeaders(style),
        body: callBody(style, 1, 20, 22),
      }),
    );
    const text = await res.text();
    if (res.status !== 200 || !text.includes('"text":"42"')) {
      throw new Error(`probe call: HTTP ${res.status}: ${text.slice(0, 300)}`);
    }
    if (!ran.every(Boolean)) {
      throw new Error(`probe call: the middleware did not all run (ran: ${ran.join(", ")})`);
    }
  } finally {
    await mcp.close();
  }
}

if (Deno.env.get("BENCH_MW3_PROBE") === "1") {
  try {
    await probe();
    Deno.exit(0);
  } catch (e) {
    console.error(`add_mw3.ts: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}

const probed = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--config",
    new URL("../../deno.json", import.meta.url).pathname,
    new URL(import.meta.url).pathname,
  ],
  env: { BENCH_MW3_PROBE: "1" },
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!probed.success) Deno.exit(1);

serveAdd({ name: "bench-add-mw3", options: { middleware: [noop(), noop(), noop()] } });
