/**
 * The browser's way through the OAuth proxy: `/authorize` (checked before anything else), the
 * consent page and its form, the upstream sign-in, and the upstream's callback, which mints the
 * client's code. Every redirect to the client checks its redirect URI again first (§5 #6); the
 * callback requires the consent-binding cookie of the browser that approved (§5 #3), whatever
 * the consent mode, so an upstream URL replayed in another browser gets nowhere.
 *
 * @module
 */

import { decodeJwt } from "jose";
import { AuthError } from "../access_token.ts";
import { checkAuthorizeRequest } from "./authorize_request.ts";
import { consentHeaders, consentPage } from "./consent_page.ts";
import type { ProxyParts, ProxyView } from "./proxy_parts.ts";
import { redirectProblem } from "./redirect_uri.ts";
import {
  type ApprovalScope,
  isRemembered,
  rememberApproval,
  trustedNavigation,
} from "./remembered_consent.ts";
import { errorPage, redirect } from "./responses.ts";
import { hostCookie, readHostCookie } from "./signed_cookie.ts";
import { type Transaction, TransactionError } from "./transactions.ts";
import { exchangeUpstreamCode, upstreamAuthorizeUrl, UpstreamError } from "./upstream.ts";

const CSRF = "mcp-csrf";
const BINDING = "mcp-consent";

/** The proxy's browser-facing routes. */
export class SignIn {
  /** The routes over the proxy's parts and settings. */
  constructor(private readonly parts: ProxyParts, private readonly view: ProxyView) {}

  /** `GET /authorize`: checks the request, then the consent page (or, by the consent mode, straight upstream). */
  async authorize(req: Request): Promise<Response> {
    const { parts, view } = this;
    const outcome = await checkAuthorizeRequest(new URL(req.url).searchParams, {
      clients: parts.clients,
      issuer: view.issuer,
      resource: view.resource,
      scopes: view.scopesSupported(),
      allowedRedirectUris: view.options.allowedClientRedirectUris,
    });
    if (outcome.kind === "refuse") return errorPage(outcome.message);
    if (outcome.kind === "redirect") return redirect(outcome.location);
    const { request } = outcome;
    const transaction = await parts.transactions.begin({
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      ...(request.state !== undefined ? { state: request.state } : {}),
      scopes: request.scopes,
      resource: request.resource,
      codeChallenge: request.codeChallenge,
    });
    const mode = view.options.requireAuthorizationConsent ?? true;
    const silent = mode === false || mode === "external" ||
      (mode === "remember" && trustedNavigation(req) &&
        await isRemembered(parts.remembered, req, approvalOf(transaction)));
    if (silent) {
      const approved = await parts.transactions.approve(transaction.id, transaction.csrf, transaction.csrf);
      return await this.#toUpstream(approved);
    }
    const headers = consentHeaders([view.options.upstreamAuthorizationEndpoint, request.redirectUri]);
    headers.append("set-cookie", hostCookie(CSRF, await parts.csrf.sign(transaction.csrf), 600));
    return new Response(
      consentPage({
        clientName: request.client.clientName ?? request.client.clientId,
        clientId: request.client.clientId,
        redirectUri: request.redirectUri,
        scopes: request.scopes,
        resource: request.resource,
        transactionId: transaction.id,
        csrfToken: transaction.csrf,
        action: "/consent",
      }),
      { headers },
    );
  }

