/**
 * Token stores: memory, a private file, and Deno KV keep OAuth state per server.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  FileTokenStore,
  KvTokenStore,
  MemoryTokenStore,
  type StoredAuth,
  type TokenStore,
} from "../../client.ts";

const SERVER = "https://example.com/mcp";
const STATE: StoredAuth = {
  tokens: { "https://auth.example.com": { access_token: "at", token_type: "Bearer" } },
  clients: { "https://auth.example.com": { client_id: "abc" } },
  lastIssuer: "https://auth.example.com",
};

async function roundTrip(store: TokenStore): Promise<void> {
  assert.equal(await store.get(SERVER), undefined);
  await store.set(SERVER, STATE);
  assert.deepEqual(await store.get(SERVER), STATE);
  await store.set("https://other.example/mcp", { lastIssuer: "x" });
  await store.delete(SERVER);
  assert.equal(await store.get(SERVER), undefined);
  assert.deepEqual(await store.get("https://other.example/mcp"), { lastIssuer: "x" });
}

Deno.test("MemoryTokenStore keeps state per server and hands out copies", async () => {
  const store = new MemoryTokenStore();
  await roundTrip(store);
  await store.set(SERVER, STATE);
  const copy = await store.get(SERVER);
  copy!.lastIssuer = "changed";
  assert.equal((await store.get(SERVER))?.lastIssuer, STATE.lastIssuer);
});

Deno.test("FileTokenStore writes a file only its owner can read, in a private folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new FileTokenStore(`${dir}/denomcp/oauth.json`);
    await roundTrip(store);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(store.path)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(`${dir}/denomcp`)).mode! & 0o777, 0o700);
    }
    assert.deepEqual([...Deno.readDirSync(`${dir}/denomcp`)].map((e) => e.name), ["oauth.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs `fn` with the given environment variables set (`undefined`: removed), then restores them. */
function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.keys(vars).map((name) => [name, Deno.env.get(name)] as const);
  const apply = (name: string, value: string | undefined) =>
    value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
  try {
    for (const [name, value] of Object.entries(vars)) apply(name, value);
    fn();
  } finally {
    for (const [name, value] of saved) apply(name, value);
  }
}

Deno.test("FileTokenStore defaults to denomcp/oauth.json under the user's config dir", () => {
  // The rules of userConfigDir: %APPDATA% on Windows, else $XDG_CONFIG_HOME, else
  // ~/Library/Application Support on macOS and ~/.config elsewhere (Linux included).
  const os = Deno.build.os;
  const appData = "C:\\Users\\t\\AppData\\Roaming";
  withEnv({ APPDATA: appData, XDG_CONFIG_HOME: "/tmp/xdg-test", HOME: "/tmp/home-test" }, () => {
    const expected = os === "windows" ? `${appData}/denomcp/oauth.json` : "/tmp/xdg-test/denomcp/oauth.json";
    assert.equal(new FileTokenStore().path, expected, "XDG_CONFIG_HOME wins over HOME");
  });
  withEnv(
    { APPDATA: undefined, XDG_CONFIG_HOME: undefined, HOME: "/tmp/home-test", USERPROFILE: undefined },
    () => {
      const expected = os === "darwin"
        ? "/tmp/home-test/Library/Application Support/denomcp/oauth.json"
        : "/tmp/home-test/.config/denomcp/oauth.json";
      assert.equal(new FileTokenStore().path, expected, "without XDG_CONFIG_HOME, under HOME");
    },
  );
  withEnv({ APPDATA: undefined, XDG_CONFIG_HOME: undefined, HOME: undefined, USERPROFILE: undefined }, () => {
    assert.throws(() => new FileTokenStore().path, /HOME is not set/);
  });
});

Deno.test("KvTokenStore keeps state in Deno KV and closes what it opened", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = new KvTokenStore(`${dir}/oauth.kv`);
    await roundTrip(store);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvTokenStore leaves a given Deno.Kv open", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvTokenStore(kv);
    await roundTrip(store);
    await store.close();
    assert.equal((await kv.get(["x"])).value, null);
  } finally {
    kv.close();
  }
});
