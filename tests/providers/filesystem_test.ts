/**
 * `FileSystemProvider`, with real modules written into a temporary folder and served by a real
 * server: what modules export is served (synchronous tools in the worker pool), start-up fails
 * naming the file that cannot load, and with `reload` an edited, added, broken or removed module
 * is picked up while requests run, none of them seeing a module half loaded.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { Client } from "../../client.ts";
import { FastMCP, FileSystemProvider, type FileSystemProviderOptions, tool } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

/** The module the fixtures import, by absolute URL: they live in a temporary folder. */
const MOD = new URL("../../mod.ts", import.meta.url).href;
const HEADER = `import { prompt, resource, tool } from "${MOD}";\n`;

type Files = Record<string, string>;

async function write(root: string, files: Files): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const file = `${root}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
}

/** Writes a module in one step (a rename), as editors that save atomically do. */
async function replace(root: string, path: string, text: string): Promise<void> {
  const temp = `${root}/.${path}.tmp`;
  await Deno.writeTextFile(temp, text);
  await Deno.rename(temp, `${root}/${path}`);
}

interface Served {
  mcp: FastMCP;
  provider: FileSystemProvider;
  /** The folder's path. */
  root: string;
}

type ServingOptions = Partial<FileSystemProviderOptions> & {
  rootAs?: (path: string) => string | URL;
  /** `addProvider`'s namespace. */
  namespace?: string;
};

/**
 * Writes `files` into a new folder, serves it with a `FileSystemProvider` (the folder as a path,
 * or as `rootAs` gives it), runs `body`, then closes the server and removes the folder.
 */
async function serving(
  files: Files,
  options: ServingOptions,
  body: (s: Served) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "denomcp_fs_" });
  const mcp = new FastMCP({ name: `fs-${crypto.randomUUID()}`, logger: () => {} });
  try {
    await write(root, files);
    const provider = new FileSystemProvider({ ...options, root: options.rootAs?.(root) ?? root });
    mcp.addProvider(provider, { namespace: options.namespace });
    await body({ mcp, provider, root });
  } finally {
    await mcp.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** Serves `files` and expects start-up to fail with `message`. */
async function startFails(files: Files, message: RegExp): Promise<void> {
  await serving(files, {}, async ({ mcp }) => {
    await assert.rejects(mcp.start(), (error: Error) => {
      assert.match(error.message, message);
      return true;
    });
  });
}

const names = (items: { name: string }[]) => items.map((t) => t.name).sort();

Deno.test("serves the tools, resources, templates and prompts that modules under the folder export, each once", async () => {
  const files = {
    "math/arith.ts": HEADER + `
      export default [
        tool("add", { input: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } } },
          ({ a, b }) => String(a + b)),
        tool("half", async ({ n }) => String(n / 2)),
      ];`,
    "greetings.ts": HEADER + `
      export const motd = resource("text://motd", () => "hello");
      export const user = resource("users://{id}", ({ id }) => "user " + id);
      export const greet = prompt("greet", () => "Say hello");
      export const notADefinition = 42;`,
    // Outside the scan (a dot folder), re-exported by two modules: the same definition, served once.
    ".shared/common.ts": HEADER + `export const common = tool("common", async () => "common");`,
    "x.ts": `export { common } from "./.shared/common.ts";`,
    "y.ts": `export { common as same } from "./.shared/common.ts";`,
    "notes.md": "# not a module",
    "greetings_test.ts": `throw new Error("tests are not served");`,
    "types.d.ts": `export type Unused = string;`,
    ".hidden/secret.ts": HEADER + `export const secret = tool("secret", async () => "no");`,
  };
  await serving(files, {}, async ({ mcp }) => {
    await using client = new Client(mcp);
    assert.deepEqual(names(await client.listTools()), ["add", "common", "half"]);
    assert.deepEqual(await client.callTool("add", { a: 2, b: 3 }), [{ type: "text", text: "5" }]);
    assert.deepEqual((await client.listResources()).map((r) => r.uri), ["text://motd"]);
    assert.deepEqual((await client.listResourceTemplates()).map((t) => t.uriTemplate), ["users://{id}"]);
    assert.deepEqual((await client.readResource("users://7"))[0], {
      uri: "users://7",
      mimeType: "text/plain",
      text: "user 7",
    });
    assert.deepEqual(names(await client.listPrompts()), ["greet"]);
    const { messages } = await client.getPrompt("greet");
    assert.deepEqual(messages[0].content, { type: "text", text: "Say hello" });
  });
});

Deno.test("a synchronous tool from a module runs in the worker pool; an async one in the server's isolate", async () => {
  const files = {
    "where.ts": HEADER + `
      const place = () => typeof WorkerGlobalScope === "function" && self instanceof WorkerGlobalScope
        ? "worker" : "main";
      export const sync = tool("where_sync", () => place());
      export const later = tool("where_async", async () => place());`,
  };
  await serving(files, { rootAs: (path) => new URL(`file://${path}`) }, async ({ mcp }) => {
    await using client = new Client(mcp);
    assert.deepEqual(await client.callTool("where_sync"), [{ type: "text", text: "worker" }]);
    assert.deepEqual(await client.callTool("where_async"), [{ type: "text", text: "main" }]);
    assert.equal(mcp.stats().pool.idle, 1);
  });
});

