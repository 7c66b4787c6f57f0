/**
 * The one fetcher for URLs that someone else chose (a JWKS URI, an introspection endpoint,
 * discovery documents): https only (plain http to a loopback address, for development), every
 * address the name resolves to must be a global unicast one (no private, loopback, link-local,
 * CGNAT, multicast or reserved range, and no IPv4 smuggled inside IPv6), no redirects, and caps
 * on size and time.
 *
 * Deno's `fetch` has no hook to connect to the address that was checked, so a name that resolves
 * differently between the check and the connection (DNS rebinding with a zero TTL) is not stopped
 * here; operators who need that put an egress proxy in front.
 *
 * @module
 */

import { readAtMost } from "../protocol/bytes.ts";

/** Limits of one guarded fetch. */
export interface GuardedFetchOptions {
  /** Largest body read, in bytes. Default 256 KiB. */
  maxBytes?: number;
  /** Longest the whole fetch may take, in ms. Default 10 s. */
  timeoutMs?: number;
  /** Request headers (an `accept`, an `authorization` for an introspection endpoint). */
  headers?: HeadersInit;
  /** `GET` (default) or `POST`. */
  method?: "GET" | "POST";
  /** The body of a POST. */
  body?: string | URLSearchParams;
  /**
   * The operator vouches for this URL (a service on its own network, an identity provider inside
   * the cluster): the https-only and public-address rules are skipped, while the caps on size and
   * time and the refusal of redirects and of credentials in the URL stay. Never for a URL that
   * someone else chose.
   */
  trustedInternal?: boolean;
}

/** A URL refused, or a fetch that failed or broke a limit; the message names which. */
export class GuardedFetchError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "GuardedFetchError";
  }
}

/** What a guarded fetch read: status, headers and the body as text. */
export interface GuardedResponse {
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** The body, decoded as UTF-8. */
  text: string;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Fetches an untrusted URL within the rules above. Resolves for any HTTP status (the caller
 * decides); rejects with {@link GuardedFetchError} for a refused URL or address, a redirect, a
 * body over `maxBytes`, or a timeout.
 *
 * @example
 * ```ts ignore
 * import { guardedFetch } from "@denomcp/denomcp/auth";
 * const { status, text } = await guardedFetch("https://idp.example.com/.well-known/jwks.json");
 * ```
 */
export async function guardedFetch(
  url: string | URL,
  options: GuardedFetchOptions = {},
): Promise<GuardedResponse> {
  const target = parseTarget(url, options.trustedInternal ?? false);
  if (!options.trustedInternal) await checkAddresses(target);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(target, {
      method: options.method ?? "GET",
      headers: options.headers,
      body: options.body,
      redirect: "manual",
      signal,
    });
  } catch (error) {
    const why = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new GuardedFetchError(`fetching ${target.origin}${target.pathname} failed: ${why}`);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new GuardedFetchError(
      `${target.origin}${target.pathname} redirects (${res.status}); redirects are not followed`,
    );
  }
  const text = await readCapped(res, maxBytes, target, signal);
  return { status: res.status, headers: res.headers, text };
}

function parseTarget(url: string | URL, trustedInternal: boolean): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new GuardedFetchError(`not a URL: ${String(url).slice(0, 200)}`);
  }
  if (target.username || target.password) {
    throw new GuardedFetchError(`${target.host}: credentials in a URL are refused`);
  }
  if (trustedInternal && (target.protocol === "https:" || target.protocol === "http:")) return target;
  const loopback = LOOPBACK_NAMES.has(target.hostname) || /^127\.\d+\.\d+\.\d+$/.test(target.hostname);
  if (target.protocol === "https:") return target;
  if (target.protocol === "http:" && loopback) return target;
  throw new GuardedFetchError(
    `${target.protocol}//${target.host}: only https is fetched (plain http only to a loopback address)`,
  );
}

