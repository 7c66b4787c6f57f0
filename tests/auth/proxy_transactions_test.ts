/**
 * Pending authorizations of the OAuth proxy: the consent form's CSRF double submit (§5 #5), the
 * consent binding checked at the callback (§5 #3), single use and expiry.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TransactionError, Transactions } from "../../auth/oauth_proxy/transactions.ts";
import { memoryStore } from "../../server/store/memory.ts";

const REQUEST = {
  clientId: "mcp_1",
  redirectUri: "https://app.example/cb",
  state: "s-1",
  scopes: ["notes:read"],
  resource: "https://mcp.example/mcp",
  codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
};

async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (e: Error) => e instanceof TransactionError && message.test(e.message));
}

Deno.test("#5 (FastMCP #3519): approval needs the CSRF token in the form and in the cookie, both the transaction's", async () => {
  const store = memoryStore();
  const transactions = new Transactions(() => store);
  const t = await transactions.begin(REQUEST);
  const other = await transactions.begin(REQUEST);
  await refused(transactions.approve(t.id, t.csrf, undefined), /token does not match/);
  // Another transaction's token.
  await refused(transactions.approve(t.id, other.csrf, other.csrf), /token does not match/);
  await refused(transactions.approve(t.id, t.csrf, other.csrf), /token does not match/);
  const approved = await transactions.approve(t.id, t.csrf, t.csrf);
  assert.match(approved.binding!, /^[A-Za-z0-9_-]{43}$/);
  await refused(transactions.approve(t.id, t.csrf, t.csrf), /already approved/);
  store.close();
});

Deno.test("#3 (CVE-2026-27124): the callback needs this browser's binding cookie, once", async () => {
  const store = memoryStore();
  const transactions = new Transactions(() => store);
  const t = await transactions.begin(REQUEST);
  await refused(transactions.complete(t.id, undefined), /not approved/);
  const approved = await transactions.approve(t.id, t.csrf, t.csrf);
  // The attacker consented in their browser and lures the victim to the upstream URL: the victim has no cookie.
  await refused(transactions.complete(t.id, undefined), /this browser did not approve/);
  await refused(transactions.complete(t.id, "a".repeat(43)), /this browser did not approve/);
  const [one, two] = await Promise.allSettled([
    transactions.complete(t.id, approved.binding),
    transactions.complete(t.id, approved.binding),
  ]);
  assert.deepEqual([one.status, two.status].sort(), ["fulfilled", "rejected"]);
  await refused(transactions.complete(t.id, approved.binding), /unknown, expired or already completed/);
  store.close();
});

Deno.test("a denial ends the transaction after the same checks; a transaction expires", async () => {
  const store = memoryStore();
  const transactions = new Transactions(() => store, 500);
  const t = await transactions.begin(REQUEST);
  await refused(transactions.deny(t.id, "forged", t.csrf), /token does not match/);
  assert.deepEqual((await transactions.deny(t.id, t.csrf, t.csrf)).request, REQUEST);
  assert.equal(await transactions.get(t.id), undefined);
  const late = await transactions.begin(REQUEST);
  await new Promise((r) => setTimeout(r, 600));
  await refused(transactions.approve(late.id, late.csrf, late.csrf), /unknown, expired/);
  store.close();
});
