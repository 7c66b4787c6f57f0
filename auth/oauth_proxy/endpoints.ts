/**
 * The OAuth proxy's back-channel endpoints: dynamic client registration (public clients with the
 * proxy's own ids, never the upstream's credentials: §5 #19), the token endpoint (code and
 * refresh grants, a refresh bringing the upstream session up to date first; and, when it is on,
 * the jwt-bearer grant with an ID-JAG, SEP-990), and revocation, which also revokes the upstream
 * grant where the provider has an endpoint for it.
 *
 * @module
 */

import { ClientMetadataError } from "./clients.ts";
import { JWT_BEARER_GRANT_TYPE } from "./identity_assertion.ts";
import type { ProxyParts, ProxyView } from "./proxy_parts.ts";
import { json } from "./responses.ts";
import { TokenError } from "./tokens.ts";
import { revokeUpstream } from "./upstream.ts";

/** `POST /register` (RFC 7591). */
export async function register(parts: ProxyParts, req: Request): Promise<Response> {
  try {
    const client = await parts.clients.register(await req.json().catch(() => undefined));
    return json({
      client_id: client.clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      ...(client.clientName ? { client_name: client.clientName } : {}),
      redirect_uris: client.redirectUris,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }, 201);
  } catch (error) {
    if (error instanceof ClientMetadataError) {
      return json({ error: error.code, error_description: error.message }, 400);
    }
    throw error;
  }
}

/** `POST /token` (RFC 6749 §4.1.3 and §6; RFC 7523 §2.1 when the identity assertion grant is on). */
export async function token(parts: ProxyParts, view: ProxyView, req: Request): Promise<Response> {
  const form = await req.formData().catch(() => undefined);
  const field = (name: string) => String(form?.get(name) ?? "");
  try {
    switch (field("grant_type")) {
      case "authorization_code":
        return json(
          await parts.factory.redeemCode(field("code"), {
            clientId: field("client_id"),
            redirectUri: field("redirect_uri"),
            codeVerifier: field("code_verifier"),
            resource: field("resource"),
          }),
        );
      case "refresh_token":
        return json(
          await parts.factory.refresh(
            field("refresh_token"),
            field("client_id"),
            field("resource"),
            (jti, upstream) => parts.sessions.renew(jti, upstream),
          ),
        );
      case JWT_BEARER_GRANT_TYPE: {
        if (!view.identityAssertion) return json({ error: "unsupported_grant_type" }, 400);
        const asserted = await view.identityAssertion.exchange(req, form, parts.clients);
        return json(
          await parts.factory.issueWithoutUpstream(asserted.grant, asserted.expiresInSeconds, {
            id_jag_iss: asserted.assertedBy,
          }),
        );
      }
      default:
        return json({ error: "unsupported_grant_type" }, 400);
    }
  } catch (error) {
    if (error instanceof TokenError) {
      const body = { error: error.code, error_description: error.message };
      if (error.code !== "invalid_client") return json(body, 400);
      // RFC 6749 §5.2: 401, with a challenge in the scheme the client tried, if it tried one.
      const response = json(body, 401);
      if (req.headers.has("authorization")) response.headers.set("www-authenticate", 'Basic realm="token"');
      return response;
    }
    throw error;
  }
}

/** `POST /revoke` (RFC 7009): the proxy's records go, then the upstream grant where it can be revoked. */
export async function revoke(parts: ProxyParts, view: ProxyView, req: Request): Promise<Response> {
  const form = await req.formData().catch(() => undefined);
  const upstream = await parts.factory.revoke(String(form?.get("token") ?? ""));
  if (upstream) await revokeUpstream(view.upstream(), upstream);
  return new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
}
