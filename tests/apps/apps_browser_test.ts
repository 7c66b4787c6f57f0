/**
 * The ready-made apps in a real host: headless Chromium (Debian's) loads a test host page built
 * on the official host bridge (`@modelcontextprotocol/ext-apps`), which renders our server's UI
 * resource in a sandboxed frame under a Content-Security-Policy, calls the tool, and answers the
 * app's tool calls and messages. Each built-in runs under the extension's default policy and
 * under a strict one that allows only its own script and style, by hash, with no violation.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type Browser, chromium, type Page } from "playwright-core";
import { z } from "zod";
import { Approval, Choice, FastMCP, FileUpload, FormInput, StaticTokenVerifier } from "../../mod.ts";
import { modernMeta, modernRequest, readAnswer } from "../helpers/http.ts";

const ROOT = new URL("../../", import.meta.url);
const UI_CLIENT = {
  extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } },
};
/** The extension's default policy for apps that declare no domains (SEP-1865, "Host MUST use"). */
const DEFAULT_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; media-src 'self' data:; connect-src 'none';";

/** The folder of an npm package in the project's node_modules (direct or transitive). */
function packageDir(name: string): string {
  const direct = new URL(`node_modules/${name}`, ROOT).pathname;
  try {
    return Deno.realPathSync(direct);
  } catch {
    const flat = name.replace("/", "+");
    const entry = [...Deno.readDirSync(new URL("node_modules/.deno", ROOT))].find((e) =>
      e.name.startsWith(`${flat}@`)
    );
    if (!entry) throw new Error(`${name} is not installed`);
    return new URL(`node_modules/.deno/${entry.name}/node_modules/${name}`, ROOT).pathname;
  }
}

/** The host page's import map: the bridge and what it imports, as their files (no bundler). */
const MODULES: Record<string, [string, string]> = {
  "@modelcontextprotocol/ext-apps/app-bridge": ["@modelcontextprotocol/ext-apps", "dist/src/app-bridge.js"],
  "@modelcontextprotocol/client": ["@modelcontextprotocol/client", "dist/index.mjs"],
  "@modelcontextprotocol/client/_shims": ["@modelcontextprotocol/client", "dist/shimsBrowser.mjs"],
  "@modelcontextprotocol/core": ["@modelcontextprotocol/core", "dist/index.mjs"],
  "@modelcontextprotocol/core/internal": ["@modelcontextprotocol/core", "dist/internal.mjs"],
  "zod/v4": ["zod", "v4/index.js"],
  "eventsource": ["eventsource", "dist/index.js"],
  "eventsource-parser": ["eventsource-parser", "dist/index.js"],
  "eventsource-parser/stream": ["eventsource-parser", "dist/stream.js"],
  "pkce-challenge": ["pkce-challenge", "dist/index.browser.js"],
};

/** Serves the host page, its modules, and `/rpc` onto the MCP server (as a client that renders apps). */
function hostServer(mcp: FastMCP): Deno.HttpServer<Deno.NetAddr> {
  const dirs = new Map(Object.values(MODULES).map(([pkg]) => [pkg, packageDir(pkg)]));
  const imports = Object.fromEntries(
    Object.entries(MODULES).map(([spec, [pkg, file]]) => [spec, `/pkg/${pkg}/${file}`]),
  );
  const page = `<!DOCTYPE html><html><head><meta charset="utf-8">
<script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module" src="/host.js"></script></head><body></body></html>`;
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/") return new Response(page, { headers: { "content-type": "text/html" } });
    if (path === "/host.js") {
      return new Response(await Deno.readFile(new URL("./fixtures/host.js", import.meta.url)), {
        headers: { "content-type": "text/javascript" },
      });
    }
    if (path.startsWith("/pkg/")) {
      const rest = path.slice("/pkg/".length);
      const pkg = [...dirs.keys()].find((p) => rest.startsWith(`${p}/`));
      if (!pkg || rest.includes("..")) return new Response("not found", { status: 404 });
      const file = await Deno.readFile(`${dirs.get(pkg)}/${rest.slice(pkg.length + 1)}`);
      return new Response(file, { headers: { "content-type": "text/javascript" } });
    }
    if (path === "/rpc") {
      const { method, params } = await req.json();
      const meta = modernMeta({ "io.modelcontextprotocol/clientCapabilities": UI_CLIENT });
      const answer = await readAnswer(
        await mcp.fetch(
          modernRequest(method, { ...params, _meta: meta }, 1, { authorization: "Bearer host-user" }),
        ),
      );
      return Response.json(answer);
    }
    return new Response("not found", { status: 404 });
  });
}

