/**
 * The OAuth proxy's plain answers: redirects, JSON bodies and the page that tells a user why a
 * sign-in stopped (every value escaped, under the consent page's headers).
 *
 * @module
 */

import { consentHeaders, escapeHtml } from "./consent_page.ts";

/** A redirect that no cache keeps. */
export function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
}

/** A JSON answer that no cache keeps (RFC 6749 §5.1). */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** A page saying why the sign-in stopped, for requests that must not be redirected anywhere. */
export function errorPage(message: string): Response {
  return new Response(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in stopped</title></head>` +
      `<body><h1>Sign-in stopped</h1><p>${escapeHtml(message)}</p></body></html>`,
    { status: 400, headers: consentHeaders() },
  );
}
