/**
 * Turns the code a model wrote into the module a sandbox runs: the code becomes the body of an
 * async function, so a top-level `return` gives the result, and a last statement that is an
 * expression is returned as well (what a REPL shows). The code is parsed here, with
 * `@babel/parser` (loaded at the first execution), for two reasons: that last-expression rule
 * needs to know where statements are, and a syntax error is best told with its own line and
 * column before a process is started. The sandbox's own TypeScript compiler does the rest.
 *
 * @module
 */

import { toBase64 } from "../components/content.ts";
import { ToolError } from "../errors.ts";

/**
 * The function the code becomes the body of, on the code's first line so that line numbers in
 * errors are the code's own.
 */
export const MODULE_PREFIX = "export default async function execute() {";

type Parse = typeof import("@babel/parser").parse;
let parser: Promise<Parse> | undefined;

/** The parser, loaded once and only by servers that run code. */
function loadParser(): Promise<Parse> {
  return parser ??= import("@babel/parser").then((m) => m.parse);
}

/** A syntax error in the code, where the parser saw it. */
interface BabelSyntaxError {
  reasonCode?: string;
  message: string;
  loc?: { line: number; column: number };
}

/**
 * The module for `code`, base64-encoded for a `data:` URL. Throws a {@link ToolError} naming the
 * problem when the code is over `maxCodeBytes`, does not parse, or declares imports or exports.
 */
export async function moduleSource(code: string, maxCodeBytes: number | null): Promise<string> {
  const bytes = new TextEncoder().encode(code).length;
  if (maxCodeBytes !== null && bytes > maxCodeBytes) {
    throw new ToolError(`the code is ${bytes} bytes, over the limit of ${maxCodeBytes} (maxCodeBytes)`);
  }
  const parse = await loadParser();
  let body;
  try {
    body = parse(code, {
      sourceType: "module",
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      plugins: ["typescript"],
    }).program.body;
  } catch (error) {
    const { message, loc } = error as BabelSyntaxError;
    if (error instanceof RangeError) throw new ToolError("the code is nested too deeply to parse");
    const text = message.replace(/\s*\(\d+:\d+\)$/, "");
    throw new ToolError(`SyntaxError: ${text}${loc ? ` (line ${loc.line}, column ${loc.column + 1})` : ""}`);
  }
  const declared = body.find((s) => s.type === "ImportDeclaration" || s.type.startsWith("Export"));
  if (declared) {
    throw new ToolError(
      `${declared.type === "ImportDeclaration" ? "import" : "export"} declarations are not available ` +
        `(line ${declared.loc!.start.line}): only callTool(name, args) and console are in scope`,
    );
  }
  let source = code;
  const last = body.at(-1);
  if (last?.type === "ExpressionStatement") {
    // The statement's own text (its parentheses included), without the semicolon that may end it.
    const expression = code.slice(last.start!, last.end!).replace(/;$/, "");
    source = `${code.slice(0, last.start!)}return (${expression});${code.slice(last.end!)}`;
  }
  // The newline ends a line comment the code may finish with.
  return toBase64(new TextEncoder().encode(`${MODULE_PREFIX}${source}\n}`));
}
