/**
 * A real `redis-server` (Debian's package; `.ci/run` installs it) on a free loopback port, with
 * no persistence, started for a test and stopped by its process id.
 *
 * @module
 */

import { freePort } from "./process.ts";

/** A running Redis. */
export interface RunningRedis {
  /** `redis://127.0.0.1:<port>/0`. */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then waits for it). */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function ping(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** TLS files for a `rediss://` server: the server's certificate and key, and the CA that signed it. */
export interface RedisTls {
  cert: string;
  key: string;
  ca: string;
  /** The TLS port (the plain one stays open for the readiness check). */
  port: number;
}

/** Starts `redis-server` on a free port; `port` reuses one (a restart); `tls` adds a TLS port. */
export async function startRedis(port = freePort(), tls?: RedisTls): Promise<RunningRedis> {
  const tlsArgs = tls
    ? [
      ...["--tls-port", String(tls.port), "--tls-cert-file", tls.cert, "--tls-key-file", tls.key],
      ...["--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no"],
    ]
    : [];
  const child = new Deno.Command("redis-server", {
    args: [
      ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      ...["--loglevel", "warning", ...tlsArgs],
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; !(await ping(port)); i++) {
    if (i > 200) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`redis-server did not answer on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
    })();
  return { url: `redis://127.0.0.1:${port}/0`, port, stop, [Symbol.asyncDispose]: stop };
}

/** The stores several processes can share. */
export const SHARED_BACKENDS = ["kv", "redis"] as const;

/** A shared store for a test: a KV file in a temporary folder, or a fresh redis-server. */
export interface SharedStore {
  /** What the `store` option (or `STORE` for the fixtures) takes: the KV path or the Redis URL. */
  url: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Opens a {@link SharedStore} of the given backend; dispose it to remove the file or stop the server. */
export async function sharedStore(backend: typeof SHARED_BACKENDS[number]): Promise<SharedStore> {
  if (backend === "redis") {
    const redis = await startRedis();
    return { url: redis.url, [Symbol.asyncDispose]: () => redis.stop() };
  }
  const dir = await Deno.makeTempDir();
  return {
    url: `${dir}/shared.sqlite`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