Deno.test("under a namespace, a module's synchronous tool still runs in the worker pool; pattern chooses the modules", async () => {
  const files = {
    "shout.ts": HEADER + `export const shout = tool("shout", ({ text }) => text.toUpperCase() + "!");`,
    "skipped.ts": `throw new Error("not matched by the pattern");`,
  };
  await serving(files, { pattern: /^shout\.ts$/, namespace: "loud" }, async ({ mcp }) => {
    await using client = new Client(mcp);
    assert.deepEqual(names(await client.listTools()), ["loud_shout"]);
    assert.deepEqual(await client.callTool("loud_shout", { text: "hi" }), [{ type: "text", text: "HI!" }]);
    assert.equal(mcp.stats().pool.idle, 1);
  });
});

Deno.test("a synchronous tool whose module was edited after loading runs the version the server loaded, not the file's", async () => {
  const files = { "which.ts": HEADER + `export const which = tool("which", () => "loaded");` };
  await serving(files, {}, async ({ mcp, root }) => {
    await mcp.start();
    // The pool starts lazily: its worker would import the file only now, edited.
    await write(root, { "which.ts": HEADER + `export const which = tool("which", () => "edited");` });
    await using client = new Client(mcp);
    assert.deepEqual(await client.callTool("which"), [{ type: "text", text: "loaded" }]);
  });
});

Deno.test("a module that cannot be imported stops start-up with an error naming the file", async () => {
  await startFails({
    "good.ts": HEADER + `export const ok = tool("ok", async () => "ok");`,
    "sub/broken.ts": `export const x = ;`,
  }, /cannot start a provider: cannot load .*sub\/broken\.ts: /);
});

Deno.test("two modules defining one tool name stop start-up naming both", async () => {
  await startFails({
    "a.ts": HEADER + `export const one = tool("same", async () => "a");`,
    "b.ts": HEADER + `export const two = tool("same", async () => "b");`,
  }, /\/b\.ts defines tool 'same', which \/.*\/a\.ts defines too/);
});

Deno.test("only standalone definitions count: a component a server made is not served from a module", async () => {
  const files = {
    "mixed.ts": HEADER + `import { FastMCP } from "${MOD}";
      const other = new FastMCP({ name: "other-${crypto.randomUUID()}" });
      export const owned = other.tool("owned", async () => "owned");
      export const free = tool("free", async () => "free");`,
  };
  await serving(files, {}, async ({ mcp }) => {
    await using client = new Client(mcp);
    assert.deepEqual(names(await client.listTools()), ["free"]);
  });
});

Deno.test("reload() picks up added, edited and removed modules; a module that fails keeps its previous definitions", async () => {
  const errors: string[] = [];
  const files = { "a.ts": HEADER + `export const a = tool("a", async () => "a1");` };
  // No watch here: each step reloads once, when the test says.
  await serving(files, { onReloadError: (e) => errors.push(e.message) }, async ({ mcp, provider, root }) => {
    const changes: string[] = [];
    provider.subscribe((kind) => changes.push(kind));
    await using client = new Client(mcp);
    assert.deepEqual(names(await client.listTools()), ["a"]);
    changes.length = 0; // what start-up announced

    await write(root, {
      "a.ts": HEADER + `export const a = tool("a", async () => "a2");`,
      "b.ts": HEADER + `export const b = prompt("b", () => "b");`,
    });
    await provider.reload();
    assert.deepEqual(await client.callTool("a"), [{ type: "text", text: "a2" }]);
    assert.deepEqual(names(await client.listPrompts()), ["b"]);
    assert.deepEqual(changes.sort(), ["prompts", "tools"]);

    await write(root, { "a.ts": `export const a = ;` });
    await provider.reload();
    assert.equal(errors.length, 1);
    assert.match(errors[0], /cannot load .*a\.ts: /);
    assert.deepEqual(await client.callTool("a"), [{ type: "text", text: "a2" }]);

    await Deno.remove(`${root}/b.ts`);
    await write(root, { "a.ts": HEADER + `export const a = tool("a", async () => "a3");` });
    await provider.reload();
    assert.deepEqual(await client.callTool("a"), [{ type: "text", text: "a3" }]);
    assert.deepEqual(await client.listPrompts(), []);
    assert.equal(errors.length, 1);
  });
});

