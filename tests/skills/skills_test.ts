/**
 * Skills (SEP-2640) end to end: a folder of skills served on both eras and read by our client
 * with sizes and digests verified; broken skills stop start-up naming the file and the problem;
 * paths that try to leave a skill are refused; component auth hides a skill; mounts namespace
 * skills; the client refuses content that does not match its entry.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, McpError, type SkillEntry, SkillVerificationError } from "../../client.ts";
import {
  createProxy,
  FastMCP,
  requireScopes,
  Skill,
  SkillCatalogProvider,
  SkillError,
  SkillsDirectoryProvider,
  StaticTokenVerifier,
} from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

const PDF_SKILL = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\n" +
  'license: MIT\nmetadata:\n  version: "2.1"\n---\n\n# PDF\n\nSee references/FORMS.md.\n';

/** A skills folder: pdf-processing (with a reference and a binary asset) and acme/billing/refunds. */
async function skillsFolder(): Promise<string> {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/pdf-processing/references`, { recursive: true });
  await Deno.mkdir(`${root}/acme/billing/refunds`, { recursive: true });
  await Deno.writeTextFile(`${root}/pdf-processing/SKILL.md`, PDF_SKILL);
  await Deno.writeTextFile(`${root}/pdf-processing/references/FORMS.md`, "# Forms\n\nname, date\n");
  await Deno.writeFile(`${root}/pdf-processing/logo.bin`, new Uint8Array([0, 159, 146, 150, 255]));
  await Deno.writeTextFile(
    `${root}/acme/billing/refunds/SKILL.md`,
    "---\nname: refunds\ndescription: Process refund requests per policy\n---\nBe kind.\n",
  );
  return root;
}

/** The Deno cache folder this test runs with. */
async function denoDir(): Promise<string> {
  const { stdout } = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  return JSON.parse(new TextDecoder().decode(stdout)).denoDir;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

for (const [era, negotiation] of [["2025", "legacy"], ["2026", "auto"]] as const) {
  Deno.test(`a skills folder is served on ${era} and read by the client with digests verified`, async () => {
    const root = await skillsFolder();
    const mcp = new FastMCP({ name: "skills", logger: () => {} });
    mcp.addProvider(new SkillsDirectoryProvider({ root }));
    try {
      await using client = new Client(mcp, { negotiation });
      await client.connect();
      assert.deepEqual(client.serverCapabilities?.extensions?.["io.modelcontextprotocol/skills"], {
        directoryRead: true,
      });
      const skills = await client.listSkills();
      assert.deepEqual(skills.map((s) => s.uri), [
        "skill://acme/billing/refunds/SKILL.md",
        "skill://pdf-processing/SKILL.md",
      ]);
      const pdf = skills[1];
      assert.deepEqual(pdf.frontmatter, {
        name: "pdf-processing",
        description: "Extract, fill, and assemble PDF documents",
        license: "MIT",
        metadata: { version: "2.1" },
      });
      const bytes = new TextEncoder().encode(PDF_SKILL);
      assert.deepEqual((pdf.resources as { uri: string }[])[0], {
        uri: "skill://pdf-processing/SKILL.md",
        digest: await sha256(bytes),
        size: bytes.length,
      });
      assert.deepEqual((pdf.resources as { uri: string }[]).map((r) => r.uri), [
        "skill://pdf-processing/SKILL.md",
        "skill://pdf-processing/logo.bin",
        "skill://pdf-processing/references/FORMS.md",
      ]);
      assert.equal((await client.readSkill(pdf)).text, PDF_SKILL);
      assert.equal((await client.readSkill(pdf, "references/FORMS.md")).text, "# Forms\n\nname, date\n");
      assert.deepEqual([...(await client.readSkill(pdf, "logo.bin")).bytes], [0, 159, 146, 150, 255]);
      assert.deepEqual(await client.getSkill(pdf.uri), pdf);
      const listed = await client.listResources();
      const main = listed.find((r) => r.uri === pdf.uri)!;
      assert.equal(main.mimeType, "text/markdown");
      assert.equal(main.name, "pdf-processing");
      assert.equal(main.description, "Extract, fill, and assemble PDF documents");
    } finally {
      await mcp.close();
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("resources/directory/read lists direct children, subfolders as directories; a file is -32602", async () => {
  const root = await skillsFolder();
  const mcp = new FastMCP({ name: "skills", logger: () => {} });
  mcp.addProvider(new SkillsDirectoryProvider({ root }));
  try {
    const read = async (uri: string) =>
      await readAnswer(await mcp.fetch(modernRequest("resources/directory/read", { uri })));
    const { result } = await read("skill://pdf-processing");
    assert.deepEqual(
      (result!.resources as { uri: string; mimeType?: string }[]).map((r) => [r.uri, r.mimeType]),
      [
        ["skill://pdf-processing/SKILL.md", "text/markdown"],
        ["skill://pdf-processing/logo.bin", "application/octet-stream"],
        ["skill://pdf-processing/references", "inode/directory"],
      ],
    );
    for (const uri of ["skill://pdf-processing/SKILL.md", "skill://nothing", "skill://pdf-processing/"]) {
      const { error } = await read(uri);
      assert.equal(error?.code, -32602, uri);
      assert.match(error!.message, /is not a directory resource/);
    }
  } finally {
    await mcp.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a broken skill stops start-up with the file and the problem", async () => {
  const cases: [string, string, RegExp][] = [
    ["no-frontmatter", "# just text\n", /no-frontmatter\/SKILL\.md: it must begin with YAML frontmatter/],
    ["bad-yaml", "---\nname: [unclosed\n---\n", /bad-yaml\/SKILL\.md: the frontmatter is not valid YAML/],
    [
      "bad-name",
      "---\nname: Bad_Name\ndescription: x\n---\n",
      /bad-name\/SKILL\.md: name "Bad_Name" must be/,
    ],
    ["no-description", "---\nname: no-description\n---\n", /no-description\/SKILL\.md: description must be/],
    [
      "other-name",
      "---\nname: renamed\ndescription: x\n---\n",
      /SKILL\.md names the skill 'renamed', not 'other-name'/,
    ],
  ];
  for (const [folder, text, expected] of cases) {
    const root = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${root}/${folder}`);
      await Deno.writeTextFile(`${root}/${folder}/SKILL.md`, text);
      assert.throws(() => new SkillsDirectoryProvider({ root }), (e: Error) => {
        assert.ok(e instanceof SkillError, String(e));
        assert.match(e.message, expected);
        return true;
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
  assert.throws(
    () => new SkillsDirectoryProvider({ root: "/no/such/folder" }),
    /skills root \/no\/such\/folder is not a folder/,
  );
});

