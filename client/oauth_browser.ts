/**
 * The interactive half of OAuth: the user's browser is opened on the authorization URL and the
 * code comes back to a one-shot callback server on the loopback interface (RFC 8252 §7.3).
 *
 * Every URL an authorization server hands us is untrusted (CVE-2025-6514 was a malicious
 * `authorization_endpoint` reaching a shell): only `https:`, or `http:` on a loopback host, with no
 * user-info, is ever fetched or opened, and the browser is started with a fixed argv and no shell.
 *
 * @module
 */

import { LOOPBACK_HOSTS } from "../protocol/loopback.ts";
import { ClientError } from "./errors.ts";

/** Where the browser's redirect is received. */
export interface LoopbackOptions {
  /** Interface to listen on (default `127.0.0.1`; `localhost` and `::1` are accepted too). */
  host?: string;
  /** Port (default 0: a free one, chosen per authorization). */
  port?: number;
  /** Path of the redirect URI (default `/callback`). */
  path?: string;
  /** How long to wait for the user (default 300 000 ms). */
  timeoutMs?: number;
  /**
   * Opens the authorization URL. The default starts the system browser (`$BROWSER` when set,
   * else `open`, `xdg-open` or `rundll32 url.dll,FileProtocolHandler`) and prints the URL on
   * stderr in case it cannot.
   */
  open?: (url: URL) => void | Promise<void>;
}

/** True for `127.0.0.1`, `localhost` and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname);
}

/**
 * Refuses a URL received from a server unless it is `https:` (or `http:` on a loopback host) and
 * carries no user-info; `what` names it in the error.
 */
export function checkUntrustedUrl(url: string | URL, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClientError(`${what} is not a URL`, "oauth");
  }
  const secure = parsed.protocol === "https:" ||
    (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname));
  if (!secure) {
    throw new ClientError(
      `${what} must use https (or http on a loopback host), not ${parsed.protocol}`,
      "oauth",
    );
  }
  if (parsed.username || parsed.password) throw new ClientError(`${what} must not carry user-info`, "oauth");
  return parsed;
}

/** The argv that opens `url` in the user's browser on this system: a fixed program, the URL as its last argument. */
export function browserCommand(url: URL, browser = Deno.env.get("BROWSER")): string[] {
  // A checked URL starts with "http", so it can never be read as an option.
  if (browser) return [browser, url.href];
  switch (Deno.build.os) {
    case "darwin":
      return ["open", url.href];
    case "windows":
      // Not `cmd /c start`: cmd would parse the URL's `&` and `^`.
      return ["rundll32", "url.dll,FileProtocolHandler", url.href];
    default:
      return ["xdg-open", url.href];
  }
}

/** Opens `url` with {@link browserCommand}; on failure, asks the user on stderr to open it. */
export async function openBrowser(url: URL): Promise<void> {
  const [program, ...args] = browserCommand(checkUntrustedUrl(url, "the authorization URL"));
  try {
    const child = new Deno.Command(program, { args, stdin: "null", stdout: "null", stderr: "null" }).spawn();
    const status = await child.status;
    if (status.success) return;
  } catch {
    // No such program, or no permission to run it: the message below covers both.
  }
  console.error(`Open this URL in a browser to authorize:\n${url.href}`);
}

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

/** A fixed page: nothing from the request is ever echoed into it. */
function page(title: string, status: number): Response {
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title>` +
    `<body style="font:16px system-ui;margin:3em"><h1>${title}</h1><p>You can close this window.</p>`;
  return new Response(html, { status, headers: PAGE_HEADERS });
}

/** A callback server listening on the loopback interface for one authorization response. */
export class LoopbackCallback {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #waiters = new Map<
    string,
    { resolve(url: URL): void; reject(error: Error): void; timer: ReturnType<typeof setTimeout> }
  >();
  readonly #path: string;
  readonly #host: string;

  private constructor(host: string, port: number, path: string) {
    this.#path = path;
    this.#host = host;
    this.#server = Deno.serve({ hostname: host.replace(/^\[|\]$/g, ""), port, onListen: () => {} }, (req) => {
      const url = new URL(req.url);
      if (req.method !== "GET" || url.pathname !== this.#path) {
        return new Response("not found", { status: 404 });
      }
      const state = url.searchParams.get("state");
      const waiter = state === null ? undefined : this.#waiters.get(state);
      // A response for a flow we did not start (or a stray visit) is refused and does not end the wait.
      if (!waiter) return page("Unknown authorization response", 400);
      this.#waiters.delete(state!);
      clearTimeout(waiter.timer);
      waiter.resolve(url);
      return url.searchParams.has("code")
        ? page("Authorization complete", 200)
        : page("Authorization failed", 400);
    });
  }

  /** Starts listening (`host` must be a loopback host). */
  static listen(options: LoopbackOptions = {}): LoopbackCallback {
    const host = options.host ?? "127.0.0.1";
    if (!isLoopbackHost(host)) {
      throw new ClientError(`the OAuth callback host must be loopback, not ${host}`, "oauth");
    }
    const path = options.path ?? "/callback";
    if (!path.startsWith("/")) {
      throw new ClientError(`the OAuth callback path must start with '/': ${path}`, "oauth");
    }
    try {
      return new LoopbackCallback(host, options.port ?? 0, path);
    } catch (error) {
      throw new ClientError(
        `cannot listen for the OAuth callback on ${host}:${options.port ?? 0}: ${(error as Error).message}`,
        "oauth",
        { cause: error },
      );
    }
  }

  /** The redirect URI to register and send. */
  get redirectUrl(): string {
    const host = this.#host === "::1" ? "[::1]" : this.#host;
    return `http://${host}:${this.#server.addr.port}${this.#path}`;
  }

  /** Waits for the redirect that carries `state`. */
  wait(state: string, timeoutMs: number): Promise<URL> {
    const { promise, resolve, reject } = Promise.withResolvers<URL>();
    const timer = setTimeout(() => {
      this.#waiters.delete(state);
      reject(new ClientError(`no authorization response within ${timeoutMs} ms`, "oauth"));
    }, timeoutMs);
    this.#waiters.set(state, { resolve, reject, timer });
    return promise;
  }

  /** Stops listening; a wait still pending fails. */
  async close(): Promise<void> {
    for (const { reject, timer } of this.#waiters.values()) {
      clearTimeout(timer);
      reject(new ClientError("the OAuth callback server was closed", "oauth"));
    }
    this.#waiters.clear();
    await this.#server.shutdown();
  }
}
