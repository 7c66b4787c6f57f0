/**
 * The OAuth proxy's consent in a real browser: headless Chromium (Debian's, driven by
 * playwright-core) opens the proxy's consent page (checked by a screenshot and by the absence of
 * any Content-Security-Policy report), allows, signs in on oidc-provider's own pages, and lands
 * on the client's redirect URI with a code the client redeems for a token that calls a tool.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { clientAuthorizeUrl, proxyOverIdp, redeemCode, whoami } from "../helpers/oauth_proxy.ts";
import { freePort } from "../helpers/process.ts";

const CLIENT_REDIRECT = "http://127.0.0.1:5555/callback";

Deno.test({
  name: "consent in headless Chromium: the page, Allow, the provider's sign-in, and a code that works",
  // playwright-core keeps its own pipes to the browser until it has fully exited.
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const { idp, mcp } = await proxyOverIdp(base);
  const http = mcp.serve({ hostname: "127.0.0.1", port });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const registered = await (await fetch(`${base}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "Notes <app>", redirect_uris: [CLIENT_REDIRECT] }),
    })).json();
    const authorize = new URL(await clientAuthorizeUrl(base, registered.client_id, CLIENT_REDIRECT));
    const page = await browser.newPage();
    const console: string[] = [];
    page.on("console", (m) => console.push(m.text()));
    // The client's own listener: the browser lands here with the code.
    let landed: URL | undefined;
    await page.route("http://127.0.0.1:5555/**", (route) => {
      landed = new URL(route.request().url());
      return route.fulfill({ body: "signed in", contentType: "text/plain" });
    });
    await page.goto(authorize.href);
    assert.equal(await page.locator("h1").textContent(), `Notes <app> wants to use ${base}/mcp`);
    assert.match(await page.locator("dd strong").textContent() ?? "", /^127\.0\.0\.1:5555$/);
    assert.equal(await page.locator(".warn").count(), 1, "a redirect to this computer is flagged");
    const shot = await page.screenshot({ fullPage: true });
    assert.ok(shot.length > 5_000, `screenshot of ${shot.length} bytes`);
    // The page's one style passed its CSP hash: the warning is highlighted and the text column narrow.
    assert.equal(
      // Runs in the page, where getComputedStyle exists (Deno's types do not know it).
      await page.locator(".warn").evaluate((e) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } })
          .getComputedStyle(e).backgroundColor
      ),
      "rgb(255, 248, 197)",
    );
    assert.ok((await page.locator("body").boundingBox())!.width < 600, "the page's column is laid out");
    await page.getByRole("button", { name: "Allow" }).click();
    // oidc-provider's development login and consent pages.
    await page.locator("input[name=login]").fill("ada", { timeout: 20_000 });
    await page.locator("input[name=password]").fill("anything");
    await page.locator("button[type=submit]").click();
    await page.locator("button[type=submit]").click({ timeout: 20_000 });
    await page.waitForURL(/127\.0\.0\.1:5555\/callback/, { timeout: 20_000 });
    assert.ok(landed);
    const callback: URL = landed;
    assert.equal(callback.searchParams.get("state"), "st");
    assert.equal(callback.searchParams.get("iss"), base);
    const tokens = await redeemCode(
      fetch,
      base,
      callback.searchParams.get("code")!,
      registered.client_id,
      CLIENT_REDIRECT,
    );
    assert.deepEqual(await whoami(fetch, base, tokens.access_token), [{ type: "text", text: "ada" }]);
    assert.deepEqual(console.filter((m) => /Content Security Policy/i.test(m)), []);
  } finally {
    await browser.close();
    await mcp.close();
    await http.finished.catch(() => {});
    await idp.close();
  }
});