Deno.test("a skill server whose skill is broken exits at start-up naming it, before serving", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/broken`);
    await Deno.writeTextFile(`${root}/broken/SKILL.md`, "---\nname: broken\n---\n");
    const server = new URL("./fixtures/skills_server.ts", import.meta.url).pathname;
    const { code, stderr, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-net=127.0.0.1", server, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.notEqual(code, 0);
    assert.match(
      new TextDecoder().decode(stderr),
      /SkillError: .*broken\/SKILL\.md: description must be a non-empty string/,
    );
    assert.doesNotMatch(new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr), /serving MCP/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("paths that try to leave a skill are refused: dot segments, symlinks out, files swapped after start", async () => {
  const root = await skillsFolder();
  const outside = await Deno.makeTempFile();
  await Deno.writeTextFile(outside, "secret");
  const mcp = new FastMCP({ name: "skills", logger: () => {} });
  mcp.addProvider(new SkillsDirectoryProvider({ root }));
  try {
    for (
      const uri of [
        "skill://pdf-processing/../acme/billing/refunds/SKILL.md",
        "skill://pdf-processing/%2e%2e/x",
      ]
    ) {
      const { error } = await readAnswer(await mcp.fetch(modernRequest("resources/read", { uri })));
      assert.equal(error?.code, -32602, uri);
      const get = await readAnswer(await mcp.fetch(modernRequest("skills/get", { uri })));
      assert.equal(get.error?.code, -32602, uri);
    }
    // A symlink that leads out of the skill is refused when the skill is read.
    await Deno.symlink(outside, `${root}/pdf-processing/references/leak.md`);
    assert.throws(
      () => new SkillsDirectoryProvider({ root }),
      /references\/leak\.md leads outside the folder/,
    );
    await Deno.remove(`${root}/pdf-processing/references/leak.md`);
    // A link back into the skill would make reading it endless.
    await Deno.symlink(`${root}/pdf-processing`, `${root}/pdf-processing/references/loop`);
    assert.throws(
      () => new SkillsDirectoryProvider({ root }),
      /references\/loop leads back to a folder of the skill/,
    );
    await Deno.remove(`${root}/pdf-processing/references/loop`);
    // A file replaced after start-up by a link out is refused when served.
    await Deno.remove(`${root}/pdf-processing/references/FORMS.md`);
    await Deno.symlink(outside, `${root}/pdf-processing/references/FORMS.md`);
    const swapped = await readAnswer(
      await mcp.fetch(modernRequest("resources/read", { uri: "skill://pdf-processing/references/FORMS.md" })),
    );
    assert.ok(swapped.error, "a swapped file was served");
    assert.doesNotMatch(JSON.stringify(swapped), /secret/);
  } finally {
    await mcp.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside);
  }
});

Deno.test("a file changed on disk after start-up is not served under its old digest", async () => {
  const root = await skillsFolder();
  const mcp = new FastMCP({ name: "skills", logger: () => {} });
  mcp.addProvider(new SkillsDirectoryProvider({ root }));
  try {
    await Deno.writeTextFile(`${root}/pdf-processing/references/FORMS.md`, "tampered");
    const { error } = await readAnswer(
      await mcp.fetch(modernRequest("resources/read", { uri: "skill://pdf-processing/references/FORMS.md" })),
    );
    assert.ok(error);
  } finally {
    await mcp.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("component auth hides a skill from skills/list and skills/get, and refuses its files", async () => {
  const mcp = new FastMCP({
    name: "guarded",
    logger: () => {},
    auth: new StaticTokenVerifier({
      tokens: {
        reader: { subject: "rita", scopes: ["skills:read"] },
        admin: { subject: "ada", scopes: ["skills:read", "skills:admin"] },
      },
    }),
  });
  mcp.addProvider(
    new SkillCatalogProvider([
      Skill.fromFiles({ "SKILL.md": "---\nname: open-notes\ndescription: Notes anyone may read\n---\n" }),
    ]),
  );
  mcp.addProvider(
    new SkillCatalogProvider([
      Skill.fromFiles({
        "SKILL.md": "---\nname: payroll\ndescription: Run payroll\n---\n",
        "rates.md": "42",
      }),
    ], { auth: requireScopes("skills:admin") }),
  );
  const as = (token: string, method: string, params: Record<string, unknown> = {}) =>
    mcp.fetch(modernRequest(method, params, 1, { authorization: `Bearer ${token}` }));
  try {
    const names = async (token: string) =>
      ((await readAnswer(await as(token, "skills/list"))).result!.skills as SkillEntry[]).map((s) =>
        s.frontmatter.name
      );
    assert.deepEqual(await names("reader"), ["open-notes"]);
    assert.deepEqual((await names("admin")).sort(), ["open-notes", "payroll"]);
    const get = await readAnswer(await as("reader", "skills/get", { uri: "skill://payroll/SKILL.md" }));
    assert.equal(get.error?.code, -32602);
    const read = await as("reader", "resources/read", { uri: "skill://payroll/rates.md" });
    assert.equal(read.status, 403);
    await read.body?.cancel();
    const dir = await readAnswer(await as("reader", "resources/directory/read", { uri: "skill://payroll" }));
    assert.equal(dir.error?.code, -32602);
  } finally {
    await mcp.close();
  }
});

Deno.test("a mounted server's skills are served under its namespace and verify through the parent", async () => {
  const child = new FastMCP({ name: "docs", logger: () => {} });
  child.addProvider(
    new SkillCatalogProvider([
      Skill.fromFiles({
        "SKILL.md": "---\nname: style\ndescription: House style\n---\nShort words.",
        "a/b.md": "b",
      }),
    ]),
  );
  const parent = new FastMCP({ name: "hub", logger: () => {} });
  parent.mount(child, { namespace: "docs" });
  try {
    await using client = new Client(parent);
    const [skill] = await client.listSkills();
    assert.equal(skill.uri, "skill://docs/style/SKILL.md");
    assert.deepEqual((skill.resources as { uri: string }[]).map((r) => r.uri), [
      "skill://docs/style/SKILL.md",
      "skill://docs/style/a/b.md",
    ]);
    assert.equal(
      (await client.readSkill(skill)).text,
      "---\nname: style\ndescription: House style\n---\nShort words.",
    );
    assert.equal((await client.readSkill(skill, "a/b.md")).text, "b");
  } finally {
    await parent.close();
  }
});

Deno.test("the client refuses a file whose size, digest or frontmatter is not its entry's, and unlisted files", async () => {
  const mcp = new FastMCP({ name: "skills", logger: () => {} });
  mcp.addProvider(
    new SkillCatalogProvider([
      Skill.fromFiles({ "SKILL.md": "---\nname: tidy\ndescription: Keep things tidy\n---\n", "x.md": "x" }),
    ]),
  );
  try {
    await using client = new Client(mcp);
    const [entry] = await client.listSkills();
    const files = entry.resources as { uri: string; digest: string; size: number }[];
    const refused = async (changed: SkillEntry, path: string, message: RegExp) => {
      await assert.rejects(client.readSkill(changed, path), (e: Error) => {
        assert.ok(e instanceof SkillVerificationError, String(e));
        assert.match(e.message, message);
        return true;
      });
    };
    await refused(
      { ...entry, resources: [{ ...files[0], size: files[0].size + 1 }, files[1]] },
      "SKILL.md",
      /bytes, the entry says/,
    );
    await refused(
      { ...entry, resources: [files[0], { ...files[1], digest: `sha256:${"0".repeat(64)}` }] },
      "x.md",
      /its digest is not the entry's/,
    );
    await refused(
      { ...entry, frontmatter: { ...entry.frontmatter, description: "Other" } },
      "SKILL.md",
      /frontmatter differs/,
    );
    await refused({ ...entry, resources: [files[0]] }, "x.md", /is not a file of the skill/);
    await assert.rejects(
      client.getSkill("skill://nope/SKILL.md"),
      (e: Error) => e instanceof McpError && e.rpcCode === -32602,
    );
  } finally {
    await mcp.close();
  }
});

Deno.test("skills made in memory: files outside the skill, a missing SKILL.md and the size limits are refused", () => {
  assert.throws(
    () => Skill.fromFiles({ "SKILL.md": "---\nname: a\ndescription: b\n---\n", "../x": "" }),
    /'\.\.\/x' is not a plain relative path/,
  );
  assert.throws(() => Skill.fromFiles({ "README.md": "" }), /there is no SKILL\.md/);
  const many: Record<string, string> = { "SKILL.md": "---\nname: a\ndescription: b\n---\n" };
  for (let i = 0; i < 512; i++) many[`f${i}.txt`] = "";
  assert.throws(() => Skill.fromFiles(many), /more than 512 files/);
  assert.throws(
    () =>
      Skill.fromFiles({
        "SKILL.md": "---\nname: a\ndescription: b\n---\n",
        "big.bin": new Uint8Array(16 * 1024 * 1024),
      }),
    /bytes in all, over the 16777216/,
  );
});

Deno.test("vendor folders: the agent's skills are served, a missing folder is skipped", async () => {
  const home = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${home}/.claude/skills/commit`, { recursive: true });
    await Deno.writeTextFile(
      `${home}/.claude/skills/commit/SKILL.md`,
      "---\nname: commit\ndescription: Write commits\n---\n",
    );
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env=HOME,USERPROFILE",
        new URL("./fixtures/vendor_skills.ts", import.meta.url).pathname,
      ],
      // Another HOME must not mean another Deno cache (and a download of every package).
      env: { HOME: home, DENO_DIR: await denoDir() },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      claude: ["skill://commit/SKILL.md"],
      cursor: [],
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a proxy passes its upstream's skills through, verified end to end", async () => {
  const upstream = new FastMCP({ name: "upstream", logger: () => {} });
  upstream.addProvider(
    new SkillCatalogProvider([
      Skill.fromFiles({
        "SKILL.md": "---\nname: deploy\ndescription: Ship it\n---\nSteps.",
        "notes/one.md": "1",
      }),
    ]),
  );
  const http = upstream.serve({ hostname: "127.0.0.1", port: 0 });
  const proxy = createProxy(http.url, { name: "gateway" });
  try {
    await using client = new Client(proxy);
    const [skill] = await client.listSkills();
    assert.equal(skill.uri, "skill://deploy/SKILL.md");
    assert.deepEqual((skill.resources as { uri: string }[]).map((r) => r.uri), [
      "skill://deploy/SKILL.md",
      "skill://deploy/notes/one.md",
    ]);
    assert.equal(
      (await client.readSkill(skill)).text,
      "---\nname: deploy\ndescription: Ship it\n---\nSteps.",
    );
    assert.equal((await client.readSkill(skill, "notes/one.md")).text, "1");
    assert.deepEqual(await client.getSkill(skill.uri), skill);
  } finally {
    await proxy.close();
    await upstream.close();
  }
});