/** Opens the host on `tool` with `args`, under `csp`; gives the page and what the console said. */
async function openHost(
  page: Page,
  origin: string,
  tool: string,
  args: Record<string, unknown>,
  csp: string,
): Promise<string[]> {
  const console: string[] = [];
  page.on("console", (m) => console.push(m.text()));
  page.on("pageerror", (e) => console.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}/#${encodeURIComponent(JSON.stringify({ tool, arguments: args, csp }))}`);
  return console;
}

const hostLog = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { hostLog: unknown[] }).hostLog);

function strictCsp(app: { page: { hashes: { script: string; style: string } } }): string {
  return `default-src 'none'; script-src ${app.page.hashes.script}; style-src ${app.page.hashes.style}; ` +
    "connect-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none';";
}

const BROWSER_TEST = { sanitizeOps: false, sanitizeResources: false };

/** Debian's Chromium, headless, with nothing reaching out to the network. */
function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

Deno.test({
  name:
    "FormInput renders with its prefill in a sandboxed frame, submits, and the server gets validated values",
  // playwright-core keeps its own pipes to the browser until it has fully exited.
  ...BROWSER_TEST,
}, async () => {
  const received: unknown[] = [];
  const form = new FormInput({
    name: "contact",
    schema: z.object({
      name: z.string().describe("Full name"),
      age: z.number().int().min(0),
      plan: z.enum(["free", "pro"]),
      newsletter: z.boolean(),
    }),
    onSubmit: async (values) => {
      received.push(values);
      return "saved";
    },
  });
  const mcp = new FastMCP({ name: "forms", logger: () => {} });
  mcp.addProvider(form);
  const host = hostServer(mcp);
  const browser = await launchBrowser();
  try {
    for (const csp of [DEFAULT_CSP, strictCsp(form)]) {
      received.length = 0;
      const page = await browser.newPage();
      const console = await openHost(page, `http://127.0.0.1:${host.addr.port}`, "collect_contact", {
        prompt: "Who should we contact?",
        default: { name: "Ada Lovelace", plan: "pro", unknown: "ignored" },
      }, csp);
      const frame = page.frameLocator("iframe");
      await frame.locator("input[name=name]").waitFor({ timeout: 20_000 }).catch(async (e) => {
        throw new Error(`${e}\n${console.join("\n")}\n${JSON.stringify(await hostLog(page))}`);
      });
      assert.equal(await frame.locator("#prompt").textContent(), "Who should we contact?");
      assert.equal(await frame.locator("input[name=name]").inputValue(), "Ada Lovelace");
      assert.equal(await frame.locator("select[name=plan]").inputValue(), "pro");
      // A value the schema refuses comes back as the form's error, and nothing is saved.
      await frame.locator("input[name=age]").fill("-3");
      await frame.locator("button[type=submit]").click();
      await frame.locator("#error:not([hidden])").waitFor({ timeout: 10_000 });
      assert.match(await frame.locator("#error").textContent() ?? "", /not valid: .*age/);
      assert.deepEqual(received, []);
      await frame.locator("input[name=age]").fill("36");
      await frame.locator("input[name=newsletter]").check();
      await frame.locator("button[type=submit]").click();
      await frame.locator("#done:not([hidden])").waitFor({ timeout: 10_000 });
      assert.deepEqual(received, [{ name: "Ada Lovelace", age: 36, plan: "pro", newsletter: true }]);
      const log = await hostLog(page) as Record<string, unknown>[];
      assert.deepEqual(log[0], {
        read: { mimeType: "text/html;profile=mcp-app", ui: { prefersBorder: true } },
      });
      assert.deepEqual(log.filter((e) => "appCalled" in e), [
        { appCalled: "submit_contact", isError: true },
        { appCalled: "submit_contact", isError: false },
      ]);
      assert.deepEqual(console.filter((m) => /Content Security Policy|pageerror/i.test(m)), []);
      await page.close();
    }
  } finally {
    await browser.close();
    await host.shutdown();
    await mcp.close();
  }
});

