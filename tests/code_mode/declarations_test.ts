/**
 * TypeScript declarations from tool schemas, compared with the text a model reads, and checked
 * by compiling them with a call that matches and one that does not.
 *
 * @module
 */

import assert from "node:assert/strict";
import { toolDeclarations } from "../../server/code_mode/declarations.ts";
import type { Tool } from "../../protocol/types.ts";

Deno.test("scalars, optional and quoted keys, enums, nullable unions, tuples and maps", () => {
  const tool: Tool = {
    name: "create-ticket",
    description: "Open a ticket. Ends a comment: */",
    inputSchema: {
      type: "object",
      properties: {
        title: { type: "string", description: "Short title" },
        priority: { enum: ["low", "high"] },
        kind: { const: "bug" },
        "due-date": { type: ["string", "null"] },
        assignee: { anyOf: [{ type: "integer" }, { type: "null" }] },
        point: { type: "array", prefixItems: [{ type: "number" }, { type: "number" }] },
        labels: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
        extra: { type: "object", additionalProperties: { type: "boolean" } },
        anything: {},
      },
      required: ["title", "priority"],
    },
  };
  assert.equal(
    toolDeclarations([tool]),
    `/** Open a ticket. Ends a comment: *\\/ */
declare function callTool(name: "create-ticket", args: {
  /** Short title */
  title: string;
  priority: "low" | "high";
  kind?: "bug";
  "due-date"?: string | null;
  assignee?: number | null;
  point?: [number, number];
  labels?: (string | number)[];
  extra?: {
    [key: string]: boolean;
  };
  anything?: unknown;
}): Promise<unknown>;
`,
  );
});

Deno.test("recursive $defs become aliases named after the tool; a wrapped result is unwrapped", () => {
  const tool: Tool = {
    name: "tree_size",
    inputSchema: {
      type: "object",
      properties: { root: { $ref: "#/$defs/Node" }, remote: { $ref: "https://example.com/x.json" } },
      required: ["root"],
      $defs: {
        Node: {
          type: "object",
          properties: {
            value: { type: "number" },
            children: { type: "array", items: { $ref: "#/$defs/Node" } },
          },
          required: ["value"],
        },
      },
    },
    outputSchema: {
      type: "object",
      properties: { result: { type: "integer" } },
      required: ["result"],
      "x-fastmcp-wrap-result": true,
    },
  };
  assert.equal(
    toolDeclarations([tool]),
    `type TreeSize_Node = {
  value: number;
  children?: TreeSize_Node[];
};
declare function callTool(name: "tree_size", args: {
  root: TreeSize_Node;
  remote?: unknown;
}): Promise<number>;
`,
  );
});

Deno.test("the declarations compile: a matching call type-checks and a wrong one does not", async () => {
  const tools: Tool[] = [{
    name: "add",
    inputSchema: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    },
    outputSchema: {
      type: "object",
      properties: { result: { type: "number" } },
      required: ["result"],
      "x-fastmcp-wrap-result": true,
    },
  }, {
    name: "greet",
    inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
  }];
  const dir = await Deno.makeTempDir();
  try {
    const check = async (body: string) => {
      const file = `${dir}/check.ts`;
      await Deno.writeTextFile(file, `${toolDeclarations(tools)}\nexport async function f() {\n${body}\n}\n`);
      const { code } = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--quiet", "--no-config", file],
        stdout: "null",
        stderr: "null",
      }).output();
      return code;
    };
    assert.equal(
      await check(
        `const n: number = await callTool("add", { a: 1, b: 2 }); await callTool("greet", { name: "x" }); return n;`,
      ),
      0,
    );
    assert.notEqual(await check(`await callTool("add", { a: "1", b: 2 });`), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
