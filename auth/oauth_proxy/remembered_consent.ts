/**
 * Remembered approvals (consent mode `"remember"`): one signed `__Host-` cookie per client,
 * redirect URI, scope set and resource, so an approval never carries over to another redirect or
 * to more scopes, and many clients never overflow one cookie. They count only for navigations the
 * browser says began on this site or with the user (`Sec-Fetch-Site` `none`, `same-origin`,
 * `same-site`); anything else, a missing header included, shows the consent page: an
 * authorization server in the middle bouncing a browser here arrives cross-site (§5 #4).
 *
 * @module
 */

import { base64url } from "./base64url.ts";
import { type CookieSigner, hostCookie, readHostCookie } from "./signed_cookie.ts";

/** What an approval covers. */
export interface ApprovalScope {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly resource: string;
}

const TRUSTED_SITES = new Set(["none", "same-origin", "same-site"]);

/** Whether the browser says this navigation began on this site or with the user (fails closed). */
export function trustedNavigation(req: Request): boolean {
  return TRUSTED_SITES.has(req.headers.get("sec-fetch-site") ?? "");
}

async function approvalKey(approval: ApprovalScope): Promise<string> {
  const text = JSON.stringify([
    approval.clientId,
    approval.redirectUri,
    [...approval.scopes].sort(),
    approval.resource,
  ]);
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** The `Set-Cookie` value remembering `approval` for `maxAgeSeconds`. */
export async function rememberApproval(
  signer: CookieSigner,
  approval: ApprovalScope,
  maxAgeSeconds: number,
): Promise<string> {
  const key = await approvalKey(approval);
  return hostCookie(`mcp-approved-${key.slice(0, 16)}`, await signer.sign(key), maxAgeSeconds);
}

/** Whether the request carries a remembered approval of exactly `approval`. */
export async function isRemembered(
  signer: CookieSigner,
  req: Request,
  approval: ApprovalScope,
): Promise<boolean> {
  const key = await approvalKey(approval);
  const signed = readHostCookie(req.headers.get("cookie"), `mcp-approved-${key.slice(0, 16)}`);
  return signed !== undefined && await signer.verify(signed) === key;
}