Deno.test({
  name: "Approval and Choice send the user's pick to the conversation, under a strict policy",
  ...BROWSER_TEST,
}, async () => {
  const approval = new Approval();
  const choice = new Choice();
  const mcp = new FastMCP({ name: "decisions", logger: () => {} });
  mcp.addProvider(approval);
  mcp.addProvider(choice);
  const host = hostServer(mcp);
  const browser = await launchBrowser();
  try {
    const origin = `http://127.0.0.1:${host.addr.port}`;
    const cases: [string, Record<string, unknown>, string, string][] = [
      [
        "request_approval",
        { summary: "Delete 3 files <b>now</b>" },
        "Reject",
        '"Delete 3 files <b>now</b>" — I selected: Reject',
      ],
      [
        "choose",
        { prompt: "Which city?", options: ["Oslo", "Lima"] },
        "Lima",
        '"Which city?" — I selected: Lima',
      ],
    ];
    for (const [tool, args, click, message] of cases) {
      const page = await browser.newPage();
      const console = await openHost(page, origin, tool, args, strictCsp(approval));
      const frame = page.frameLocator("iframe");
      await frame.getByRole("button", { name: click }).click({ timeout: 20_000 });
      await frame.locator("#done:not([hidden])").waitFor({ timeout: 10_000 });
      // Markup in the data is shown as text, never rendered.
      assert.equal(await frame.locator("b").count(), 0);
      const log = await hostLog(page) as Record<string, unknown>[];
      assert.deepEqual(log.filter((e) => "message" in e), [{ message }]);
      assert.deepEqual(console.filter((m) => /Content Security Policy|pageerror/i.test(m)), []);
      await page.close();
    }
  } finally {
    await browser.close();
    await host.shutdown();
    await mcp.close();
  }
});

Deno.test(
  { name: "FileUpload stores the files the user picks, and the model reads them", ...BROWSER_TEST },
  async () => {
    const upload = new FileUpload({ maxFileBytes: 1000 });
    const mcp = new FastMCP({
      name: "files",
      logger: () => {},
      auth: new StaticTokenVerifier({ tokens: { "host-user": { subject: "ada", scopes: [] } } }),
    });
    mcp.addProvider(upload);
    const host = hostServer(mcp);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const console = await openHost(
        page,
        `http://127.0.0.1:${host.addr.port}`,
        "file_manager",
        {},
        strictCsp(upload),
      );
      const frame = page.frameLocator("iframe");
      await frame.locator("#picker").setInputFiles([
        { name: "notes.md", mimeType: "text/markdown", buffer: Buffer.from("# Notes\nhello") },
      ], { timeout: 20_000 });
      await frame.getByText("notes.md (13 bytes)").waitFor({ timeout: 10_000 });
      await frame.locator("#picker").setInputFiles([
        { name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(2000) },
      ]);
      await frame.locator("#error:not([hidden])").waitFor({ timeout: 10_000 });
      assert.match(
        await frame.locator("#error").textContent() ?? "",
        /big\.bin is 2000 bytes, over maxFileBytes \(1000\)/,
      );
      const read = await readAnswer(
        await mcp.fetch(
          modernRequest("tools/call", { name: "read_file", arguments: { name: "notes.md" } }, 1, {
            authorization: "Bearer host-user",
          }),
        ),
      );
      assert.equal((read.result!.structuredContent as { content: string }).content, "# Notes\nhello");
      assert.deepEqual(console.filter((m) => /Content Security Policy|pageerror/i.test(m)), []);
      await page.close();
    } finally {
      await browser.close();
      await host.shutdown();
      await mcp.close();
    }
  },
);
