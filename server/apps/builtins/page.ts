/**
 * The pages of the ready-made apps: one self-contained HTML document each (one `<style>`, one
 * `<script>`, no inline event handlers, no `eval`, no network), so it runs under the host's
 * default Content-Security-Policy and under a stricter one that allows only its own script and
 * style by hash. Data never goes into the HTML: the page gets it from the tool's result and
 * writes it with `textContent` and `value`, never as markup.
 *
 * The scripts here run in the app's frame, not in the server: they are JavaScript text.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** What an app's own script gets from the runtime. */
export interface AppRuntime {
  /** Calls a server tool through the host; resolves with its `CallToolResult`. */
  callTool(name: string, args: Record<string, unknown>): Promise<{
    isError?: boolean;
    content?: { type: string; text?: string }[];
    structuredContent?: Record<string, unknown>;
  }>;
  /** Sends the user's message to the conversation (`ui/message`). */
  sendMessage(text: string): Promise<unknown>;
  /** Tells the host the page's height changed. */
  resized(): void;
}

/**
 * The app side of the MCP Apps protocol (JSON-RPC over `postMessage` with the parent): the
 * `ui/initialize` handshake, requests and their answers, the tool-result notification (kept if it
 * comes before the app is ready), teardown and pings. Calls `start(app)` once initialised; the
 * function that returns gets each tool result. Browser code, as JavaScript.
 */
const RUNTIME = `(start) => {
  let nextId = 1;
  const pending = new Map();
  let onResult;
  let early;
  const post = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      post({ id, method, params });
    });
  const resized = () =>
    post({ method: "ui/notifications/size-changed", params: { height: document.documentElement.scrollHeight } });
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const m = event.data;
    if (!m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined && m.id !== undefined) {
      const waiting = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) waiting?.reject(m.error);
      else waiting?.resolve(m.result);
      return;
    }
    if (m.method === "ping" || m.method === "ui/resource-teardown") return post({ id: m.id, result: {} });
    if (m.method === "ui/notifications/tool-result") {
      if (onResult) onResult(m.params);
      else early = m.params;
    }
  });
  const app = {
    callTool: (name, args) => request("tools/call", { name, arguments: args }),
    sendMessage: (text) => request("ui/message", { role: "user", content: [{ type: "text", text }] }),
    resized,
  };
  request("ui/initialize", {
    appInfo: { name: "denomcp-app", version: "1.0.0" },
    appCapabilities: {},
    protocolVersion: "2026-01-26",
  }).then(() => {
    post({ method: "ui/notifications/initialized", params: {} });
    onResult = start(app);
    if (early) onResult(early);
    resized();
  });
}`;

/** A ready-made app's document: its styles, markup without data, and its script over the runtime. */
export interface AppPage {
  /** The document. */
  readonly html: string;
  /** `'sha256-…'` sources of its one script and one style, for a hash-based policy. */
  readonly hashes: { readonly script: string; readonly style: string };
}

const BASE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; padding: 12px; color: #1f2328; }
h1 { font-size: 16px; margin: 0 0 8px; }
p { margin: 0 0 12px; }
label { display: block; margin: 0 0 10px; }
label span { display: block; font-weight: 600; margin-bottom: 2px; }
small { display: block; color: #59636e; }
input[type=text], input[type=number], input[type=email], input[type=date], select, textarea { width: 100%; box-sizing: border-box; padding: 6px; }
button { padding: 6px 14px; margin-right: 8px; cursor: pointer; }
.error { color: #b42318; white-space: pre-wrap; }
.done { color: #1a7f37; }
[hidden] { display: none; }
`;

/**
 * Builds a page: `start` is the source of the app's own function, `(app) => (result) => void`,
 * called by the runtime once the host has answered (with an {@link AppRuntime}); the function it
 * returns gets the tool's result. Browser code, so written as JavaScript: the server's types
 * describe no DOM.
 */
export function appPage(title: string, body: string, start: string): AppPage {
  const script = `(${RUNTIME})(${start.trim()});`;
  const style = BASE_STYLE;
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<style>${style}</style>
</head>
<body>
${body}
<script>${script}</script>
</body>
</html>
`;
  return { html, hashes: { script: sha256Source(script), style: sha256Source(style) } };
}

function sha256Source(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}
