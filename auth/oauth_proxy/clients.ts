/**
 * The OAuth proxy's clients: registered with it by dynamic client registration (RFC 7591), or
 * named by a client ID metadata document (an https URL whose JSON describes the client, the MCP
 * 2025-11-25 way and the only one 2026-07-28 keeps undeprecated). Every client is public (PKCE,
 * no secret): the proxy mints its own ids and never hands out the upstream client's id or secret
 * (§5 #6, #19). Documents are fetched through the SSRF-safe fetcher, bounded in bytes and time,
 * and cached; registrations live in the store, so replicas share them.
 *
 * @module
 */

import type { Store } from "../../server/store/store.ts";
import { guardedFetch, type GuardedResponse } from "../guarded_fetch.ts";
import { isLoopbackHost, unsafeRedirectUri } from "./redirect_uri.ts";

/** A client of the proxy. */
export interface ProxyClient {
  /** Its id: minted here for a registration, the document's URL for a metadata document. */
  readonly clientId: string;
  /** The name it gave, shown (escaped) on the consent page. */
  readonly clientName?: string;
  /** The redirect URIs it may be sent to. */
  readonly redirectUris: readonly string[];
  /** How it became known. */
  readonly source: "registration" | "metadata-document";
}

/** A registration or a metadata document that cannot be accepted; `code` is the RFC 7591 error. */
export class ClientMetadataError extends Error {
  /** Creates the error. */
  constructor(
    readonly code: "invalid_redirect_uri" | "invalid_client_metadata" | "invalid_client",
    message: string,
  ) {
    super(message);
    this.name = "ClientMetadataError";
  }
}

/** Limits of the registry, each a named setting. */
export interface ClientRegistryOptions {
  /** Largest metadata document read, in bytes. Default 5,120 (the draft's recommendation). */
  maxDocumentBytes?: number;
  /** Longest a document fetch may take, in ms. Default 5,000. */
  documentTimeoutMs?: number;
  /** How long a fetched document is reused, in ms. Default 300,000. */
  documentCacheMs?: number;
  /** How long a registration is kept, in ms. Default 30 days. */
  registrationTtlMs?: number;
  /** Redirect URIs one client may list. Default 10. */
  maxRedirectUris?: number;
  /** The fetcher (the guarded one; tests of the SSRF rules replace nothing else). */
  fetch?: (
    url: string,
    options: { maxBytes: number; timeoutMs: number; headers: HeadersInit },
  ) => Promise<GuardedResponse>;
}

const KEY = "oauth-proxy";

/** The clients of one proxy. */
export class ClientRegistry {
  readonly #maxDocumentBytes: number;
  readonly #documentTimeoutMs: number;
  readonly #documentCacheMs: number;
  readonly #registrationTtlMs: number;
  readonly #maxRedirectUris: number;
  readonly #fetch: NonNullable<ClientRegistryOptions["fetch"]>;

  /** A registry over the server's store; see {@link ClientRegistryOptions}. */
  constructor(private readonly store: () => Store, options: ClientRegistryOptions = {}) {
    this.#maxDocumentBytes = options.maxDocumentBytes ?? 5_120;
    this.#documentTimeoutMs = options.documentTimeoutMs ?? 5_000;
    this.#documentCacheMs = options.documentCacheMs ?? 300_000;
    this.#registrationTtlMs = options.registrationTtlMs ?? 30 * 24 * 3_600_000;
    this.#maxRedirectUris = options.maxRedirectUris ?? 10;
    this.#fetch = options.fetch ?? ((url, o) => guardedFetch(url, o));
  }

  /** Registers a client (RFC 7591): a public client with its redirect URIs; resolves with its new id. */
  async register(metadata: unknown): Promise<ProxyClient> {
    const fields = this.#fields(metadata, "the registration");
    const client: ProxyClient = { ...fields, clientId: `mcp_${randomId()}`, source: "registration" };
    await this.store().set([KEY, "clients", client.clientId], client, {
      expireInMs: this.#registrationTtlMs,
    });
    return client;
  }

  /** The client an id names: a registration, or a metadata document fetched (and cached) from it. */
  async get(clientId: string): Promise<ProxyClient | undefined> {
    if (!isDocumentUrl(clientId)) return await this.store().get<ProxyClient>([KEY, "clients", clientId]);
    const cached = await this.store().get<ProxyClient>([KEY, "documents", clientId]);
    if (cached) return cached;
    const client = await this.#document(clientId);
    await this.store().set([KEY, "documents", clientId], client, { expireInMs: this.#documentCacheMs });
    return client;
  }

  async #document(url: string): Promise<ProxyClient> {
    let res: GuardedResponse;
    try {
      res = await this.#fetch(url, {
        maxBytes: this.#maxDocumentBytes,
        timeoutMs: this.#documentTimeoutMs,
        headers: { accept: "application/json" },
      });
    } catch (error) {
      throw new ClientMetadataError(
        "invalid_client",
        `the client's metadata document: ${(error as Error).message}`,
      );
    }
    if (res.status !== 200) {
      throw new ClientMetadataError(
        "invalid_client",
        `the client's metadata document answered ${res.status}`,
      );
    }
    let document: unknown;
    try {
      document = JSON.parse(res.text);
    } catch {
      throw new ClientMetadataError("invalid_client_metadata", "the client's metadata document is not JSON");
    }
    const fields = this.#fields(document, "the metadata document");
    // The document speaks for the URL it was fetched from, and for no other client.
    if ((document as { client_id?: unknown }).client_id !== url) {
      throw new ClientMetadataError(
        "invalid_client_metadata",
        "the metadata document's client_id is not its own URL",
      );
    }
    return { ...fields, clientId: url, source: "metadata-document" };
  }

  /** The fields both kinds of client give, checked. */
  #fields(metadata: unknown, what: string): { clientName?: string; redirectUris: string[] } {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      throw new ClientMetadataError("invalid_client_metadata", `${what} must be a JSON object`);
    }
    const m = metadata as Record<string, unknown>;
    const method = m.token_endpoint_auth_method ?? "none";
    if (method !== "none" || m.client_secret !== undefined) {
      throw new ClientMetadataError(
        "invalid_client_metadata",
        `${what}: only public clients (token_endpoint_auth_method "none", with PKCE) are accepted`,
      );
    }
    const uris = m.redirect_uris;
    if (!Array.isArray(uris) || uris.length === 0 || uris.some((u) => typeof u !== "string")) {
      throw new ClientMetadataError("invalid_redirect_uri", `${what} needs redirect_uris, a list of URLs`);
    }
    if (uris.length > this.#maxRedirectUris) {
      throw new ClientMetadataError(
        "invalid_redirect_uri",
        `${what} lists more than ${this.#maxRedirectUris} redirect URIs`,
      );
    }
    for (const uri of uris as string[]) {
      const problem = unsafeRedirectUri(uri);
      if (problem) {
        throw new ClientMetadataError("invalid_redirect_uri", `${what}: ${problem} (${uri.slice(0, 200)})`);
      }
    }
    const name = typeof m.client_name === "string" ? m.client_name.slice(0, 200) : undefined;
    return { ...(name ? { clientName: name } : {}), redirectUris: [...uris as string[]] };
  }
}

/** Whether a client id is a metadata document's URL: https with a path (http only on a loopback host, for development). */
export function isDocumentUrl(clientId: string): boolean {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  const scheme = url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  return scheme && url.pathname !== "/" && !url.hash && !url.username && !url.password;
}

function randomId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
