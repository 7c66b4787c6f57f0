/**
 * A pending authorization, from `/authorize` through consent to the upstream's callback, kept in
 * the store (so any replica can continue it) for a bounded time and used once. Its `id` is the
 * `state` sent upstream. The consent form's CSRF token must equal the transaction's and the
 * signed cookie's (the double submit, §5 #5); approval mints a consent-binding token that the
 * callback must present in a cookie, compared in constant time (§5 #3), so that a consented
 * upstream URL replayed in someone else's browser gets nowhere.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { Store } from "../../server/store/store.ts";
import { randomToken } from "./base64url.ts";

/** What the client asked for, as `/authorize` checked it. */
export interface PendingRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state?: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly codeChallenge: string;
}

/** A transaction in the store. */
export interface Transaction {
  readonly id: string;
  readonly request: PendingRequest;
  readonly csrf: string;
  /** Set at approval; the callback's cookie must carry it. */
  readonly binding?: string;
  /** The proxy's own PKCE verifier for the upstream leg. */
  readonly upstreamVerifier: string;
}

/** A step of a transaction that may not proceed; the message says why. */
export class TransactionError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "TransactionError";
  }
}

const KEY = "oauth-proxy";

/** The pending authorizations of one proxy. */
export class Transactions {
  /** Transactions over the server's store; one lives `ttlMs` (default 10 minutes). */
  constructor(private readonly store: () => Store, private readonly ttlMs = 10 * 60_000) {}

  /** Starts a transaction for a checked request. */
  async begin(request: PendingRequest): Promise<Transaction> {
    const transaction: Transaction = {
      id: randomToken(),
      request,
      csrf: randomToken(),
      upstreamVerifier: randomToken(),
    };
    await this.store().set([KEY, "transactions", transaction.id], transaction, { expireInMs: this.ttlMs });
    return transaction;
  }

  /** The transaction `id` names, if it is still pending. */
  async get(id: string): Promise<Transaction | undefined> {
    return await this.store().get<Transaction>([KEY, "transactions", id]);
  }

  /**
   * Records the user's approval: the form's token and the cookie's (already verified as signed
   * by this proxy) must both equal the transaction's. Resolves with the consent-binding token
   * the callback will require.
   */
  async approve(id: string, formToken: string, cookieToken: string | undefined): Promise<Transaction> {
    const transaction = await this.#checked(id, formToken, cookieToken);
    const approved: Transaction = { ...transaction, binding: randomToken() };
    await this.store().set([KEY, "transactions", id], approved, { expireInMs: this.ttlMs });
    return approved;
  }

  /** Ends a transaction the user denied (after the same CSRF checks); resolves with it, for the denial redirect. */
  async deny(id: string, formToken: string, cookieToken: string | undefined): Promise<Transaction> {
    const transaction = await this.#checked(id, formToken, cookieToken);
    await this.store().delete([KEY, "transactions", id]);
    return transaction;
  }

  /**
   * Completes an approved transaction at the upstream's callback: the browser's binding cookie
   * must match, and the transaction is used up (of two racing callbacks, one wins).
   */
  async complete(id: string, bindingCookie: string | undefined): Promise<Transaction> {
    const key = [KEY, "transactions", id];
    const { value, version } = await this.store().getVersioned<Transaction>(key);
    if (!value) throw new TransactionError("the authorization is unknown, expired or already completed");
    if (!value.binding) throw new TransactionError("the authorization was not approved");
    if (!bindingCookie || !sameSecret(bindingCookie, value.binding)) {
      throw new TransactionError("this browser did not approve the authorization");
    }
    if (!await this.store().commit([{ key, version, delete: true }])) {
      throw new TransactionError("the authorization is already completed");
    }
    return value;
  }

  async #checked(id: string, formToken: string, cookieToken: string | undefined): Promise<Transaction> {
    const transaction = await this.get(id);
    if (!transaction) throw new TransactionError("the authorization is unknown, expired or already decided");
    if (transaction.binding) throw new TransactionError("the authorization was already approved");
    if (
      !cookieToken || !sameSecret(formToken, transaction.csrf) || !sameSecret(cookieToken, transaction.csrf)
    ) {
      throw new TransactionError("the consent form's token does not match: reload the page and try again");
    }
    return transaction;
  }
}

/** Whether two secrets are equal, compared in constant time (over their hashes, so lengths do not leak). */
function sameSecret(a: string, b: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