  /** `POST /consent`: the user's decision, after the CSRF double submit. */
  async consent(req: Request): Promise<Response> {
    const { parts, view } = this;
    const form = await req.formData().catch(() => undefined);
    const id = String(form?.get("transaction") ?? "");
    const token = String(form?.get("csrf") ?? "");
    const signed = readHostCookie(req.headers.get("cookie"), CSRF);
    const cookie = signed ? await parts.csrf.verify(signed) : undefined;
    try {
      if (form?.get("decision") !== "approve") {
        const denied = await parts.transactions.deny(id, token, cookie);
        return await this.#back(denied, {
          error: "access_denied",
          error_description: "the user denied access",
        });
      }
      const approved = await parts.transactions.approve(id, token, cookie);
      const response = await this.#toUpstream(approved);
      if (view.options.requireAuthorizationConsent === "remember") {
        response.headers.append(
          "set-cookie",
          await rememberApproval(
            parts.remembered,
            approvalOf(approved),
            view.options.consentMemorySeconds ?? 30 * 24 * 3_600,
          ),
        );
      }
      return response;
    } catch (error) {
      if (error instanceof TransactionError) return errorPage(error.message);
      throw error;
    }
  }

  async #toUpstream(transaction: Transaction): Promise<Response> {
    const location = await upstreamAuthorizeUrl(
      this.view.upstream(),
      transaction.id,
      transaction.upstreamVerifier,
    );
    const response = redirect(location);
    response.headers.append(
      "set-cookie",
      hostCookie(BINDING, await this.parts.binding.sign(transaction.binding!), 600),
    );
    response.headers.append("set-cookie", hostCookie(CSRF, "", 0));
    return response;
  }

  /** `GET` at the redirect path: the upstream's answer, turned into the client's code. */
  async callback(req: Request): Promise<Response> {
    const { parts, view } = this;
    const params = new URL(req.url).searchParams;
    const signed = readHostCookie(req.headers.get("cookie"), BINDING);
    const cookie = signed ? await parts.binding.verify(signed) : undefined;
    let transaction: Transaction;
    try {
      transaction = await parts.transactions.complete(params.get("state") ?? "", cookie);
    } catch (error) {
      if (error instanceof TransactionError) return errorPage(error.message);
      throw error;
    }
    const upstreamError = params.get("error");
    if (upstreamError) {
      return await this.#back(transaction, {
        error: upstreamError === "access_denied" ? "access_denied" : "server_error",
        error_description: "the identity provider did not sign the user in",
      });
    }
    try {
      const tokens = await exchangeUpstreamCode(
        view.upstream(),
        params.get("code") ?? "",
        transaction.upstreamVerifier,
      );
      await checkUpstreamToken(view, tokens.accessToken);
      const subject = await (view.options.identity ?? subjectOf)(tokens);
      const { idToken: _, ...upstream } = tokens;
      const r = transaction.request;
      const code = await parts.factory.createCode(
        { clientId: r.clientId, redirectUri: r.redirectUri, scopes: r.scopes, resource: r.resource, subject },
        r.codeChallenge,
        upstream,
      );
      return await this.#back(transaction, { code });
    } catch (error) {
      if (error instanceof UpstreamError) {
        return await this.#back(transaction, { error: "server_error", error_description: error.message });
      }
      throw error;
    }
  }

  /** Back to the client's redirect URI, checked again before the browser is sent there (§5 #6). */
  async #back(transaction: Transaction, params: Record<string, string>): Promise<Response> {
    const r = transaction.request;
    const client = await this.parts.clients.get(r.clientId);
    if (
      !client ||
      redirectProblem(r.redirectUri, client.redirectUris, this.view.options.allowedClientRedirectUris)
    ) {
      return errorPage("the client's redirect URI is no longer allowed");
    }
    const location = new URL(r.redirectUri);
    for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
    if (r.state !== undefined) location.searchParams.set("state", r.state);
    location.searchParams.set("iss", this.view.issuer);
    const response = redirect(location.href);
    response.headers.append("set-cookie", hostCookie(BINDING, "", 0));
    return response;
  }
}

function approvalOf(transaction: Transaction): ApprovalScope {
  const { clientId, redirectUri, scopes, resource } = transaction.request;
  return { clientId, redirectUri, scopes, resource };
}

/**
 * The upstream verifier's verdict on a fresh token, at sign-in: a verifier that cannot accept the
 * provider's tokens (a wrong audience, keys out of reach) fails the sign-in with a reason, instead
 * of every later request with "the session has ended".
 */
async function checkUpstreamToken(view: ProxyView, accessToken: string): Promise<void> {
  const verifier = view.options.tokenVerifier;
  if (!verifier) return;
  try {
    await verifier.verify(accessToken);
  } catch (error) {
    // An AuthError's words are meant for clients; anything else (a key set out of reach) may name internals.
    const why = error instanceof AuthError ? error.message : "it could not be checked";
    throw new UpstreamError(
      "server_error",
      `the identity provider's token did not pass this server's check: ${why}`,
    );
  }
}

/** The user's id: the id token's `sub` (received from the token endpoint directly, over TLS). */
function subjectOf(tokens: { idToken?: string }): Promise<string> {
  let sub: unknown;
  try {
    sub = tokens.idToken ? decodeJwt(tokens.idToken).sub : undefined;
  } catch {
    // Not a JWT: no subject from it.
  }
  if (typeof sub === "string" && sub) return Promise.resolve(sub);
  return Promise.reject(
    new UpstreamError("server_error", "the identity provider named no user (no id token sub); set identity"),
  );
}
