/**
 * The OAuth proxy's consent page: which client asks, where the browser will be sent (the
 * redirect URI's host shown on its own, and a warning when it is only a local address, §5 #18),
 * for which scopes and resource. A plain HTML form that works without JavaScript, with every
 * value escaped (§5 #15), a CSRF token posted with it (checked against a signed cookie: the
 * double submit of §5 #5), and headers that forbid scripts, framing and caching.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { isLoopbackHost } from "./redirect_uri.ts";

/** What the page shows and posts back. */
export interface ConsentRequest {
  /** The client's name as it registered (untrusted: shown as text). */
  clientName: string;
  /** The client's id. */
  clientId: string;
  /** Where the browser goes after the decision. */
  redirectUri: string;
  /** The scopes asked for. */
  scopes: readonly string[];
  /** The MCP server the token will be for. */
  resource: string;
  /** The pending authorization this decision belongs to. */
  transactionId: string;
  /** The form's CSRF token (also set in a signed cookie). */
  csrfToken: string;
  /** Where the form posts. */
  action: string;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text safe in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const STYLE =
  `body{font:15px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.3rem}dt{font-weight:600;margin-top:.6rem}dd{margin:0;word-break:break-all}
.warn{background:#fff8c5;padding:.6rem;border-radius:6px}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.6rem}`;

/**
 * The page's headers: no script at all, its one style by hash, never framed or cached. The form
 * posts to the proxy, whose answer redirects to the upstream (approve) or the client (deny):
 * browsers hold those redirects to `form-action` too, so their origins are listed.
 */
export function consentHeaders(redirectTargets: readonly string[] = []): Headers {
  const style = `'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`;
  const origins = [...new Set(redirectTargets.map((url) => new URL(url).origin))];
  return new Headers({
    "content-type": "text/html; charset=utf-8",
    "content-security-policy":
      `default-src 'none'; style-src ${style}; form-action ${["'self'", ...origins].join(" ")}; ` +
      "frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    // Not no-referrer: browsers then send `Origin: null` with the form, which the server's Origin check refuses.
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
  });
}

/** The consent page for a request. */
export function consentPage(request: ConsentRequest): string {
  const target = new URL(request.redirectUri);
  const local = isLoopbackHost(target.hostname);
  const scopes = request.scopes.length
    ? `<ul>${request.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>`
    : "<p>No particular scopes.</p>";
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Allow access?</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(request.clientName)} wants to use ${escapeHtml(request.resource)}</h1>
<dl>
<dt>Application</dt><dd>${escapeHtml(request.clientName)} (${escapeHtml(request.clientId)})</dd>
<dt>You will be sent to</dt><dd><strong>${escapeHtml(target.host)}</strong> (${
    escapeHtml(request.redirectUri)
  })</dd>
<dt>Access asked for</dt><dd>${scopes}</dd>
</dl>
${
    local
      ? '<p class="warn">This application receives the answer on this computer only. Allow it only if you started it.</p>'
      : ""
  }
<form method="post" action="${escapeHtml(request.action)}">
<input type="hidden" name="transaction" value="${escapeHtml(request.transactionId)}">
<input type="hidden" name="csrf" value="${escapeHtml(request.csrfToken)}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body>
</html>
`;
}
