/**
 * A stand-in identity provider for the ready-made providers' tests, on 127.0.0.1 (a free port),
 * laid out as the real one is (its paths, its discovery document, its client authentication):
 * an authorization endpoint that signs the user in at once and sends the browser back with a
 * code, a token endpoint that checks the client, the code, its redirect URI and PKCE before
 * issuing tokens (the access token an RS256 JWT unless the test says otherwise, an id token
 * naming the user), its keys, and any routes a test adds. Every request is recorded, so a test
 * can assert what the proxy sent where.
 *
 * @module
 */

import * as jose from "jose";
import { pkceChallenge } from "../../auth/oauth_proxy/tokens.ts";

/** Where the stand-in serves what. */
export interface StandInPaths {
  readonly authorize: string;
  readonly token: string;
  readonly jwks?: string;
  readonly revoke?: string;
  /** The discovery document's path, when the provider has one. */
  readonly discovery?: string;
}

/** What a grant's access token is made of. */
export interface Grant {
  /** The stand-in's origin. */
  readonly base: string;
  /** The token request's form. */
  readonly form: URLSearchParams;
  /** Signs claims as the stand-in (RS256, its key id), `iss` and `iat` added. */
  sign(claims: Record<string, unknown>, typ?: string): Promise<string>;
}

/** Options of {@link startStandIn}. */
export interface StandInOptions {
  readonly paths: StandInPaths;
  /** The issuer, given the stand-in's origin. Default the origin. */
  readonly issuer?: (base: string) => string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `token_endpoint_auth_methods_supported` of the discovery document (absent when undefined). */
  readonly authMethods?: string[];
  /** The access token of a grant. Default an RS256 JWT for `ada` whose audience is the client. */
  readonly accessToken?: (grant: Grant) => Promise<string> | string;
  /** `expires_in` of the access tokens. Default 3,600. */
  readonly expiresIn?: number;
  /** Send an id token (`sub` ada). Default true. */
  readonly idToken?: boolean;
  /** Send a refresh token. Default true. */
  readonly refreshToken?: boolean;
  /** Answer the token endpoint form-encoded unless the request accepts JSON (GitHub's way). */
  readonly formUnlessJson?: boolean;
  /** Further routes (`params`: the query of a GET, the form of a POST); undefined falls through to 404. */
  readonly routes?: (
    req: Request,
    url: URL,
    params: URLSearchParams,
  ) => Response | Promise<Response> | undefined;
}

/** A request the stand-in received. */
export interface Seen {
  readonly method: string;
  readonly path: string;
  /** The query of a GET, the form of a POST. */
  readonly params: URLSearchParams;
  readonly headers: Headers;
}

/** A running stand-in. */
export interface StandIn {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** Its issuer. */
  readonly issuer: string;
  /** Every request so far, in order. */
  readonly requests: Seen[];
  /** The requests to `path`. */
  to(path: string): Seen[];
  /** Stops it. */
  close(): Promise<void>;
}

/** Starts a stand-in provider. */
export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const { paths } = options;
  const { privateKey, publicKey } = await jose.generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: "stand-in", alg: "RS256", use: "sig" };
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const refreshTokens = new Set<string>();
  const requests: Seen[] = [];
  const site = { base: "", issuer: "" };
  let serial = 0;
  const sign = (claims: Record<string, unknown>, typ = "JWT") =>
    new jose.SignJWT({ iss: site.issuer, iat: Math.floor(Date.now() / 1000), ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "stand-in", typ })
      .sign(privateKey);

  const token = async (form: URLSearchParams, req: Request): Promise<Response> => {
    const basic = req.headers.get("authorization")?.match(/^Basic (.+)$/)?.[1];
    const [id, secret] = basic
      ? atob(basic).split(":").map(decodeURIComponent)
      : [form.get("client_id"), form.get("client_secret")];
    if (id !== options.clientId || secret !== options.clientSecret) {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    if (form.get("grant_type") === "authorization_code") {
      const code = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (
        !code || code.redirectUri !== form.get("redirect_uri") ||
        await pkceChallenge(form.get("code_verifier") ?? "") !== code.challenge
      ) {
        return Response.json({ error: "invalid_grant" }, { status: 400 });
      }
    } else if (!refreshTokens.delete(form.get("refresh_token") ?? "")) {
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    }
    const expiresIn = options.expiresIn ?? 3_600;
    const grant: Grant = { base: site.base, form, sign };
    const answer: Record<string, string | number> = {
      access_token: options.accessToken
        ? await options.accessToken(grant)
        : await sign({ sub: "ada", aud: options.clientId, exp: Math.floor(Date.now() / 1000) + expiresIn }),
      token_type: "Bearer",
      expires_in: expiresIn,
    };
    if (options.refreshToken ?? true) {
      answer.refresh_token = `refresh-${++serial}`;
      refreshTokens.add(answer.refresh_token);
    }
    if (options.idToken ?? true) {
      answer.id_token = await sign({
        sub: "ada",
        aud: options.clientId,
        exp: Math.floor(Date.now() / 1000) + 300,
      });
    }
    if (options.formUnlessJson && !req.headers.get("accept")?.includes("application/json")) {
      return new Response(new URLSearchParams(Object.entries(answer).map(([k, v]) => [k, String(v)])), {
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    }
    return Response.json(answer);
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const params = req.method === "POST" ? new URLSearchParams(await req.text()) : url.searchParams;
    requests.push({ method: req.method, path: url.pathname, params, headers: req.headers });
    if (url.pathname === paths.discovery) {
      return Response.json({
        issuer: site.issuer,
        authorization_endpoint: site.base + paths.authorize,
        token_endpoint: site.base + paths.token,
        ...(paths.jwks ? { jwks_uri: site.base + paths.jwks } : {}),
        ...(paths.revoke ? { revocation_endpoint: site.base + paths.revoke } : {}),
        ...(options.authMethods ? { token_endpoint_auth_methods_supported: options.authMethods } : {}),
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (url.pathname === paths.authorize) {
      if (params.get("client_id") !== options.clientId) {
        return new Response("unknown client", { status: 400 });
      }
      const code = `code-${++serial}`;
      codes.set(code, {
        challenge: params.get("code_challenge") ?? "",
        redirectUri: params.get("redirect_uri")!,
      });
      const back = new URL(params.get("redirect_uri")!);
      back.searchParams.set("code", code);
      back.searchParams.set("state", params.get("state") ?? "");
      return new Response(null, { status: 302, headers: { location: back.href } });
    }
    if (url.pathname === paths.token && req.method === "POST") return await token(params, req);
    if (url.pathname === paths.jwks) return Response.json({ keys: [jwk] });
    if (url.pathname === paths.revoke) return new Response(null, { status: 200 });
    return await options.routes?.(req, url, params) ?? new Response("not found", { status: 404 });
  });
  site.base = `http://127.0.0.1:${server.addr.port}`;
  site.issuer = options.issuer?.(site.base) ?? site.base;
  return {
    base: site.base,
    issuer: site.issuer,
    requests,
    to: (path) => requests.filter((r) => r.path === path),
    close: () => server.shutdown(),
  };
}
