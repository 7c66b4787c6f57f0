/**
 * What the OAuth proxy's routes share: its records (clients, transactions, tokens, upstream
 * sessions) over the server's store, its cookie signers (one key per purpose), and a live view
 * of its settings (scopes can change at run time).
 *
 * @module
 */

import type { Store } from "../../server/store/store.ts";
import { ClientRegistry } from "./clients.ts";
import type { IdentityAssertionGrant } from "./identity_assertion.ts";
import type { OAuthProxyOptions } from "./options.ts";
import { CookieSigner } from "./signed_cookie.ts";
import { TokenFactory } from "./tokens.ts";
import { TokenVault } from "./token_vault.ts";
import { Transactions } from "./transactions.ts";
import { refreshUpstream, type UpstreamConfig } from "./upstream.ts";
import { UpstreamSessions } from "./upstream_session.ts";

/** The proxy's records and signers. */
export interface ProxyParts {
  readonly factory: TokenFactory;
  readonly clients: ClientRegistry;
  readonly transactions: Transactions;
  readonly sessions: UpstreamSessions;
  readonly csrf: CookieSigner;
  readonly binding: CookieSigner;
  readonly remembered: CookieSigner;
}

/** The proxy's settings as its routes read them. */
export interface ProxyView {
  /** The proxy's issuer (its origin). */
  readonly issuer: string;
  /** The MCP server's canonical URI: the tokens' audience. */
  readonly resource: string;
  readonly options: OAuthProxyOptions;
  /** The upstream provider and the proxy's client there, as configured now. */
  upstream(): UpstreamConfig;
  /** Scopes clients may ask for now (any when undefined). */
  scopesSupported(): readonly string[] | undefined;
  /** The identity assertion grant, when it is on (built with the proxy, so its settings are checked then). */
  readonly identityAssertion?: IdentityAssertionGrant;
}

/** Builds the parts over `store`, every key derived from the proxy's secret. */
export async function createParts(view: ProxyView, store: () => Store): Promise<ProxyParts> {
  const { options, issuer } = view;
  const secret = options.jwtSigningKey;
  const factory = new TokenFactory({
    store,
    vault: await TokenVault.create(secret),
    secret,
    issuer,
    accessTokenExpirySeconds: options.accessTokenExpirySeconds,
    refreshTokenExpirySeconds: options.refreshTokenExpirySeconds,
  });
  return {
    factory,
    clients: new ClientRegistry(
      store,
      options.clientMetadataFetch ? { fetch: options.clientMetadataFetch } : {},
    ),
    transactions: new Transactions(store),
    sessions: new UpstreamSessions(factory.records, {
      refresh: (current) => refreshUpstream(view.upstream(), current),
      thresholdSeconds: options.tokenExpiryThresholdSeconds ?? 60,
      verifier: options.tokenVerifier,
    }),
    csrf: await CookieSigner.create(secret, "csrf"),
    binding: await CookieSigner.create(secret, "consent binding"),
    remembered: await CookieSigner.create(secret, "remembered approval"),
  };
}