/** Refuses a host whose addresses are not all global unicast (loopback is fine over the dev path). */
async function checkAddresses(target: URL): Promise<void> {
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const loopbackDev = target.protocol === "http:";
  let addresses: string[];
  if (isIpLiteral(host)) addresses = [host];
  else if (host === "localhost") addresses = ["127.0.0.1"];
  else {
    const [v4, v6] = await Promise.all([
      Deno.resolveDns(host, "A").catch(() => [] as string[]),
      Deno.resolveDns(host, "AAAA").catch(() => [] as string[]),
    ]);
    addresses = [...v4, ...v6];
    if (addresses.length === 0) throw new GuardedFetchError(`${host}: the name does not resolve`);
  }
  for (const address of addresses) {
    const kind = classify(address);
    if (kind === "global" || (loopbackDev && kind === "loopback")) continue;
    throw new GuardedFetchError(
      `${host} resolves to ${address}, a ${kind} address; only public addresses are fetched`,
    );
  }
}

function isIpLiteral(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":");
}

/** The kind of an IP address: "global" for public unicast, otherwise why it is not. */
export function classify(address: string): string {
  if (address.includes(":")) return classifyV6(address);
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return "malformed";
  return classifyV4(parts);
}

function classifyV4([a, b, c]: number[]): string {
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local";
  if (a === 100 && b >= 64 && b < 128) return "shared (CGNAT)";
  if (a === 0 || (a === 192 && b === 0 && c === 0) || (a === 198 && (b === 18 || b === 19))) {
    return "reserved";
  }
  if (
    (a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113)
  ) {
    return "documentation";
  }
  if (a >= 224) return a < 240 ? "multicast" : "reserved";
  return "global";
}

/** Expands an IPv6 address to its eight 16-bit groups (an embedded dotted IPv4 tail included). */
function groupsOf(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = v4[1].split(".").map(Number);
    text = text.slice(0, -v4[1].length) +
      `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (text.includes("::") ? missing < 0 : missing !== 0) return undefined;
  const groups = [...left, ...Array(missing).fill("0"), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

function classifyV6(address: string): string {
  const g = groupsOf(address);
  if (!g) return "malformed";
  const v4At = (i: number) => [g[i] >> 8, g[i] & 0xff, g[i + 1] >> 8, g[i + 1] & 0xff];
  if (g.every((x) => x === 0)) return "unspecified";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  // IPv4 inside IPv6: mapped, compatible, NAT64, 6to4 and Teredo carry an IPv4 address that decides.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return embedded(v4At(6));
  if (g[0] === 0x64 && g[1] === 0xff9b) return embedded(v4At(6));
  if (g[0] === 0x2002) return embedded(v4At(1));
  if (g[0] === 0x2001 && g[1] === 0) return "Teredo";
  if ((g[4] & 0xfdff) === 0 && g[5] === 0x5efe) return "ISATAP";
  if ((g[0] & 0xfe00) === 0xfc00) return "private (unique local)";
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "documentation";
  return (g[0] & 0xe000) === 0x2000 ? "global" : "reserved";
}

function embedded(v4: number[]): string {
  const kind = classifyV4(v4);
  return kind === "global" ? "global" : `${kind} (IPv4 inside IPv6)`;
}

async function readCapped(
  res: Response,
  maxBytes: number,
  target: URL,
  signal: AbortSignal,
): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new GuardedFetchError(
      `${target.origin}${target.pathname}: ${declared} bytes, over the cap of ${maxBytes}`,
    );
  }
  if (!res.body) return "";
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readAtMost(res.body, maxBytes);
  } catch (error) {
    const why = signal.aborted ? "the time cap ran out" : (error as Error).message;
    throw new GuardedFetchError(`reading ${target.origin}${target.pathname} failed: ${why}`);
  }
  if (!bytes) {
    throw new GuardedFetchError(`${target.origin}${target.pathname}: more than ${maxBytes} bytes, the cap`);
  }
  return new TextDecoder().decode(bytes);
}