/** Polls until `check` holds, for at most five seconds. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!await check()) {
    assert.ok(Date.now() < deadline, `${what} did not happen within five seconds`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("reload: true watches the folder: a module added appears and a module removed disappears", async () => {
  const files = { "old.ts": HEADER + `export const old = tool("old", async () => "old");` };
  await serving(files, { reload: true, reloadDelayMs: 20 }, async ({ mcp, root }) => {
    await using client = new Client(mcp);
    assert.deepEqual(names(await client.listTools()), ["old"]);
    await write(root, {
      "sub/fresh.ts": HEADER + `export const fresh = tool("fresh", async () => "fresh");`,
    });
    await Deno.remove(`${root}/old.ts`);
    await eventually(async () => names(await client.listTools()).join() === "fresh", "the swap");
    assert.deepEqual(await client.callTool("fresh"), [{ type: "text", text: "fresh" }]);
  });
});

/** Version `v` of the edited module: three tools whose descriptions and answers all say `v`. */
function versioned(v: number): string {
  return HEADER + `
    export default [
      tool("alpha", { description: "v${v}" }, () => "alpha v${v}"),
      tool("beta", { description: "v${v}" }, async () => "beta v${v}"),
      tool("gen_${v}", { description: "v${v}" }, async () => "gen"),
    ];`;
}

Deno.test("reload: a module edited while requests run is picked up, and no request sees it half loaded", async () => {
  const files = {
    "stable.ts": HEADER + `export const stable = tool("stable", async () => "stable");`,
    "edited.ts": versioned(1),
  };
  await serving(files, { reload: true, reloadDelayMs: 20 }, async ({ mcp, root }) => {
    const rpc = async (method: string, params: Record<string, unknown> = {}) => {
      const answer = await readAnswer(await mcp.fetch(modernRequest(method, params)));
      assert.ok(answer.result, `${method} failed: ${JSON.stringify(answer.error)}`);
      return answer.result as Record<string, unknown>;
    };
    const text = (result: Record<string, unknown>) => (result.content as { text: string }[])[0].text;
    const LAST = 10; // versions 2 to LAST are written while the clients run
    const listed = new Set<number>();
    let writing = true;
    let requests = 0;

    /** One client: list, then call; a call answers from the listed version or a later one. */
    const hammer = async () => {
      let seen = 1;
      while (writing) {
        // Calls answered inline resolve without a macrotask: yield, so that the watch and the edits run.
        await new Promise((r) => setTimeout(r, 0));
        const tools = (await rpc("tools/list")).tools as { name: string; description?: string }[];
        const edited = tools.filter((t) => t.name !== "stable");
        const version = Number(edited.find((t) => t.name === "alpha")?.description?.slice(1));
        assert.deepEqual(
          edited.map((t) => `${t.name} ${t.description}`).sort(),
          [`alpha v${version}`, `beta v${version}`, `gen_${version} v${version}`],
        );
        assert.ok(tools.some((t) => t.name === "stable"));
        assert.ok(version >= seen, `a listing of v${version} came after an answer from v${seen}`);
        seen = version;
        listed.add(version);
        for (const name of ["alpha", "beta"]) {
          const answer = text(await rpc("tools/call", { name, arguments: {} }));
          const called = Number(/^\w+ v(\d+)$/.exec(answer)?.[1]);
          assert.ok(called >= seen, `${name} answered '${answer}' after an answer from v${seen}`);
          seen = called;
        }
        requests += 3;
      }
    };

    await mcp.start();
    const clients = Array.from({ length: 4 }, hammer);
    // A client that fails stops the edits; its error is the one Promise.all reports below.
    for (const client of clients) client.catch(() => (writing = false));
    try {
      for (let v = 2; v <= LAST && writing; v++) {
        await replace(root, "edited.ts", versioned(v));
        const deadline = Date.now() + 5_000;
        while (writing && !listed.has(v) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    } finally {
      writing = false;
    }
    await Promise.all(clients);
    assert.deepEqual([...listed].filter((v) => v > 1).sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(requests >= 30, `only ${requests} requests ran`);
  });
});

Deno.test("a standalone tool is the component mcp.tool() makes, with the same options", () => {
  const add = tool("add", { description: "Adds", version: "2" }, async () => 3);
  assert.equal(add.name, "add");
  assert.equal(add.version, "2");
  assert.equal(add.listing.description, "Adds");
  assert.equal(add.runsInThread, false);
});
