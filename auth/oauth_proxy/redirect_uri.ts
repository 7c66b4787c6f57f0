/**
 * Redirect URIs of the OAuth proxy's clients, parsed and never matched as strings: the rules of
 * the 3.3 and 3.4 hardening (`../shared/research/auth.md` §2.4) and of the open-redirect and
 * allowlist-bypass vulnerabilities (§5 #6, #7). A URI is refused outright when it has a scheme
 * other than `https` (or `http` on a loopback host), userinfo, a fragment, or a `.` or `..` path
 * segment in its raw or percent-decoded form; it is accepted when it equals a URI the client
 * registered (a loopback one on any port, RFC 8252 §7.3) and, where the operator set an
 * allowlist, matches one of its patterns. The proxy checks a redirect URI at `/authorize` and
 * again before each redirect it makes.
 *
 * @module
 */

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A redirect URI, parsed: what every rule compares. */
interface Parsed {
  readonly url: URL;
  readonly scheme: string;
  readonly host: string;
  readonly port: string;
  readonly path: string;
  readonly query: string;
}

/** The default port of a scheme, written out so `https://a` and `https://a:443` compare equal. */
function portOf(url: URL): string {
  return url.port || (url.protocol === "https:" ? "443" : "80");
}

/** Whether a host is a loopback one (an app's local callback listener). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

/** Why `uri` can never be a redirect URI, or undefined when it may be one. */
export function unsafeRedirectUri(uri: string): string | undefined {
  const parsed = parse(uri);
  return typeof parsed === "string" ? parsed : undefined;
}

function parse(uri: string): Parsed | string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "the redirect URI is not a URL";
  }
  // `http://localhost@evil.example` goes to evil.example.
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(uri)) {
    return "the redirect URI must not carry userinfo";
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const host = url.hostname.toLowerCase();
  if (scheme !== "https" && !(scheme === "http" && isLoopbackHost(host))) {
    return `the redirect URI's scheme must be https (or http on a loopback host), not ${scheme}`;
  }
  if (url.hash || uri.includes("#")) return "the redirect URI must not carry a fragment";
  // URL parsing has already removed the dot segments it recognises; the raw text still shows them.
  const rawPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(uri)?.[1] ?? "";
  for (const path of [rawPath, url.pathname]) {
    for (const segment of path.split("/")) {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return "the redirect URI's path is not valid percent-encoding";
      }
      // A decoded segment may hold an encoded slash: `..%2fsteal` is `..` and then `steal`.
      if ([segment, ...decoded.split(/[\\/]/)].some((s) => s === "." || s === "..")) {
        return "the redirect URI's path must not have . or .. segments";
      }
    }
  }
  return { url, scheme, host, port: portOf(url), path: url.pathname, query: url.search };
}

/**
 * Whether `uri` is one of `registered`: scheme, host, path and query equal (host and scheme case
 * aside), the port equal too unless both are loopback (a native app listens on whatever port it
 * got). A registered URI that is itself unsafe matches nothing.
 */
export function isRegisteredRedirect(uri: string, registered: readonly string[]): boolean {
  const asked = parse(uri);
  if (typeof asked === "string") return false;
  return registered.some((entry) => {
    const known = parse(entry);
    if (typeof known === "string") return false;
    if (asked.scheme !== known.scheme || asked.host !== known.host) return false;
    if (asked.path !== known.path || asked.query !== known.query) return false;
    return asked.port === known.port || isLoopbackHost(asked.host);
  });
}

/**
 * Whether `uri` matches an operator's allowlist pattern, compared part by part: the scheme; the
 * host, where `*.example.com` matches subdomains and never `example.com` itself; the port, where
 * `*` matches any and a loopback pattern without a port matches any; the path, where `*` stands
 * for one segment or part of one (never a `/`) and a pattern path of `/` or none matches any.
 */
export function matchesRedirectPattern(uri: string, pattern: string): boolean {
  const asked = parse(uri);
  if (typeof asked === "string") return false;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#]+|\[[^\]]+\])(?::(\d+|\*))?(\/[^?#]*)?$/i.exec(pattern);
  if (!m) return false;
  const [, scheme, host, port, path] = m;
  if (scheme.toLowerCase() !== asked.scheme) return false;
  const h = host.toLowerCase();
  if (h.startsWith("*.")) {
    if (!asked.host.endsWith(h.slice(1)) || asked.host === h.slice(2)) return false;
  } else if (h !== asked.host) return false;
  if (port === undefined) {
    if (!isLoopbackHost(h) && asked.port !== (scheme.toLowerCase() === "https" ? "443" : "80")) return false;
  } else if (port !== "*" && port !== asked.port) return false;
  if (path === undefined || path === "/") return true;
  const segments = path.split("/").map((s) => s.split("*").map(escapeRegExp).join("[^/]*"));
  return new RegExp(`^${segments.join("/")}$`).test(asked.path);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Why a client may not be sent to `uri`, or undefined when it may: the URI must be safe, one the
 * client registered, and (when the operator set `allowlist`) match one of its patterns. An empty
 * allowlist allows nothing.
 */
export function redirectProblem(
  uri: string,
  registered: readonly string[],
  allowlist?: readonly string[],
): string | undefined {
  const unsafe = unsafeRedirectUri(uri);
  if (unsafe) return unsafe;
  if (!isRegisteredRedirect(uri, registered)) return "the redirect URI is not one the client registered";
  if (allowlist && !allowlist.some((pattern) => matchesRedirectPattern(uri, pattern))) {
    return "the redirect URI is not in the server's allowed redirect URIs";
  }
  return undefined;
}
