/**
 * `denomcp dev` end to end: the official MCP Inspector's web UI, in headless Chromium (Debian's
 * package, driven by playwright-core; never a browser download), connects to the server the CLI
 * started and lists its tools (a screenshot of that page is taken), and its Apps screen opens a
 * ready-made app of the server in the Inspector's sandbox.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { freePort } from "../helpers/process.ts";

const CLI = new URL("../../cli/main.ts", import.meta.url).pathname;
const SERVER = new URL("./fixtures/cli_server.ts", import.meta.url).pathname;

/** Starts `denomcp dev` and resolves with the Inspector URL it prints on stdout. */
async function startDev(serverPort: number, uiPort: number, server = SERVER) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "dev",
      server,
      "--server-port",
      String(serverPort),
      "--ui-port",
      String(uiPort),
      "--no-open",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let errors = "";
  const drainErrors = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) errors += chunk;
  })();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/MCP Inspector: \S+\n/.test(seen)) {
    // The first run downloads the Inspector from npm; later ones start in about a second.
    const { value, done } = await reader.read();
    if (done) throw new Error(`denomcp dev exited before printing the Inspector URL:\n${seen}\n${errors}`);
    seen += value;
  }
  const drainOut = (async () => {
    while (!(await reader.read()).done) { /* nothing more is expected */ }
  })();
  return {
    url: /MCP Inspector: (\S+)/.exec(seen)![1],
    stderr: () => errors,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await Promise.all([drainErrors, drainOut]);
      return status;
    },
  };
}

/**
 * Connects the Inspector to the server: turns its connection switch on and waits for "connected".
 * Under a loaded suite (several browsers up) its page may still be laying out when the switch
 * appears ("element is not visible" even forced), or a first connection attempt may stall; each
 * time, turn it off and on again a moment later, three times at most.
 */
async function connect(page: Page): Promise<void> {
  const toggle = page.getByRole("switch", { name: /Connect or disconnect/ });
  const connected = page.locator('[data-testid="connection-status"][data-status="connected"]');
  for (let attempt = 1;; attempt++) {
    try {
      await toggle.check({ force: true, timeout: 20_000 });
      await connected.waitFor({ timeout: 20_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      console.error(`the Inspector did not connect; trying again (attempt ${attempt + 1})`);
      await toggle.uncheck({ force: true, timeout: 5_000 }).catch(() => {});
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function closed(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return false;
  } catch {
    return true;
  }
}

Deno.test({
  name:
    "dev: the MCP Inspector in headless Chromium connects to the server and lists its tools; stopping dev stops both",
  // playwright-core keeps its own pipes to the browser until it has fully exited.
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const serverPort = freePort();
  const uiPort = freePort();
  const dev = await startDev(serverPort, uiPort);
  const shots = await Deno.makeTempDir();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    assert.match(
      dev.url,
      new RegExp(`^http://127\\.0\\.0\\.1:${uiPort}/\\?MCP_INSPECTOR_API_TOKEN=[0-9a-f]{64}$`),
    );
    assert.match(dev.stderr(), new RegExp(`MCP server on http://127\\.0\\.0\\.1:${serverPort}/mcp`));
    const page = await browser.newPage();
    // The UI asks Google for its fonts; this machine has no internet, and the page does not need them.
    await page.route(/fonts\.(googleapis|gstatic)\.com/, (route) => route.abort());
    await page.goto(dev.url);
    await connect(page);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({
      timeout: 30_000,
    });
    await page.locator('label[for$="-Tools"]').click();
    const tools = page.locator('[data-testid="tools-screen"]');
    await tools.getByText("greet", { exact: true }).waitFor({ timeout: 30_000 });
    assert.match(await tools.innerText(), /Tools \(2\)/);
    assert.match(await tools.innerText(), /broken/);
    const shot = `${shots}/inspector.png`;
    await page.screenshot({ path: shot, fullPage: true });
    const png = await Deno.readFile(shot);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "a PNG");
    assert.ok(png.length > 10_000, `screenshot of ${png.length} bytes`);
  } finally {
    await browser.close();
    await Deno.remove(shots, { recursive: true });
    await dev.stop();
  }
  assert.ok(await closed(serverPort), "the server stopped with dev");
  assert.ok(await closed(uiPort), "the Inspector stopped with dev");
});

Deno.test({
  name:
    "dev: the Inspector opens a tool's app (its UI resource in the Inspector's sandbox) and the app works",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const serverPort = freePort();
  const uiPort = freePort();
  const dev = await startDev(
    serverPort,
    uiPort,
    new URL("./fixtures/apps_dev_server.ts", import.meta.url).pathname,
  );
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage();
    await page.route(/fonts\.(googleapis|gstatic)\.com/, (route) => route.abort());
    await page.goto(dev.url);
    await connect(page);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({
      timeout: 30_000,
    });
    await page.locator('label[for$="-Apps"]').click();
    await page.getByText("request_approval", { exact: true }).click({ timeout: 30_000 });
    await page.getByRole("textbox", { name: /summary/ }).fill("Deploy to production");
    // The Inspector's sandbox proxy (its own origin) holds the app's page in a frame of its own.
    const app = page.frameLocator('iframe[src*="/sandbox"]').frameLocator("iframe");
    let shown = false;
    // On a loaded machine the Inspector's host and its sandbox sometimes miss their handshake and the
    // frame stays blank (seen twice in 2 suite runs, never alone); opening the app again recovers.
    for (let attempt = 1; attempt <= 3 && !shown; attempt++) {
      if (attempt > 1) {
        console.error(`the Inspector's app frame stayed blank; opening the app again (attempt ${attempt})`);
        await page.getByText("Back to Input").click();
      }
      await page.locator('[data-testid="open-app"]').click();
      shown = await app.getByText("Deploy to production").waitFor({ timeout: 20_000 }).then(
        () => true,
        () => false,
      );
    }
    if (!shown) {
      // What the page showed instead, for whoever reads the failure.
      const shot = await Deno.makeTempFile({ suffix: ".png" });
      await page.screenshot({ path: shot, fullPage: true });
      throw new Error(
        `the app never showed; frames: ${page.frames().map((f) => f.url()).join(", ")}; screenshot: ${shot}`,
      );
    }
    await app.getByRole("button", { name: "Approve" }).click();
    // The host answered the app's ui/message: the page says its answer was sent.
    await app.getByText("Response sent.").waitFor({ timeout: 10_000 });
    const shot = await page.screenshot({ fullPage: true });
    assert.ok(shot.length > 10_000, `screenshot of ${shot.length} bytes`);
  } finally {
    await browser.close();
    await dev.stop();
  }
});
