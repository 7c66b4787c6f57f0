/**
 * Tool search by regular expression over each tool's name and description, case-insensitive.
 *
 * The pattern comes from a model, and JavaScript's backtracking engine can take exponential time
 * on some patterns (`(a+)+$`) and polynomial time on very common ones: measured here, `.*.*.*x`
 * against one 500-character description took 33 s, with the whole server waiting. So the pattern
 * is only checked for syntax by `RegExp`, and matched by the small Thompson-NFA simulation below,
 * whose time is linear in the text (at most text length × program length steps). It supports
 * what tool search needs (literals, `.`, classes, escapes, groups, alternation, every quantifier,
 * `^ $ \b \B`); backreferences and lookarounds, which no linear matcher can offer, are refused
 * with a tool error. Patterns are capped at 200 characters, their compiled program at 400
 * steps, the text searched at the first 1,000 characters of each tool's, and a whole search at
 * 5 million steps (measured: a quarter of a second for the costliest pattern over 500 tools; tens
 * of milliseconds for ordinary ones), past which it is a tool error asking for a simpler pattern.
 *
 * @module
 */

import type { Tool } from "../../protocol/types.ts";
import { ToolError } from "../errors.ts";
import { BaseSearchTransform, type SearchOptions } from "./search_common.ts";

const MAX_PATTERN = 200;
const MAX_PROGRAM = 400;
const MAX_TEXT = 1000;
const MAX_STEPS = 5_000_000;

type CharTest = (c: string) => boolean;
/** Tests a character of the lower-cased text (`c`), knowing its upper case (`u`): case is ignored. */
type CaseTest = (c: string, u: string) => boolean;
type Assertion = "start" | "end" | "word" | "nonword";

type Node =
  | { kind: "char"; test: CaseTest }
  | { kind: "assert"; at: Assertion }
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; options: Node[] }
  | { kind: "repeat"; node: Node; min: number; max: number };

type Step =
  | { op: "char"; test: CaseTest }
  | { op: "assert"; at: Assertion }
  | { op: "split"; a: number; b: number }
  | { op: "jump"; to: number }
  | { op: "match" };

const isDigit: CharTest = (c) => c >= "0" && c <= "9";
const isWord: CharTest = (c) => /\w/.test(c);
const isSpace: CharTest = (c) => /\s/.test(c);
const notLineEnd: CharTest = (c) => !"\n\r\u2028\u2029".includes(c);
const CLASS_ESCAPES: Record<string, CharTest> = {
  d: isDigit,
  D: (c) => !isDigit(c),
  w: isWord,
  W: (c) => !isWord(c),
  s: isSpace,
  S: (c) => !isSpace(c),
};
const CHAR_ESCAPES: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f", v: "\v", 0: "\0" };

function unsupported(what: string): ToolError {
  return new ToolError(`${what} cannot be used in a search pattern`);
}

/** Matches `char` in the lower-cased text. */
function literal(char: string): CaseTest {
  const lower = char.toLowerCase();
  return (c) => c === lower;
}

/** Parses a pattern `RegExp` has accepted (without the `u` flag) into a tree. */
class Parser {
  #at = 0;

  constructor(private readonly pattern: string) {}

  parse(): Node {
    return this.#alternation();
  }

  #alternation(): Node {
    const options = [this.#sequence()];
    while (this.pattern[this.#at] === "|") {
      this.#at++;
      options.push(this.#sequence());
    }
    return options.length === 1 ? options[0] : { kind: "alt", options };
  }

  #sequence(): Node {
    const items: Node[] = [];
    while (
      this.#at < this.pattern.length && this.pattern[this.#at] !== "|" && this.pattern[this.#at] !== ")"
    ) {
      const atom = this.#atom();
      const bounds = this.#quantifier();
      items.push(bounds ? { kind: "repeat", node: atom, ...bounds } : atom);
    }
    return { kind: "seq", items };
  }

  #quantifier(): { min: number; max: number } | undefined {
    const c = this.pattern[this.#at];
    let bounds: { min: number; max: number } | undefined;
    if (c === "*") bounds = { min: 0, max: Infinity };
    else if (c === "+") bounds = { min: 1, max: Infinity };
    else if (c === "?") bounds = { min: 0, max: 1 };
    if (bounds) this.#at++;
    else if (c === "{") {
      // Without a valid `{n}`, `{n,}` or `{n,m}`, a brace is a literal (Annex B).
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.#at));
      if (!m) return undefined;
      const min = Number(m[1]);
      bounds = { min, max: m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]) };
      this.#at += m[0].length;
    } else return undefined;
    if (this.pattern[this.#at] === "?") this.#at++; // lazy: the same language
    return bounds;
  }

  #atom(): Node {
    const c = this.pattern[this.#at++];
    switch (c) {
      case ".":
        return { kind: "char", test: notLineEnd };
      case "^":
        return { kind: "assert", at: "start" };
      case "$":
        return { kind: "assert", at: "end" };
      case "(":
        return this.#group();
      case "[":
        return { kind: "char", test: this.#class() };
      case "\\": {
        const e = this.pattern[this.#at];
        if (e === "b" || e === "B") {
          this.#at++;
          return { kind: "assert", at: e === "b" ? "word" : "nonword" };
        }
        return { kind: "char", test: this.#escape() };
      }
      default:
        return { kind: "char", test: literal(c) };
    }
  }

  #group(): Node {
    const rest = this.pattern.slice(this.#at);
    if (rest.startsWith("?:")) this.#at += 2;
    else if (/^\?<[^=!]/.test(rest)) this.#at = this.pattern.indexOf(">", this.#at) + 1;
    else if (rest.startsWith("?")) throw unsupported("a lookahead or lookbehind");
    const inner = this.#alternation();
    this.#at++; // `)`: RegExp has checked the groups are balanced
    return inner;
  }

  /** A class, after its `[`. */
  #class(): CaseTest {
    const negated = this.pattern[this.#at] === "^";
    if (negated) this.#at++;
    const tests: CharTest[] = [];
    while (this.pattern[this.#at] !== "]") {
      const low = this.#classAtom();
      if (
        typeof low === "string" && this.pattern[this.#at] === "-" && this.pattern[this.#at + 1] !== "]"
      ) {
        this.#at++;
        const high = this.#classAtom();
        if (typeof high === "string") {
          tests.push((x) => x >= low && x <= high);
          continue;
        }
        tests.push((x) => x === "-", high); // `[a-\d]`: a, a hyphen and digits (Annex B)
      } else if (typeof low !== "string") {
        tests.push(low);
        continue;
      }
      tests.push((x) => x === low);
    }
    this.#at++;
    const any = (x: string) => tests.some((t) => t(x));
    // Either case matching decides before negation: `[^a]` refuses `A` too.
    return negated ? (c, u) => !(any(c) || any(u)) : (c, u) => any(c) || any(u);
  }

  #classAtom(): string | CharTest {
    const c = this.pattern[this.#at++];
    if (c !== "\\") return c;
    if (this.pattern[this.#at] === "b") {
      this.#at++;
      return "\b";
    }
    const e = this.pattern[this.#at];
    if (Object.hasOwn(CLASS_ESCAPES, e)) {
      this.#at++;
      return CLASS_ESCAPES[e];
    }
    return this.#escapedChar();
  }

  /** An escape outside a class, after its backslash. */
  #escape(): CaseTest {
    const e = this.pattern[this.#at];
    if (Object.hasOwn(CLASS_ESCAPES, e)) {
      this.#at++;
      return CLASS_ESCAPES[e];
    }
    if (/[1-9k]/.test(e)) throw unsupported("a backreference");
    return literal(this.#escapedChar());
  }

  #escapedChar(): string {
    const e = this.pattern[this.#at++];
    if (Object.hasOwn(CHAR_ESCAPES, e)) return CHAR_ESCAPES[e];
    const hex = e === "x" ? 2 : e === "u" ? 4 : 0;
    const digits = this.pattern.slice(this.#at, this.#at + hex);
    if (hex && /^[0-9a-fA-F]+$/.test(digits) && digits.length === hex) {
      this.#at += hex;
      return String.fromCharCode(parseInt(digits, 16));
    }
    if (e === "c" && /[A-Za-z]/.test(this.pattern[this.#at] ?? "")) {
      return String.fromCharCode(this.pattern.charCodeAt(this.#at++) % 32);
    }
    return e; // an identity escape
  }
}

/** Compiles a tree into steps (Thompson's construction), refusing programs past the cap. */
function compile(node: Node, program: Step[] = []): Step[] {
  const emit = (step: Step) => {
    if (program.length >= MAX_PROGRAM) throw new ToolError("the search pattern is too complex; simplify it");
    program.push(step);
    return program.length - 1;
  };
  switch (node.kind) {
    case "char":
      emit({ op: "char", test: node.test });
      break;
    case "assert":
      emit({ op: "assert", at: node.at });
      break;
    case "seq":
      for (const item of node.items) compile(item, program);
      break;
    case "alt": {
      const ends: number[] = [];
      node.options.forEach((option, i) => {
        const last = i === node.options.length - 1;
        const split = last ? -1 : emit({ op: "split", a: program.length + 1, b: -1 });
        compile(option, program);
        if (!last) {
          ends.push(emit({ op: "jump", to: -1 }));
          (program[split] as { b: number }).b = program.length;
        }
      });
      for (const end of ends) (program[end] as { to: number }).to = program.length;
      break;
    }
    case "repeat": {
      for (let i = 0; i < node.min; i++) compile(node.node, program);
      if (node.max === Infinity) {
        const loop = emit({ op: "split", a: program.length + 1, b: -1 });
        compile(node.node, program);
        emit({ op: "jump", to: loop });
        (program[loop] as { b: number }).b = program.length;
        break;
      }
      const skips: number[] = [];
      for (let i = node.min; i < node.max; i++) {
        skips.push(emit({ op: "split", a: program.length + 1, b: -1 }));
        compile(node.node, program);
      }
      for (const skip of skips) (program[skip] as { b: number }).b = program.length;
      break;
    }
  }
  return program;
}

function holds(at: Assertion, text: string, pos: number): boolean {
  if (at === "start") return pos === 0;
  if (at === "end") return pos === text.length;
  const boundary = (pos > 0 && isWord(text[pos - 1])) !== (pos < text.length && isWord(text[pos]));
  return at === "word" ? boundary : !boundary;
}

/**
 * A compiled pattern that searches texts within a budget of steps shared by all of them: every
 * thread advances one character at a time and a program step is entered at most once per
 * position, so one text costs at most its length × the program's, and the budget bounds a whole
 * search.
 */
class LinearPattern {
  readonly #entered: Int32Array;
  #position = 0;
  #resumed: Int32Array;
  #waiting: Int32Array;
  readonly #stack: Int32Array;
  #stepsLeft = MAX_STEPS;

  constructor(private readonly program: readonly Step[]) {
    this.#entered = new Int32Array(program.length).fill(-1);
    this.#resumed = new Int32Array(program.length);
    this.#waiting = new Int32Array(program.length);
    this.#stack = new Int32Array(3 * program.length + 1);
  }

  /** Whether the pattern matches somewhere in `text`, case-insensitively. */
  test(text: string): boolean {
    const { program } = this;
    const entered = this.#entered, stack = this.#stack;
    const lower = text.toLowerCase();
    const upper = text.toUpperCase();
    // Where case mapping changes lengths (ß → SS), characters are upper-cased one at a time.
    const sameLength = upper.length === lower.length;
    let resumedCount = 0;
    for (let pos = 0;; pos++) {
      const mark = this.#position++;
      let top = 0;
      for (let i = 0; i < resumedCount; i++) stack[top++] = this.#resumed[i];
      stack[top++] = 0; // a new thread at each position: the match may start anywhere
      let waitingCount = 0;
      this.#spend(top);
      while (top > 0) {
        const pc = stack[--top];
        if (entered[pc] === mark) continue;
        entered[pc] = mark;
        const step = program[pc];
        if (step.op === "match") return true;
        this.#spend(1);
        if (step.op === "jump") stack[top++] = step.to;
        else if (step.op === "split") {
          stack[top++] = step.b;
          stack[top++] = step.a;
        } else if (step.op === "assert") {
          if (holds(step.at, lower, pos)) stack[top++] = pc + 1;
        } else this.#waiting[waitingCount++] = pc;
      }
      if (pos === lower.length) return false;
      const c = lower[pos], u = sameLength ? upper[pos] : c.toUpperCase();
      resumedCount = 0;
      for (let i = 0; i < waitingCount; i++) {
        const pc = this.#waiting[i];
        if ((program[pc] as { test: CaseTest }).test(c, u)) this.#resumed[resumedCount++] = pc + 1;
      }
    }
  }

  #spend(steps: number): void {
    this.#stepsLeft -= steps;
    if (this.#stepsLeft < 0) {
      throw new ToolError("the search pattern takes too long to match; make it simpler or more specific");
    }
  }
}

/** Compiles a model's pattern; a pattern that cannot be used is a tool error saying why. */
function compilePattern(pattern: string): LinearPattern {
  if (pattern.length > MAX_PATTERN) {
    throw new ToolError(`the search pattern is longer than ${MAX_PATTERN} characters`);
  }
  try {
    new RegExp(pattern, "i");
  } catch (error) {
    throw new ToolError(`invalid search pattern: ${(error as Error).message}`);
  }
  const program = compile(new Parser(pattern).parse());
  program.push({ op: "match" });
  return new LinearPattern(program);
}

/**
 * Hides a server's tools behind `search_tools({ pattern })`, which returns the tools whose name
 * or description a case-insensitive regular expression matches (in listing order), and
 * `call_tool({ name, arguments })`; see {@link BaseSearchTransform}. Matching takes linear time
 * whatever the pattern; backreferences and lookarounds are refused.
 *
 * @example
 * ```ts
 * import { FastMCP, RegexSearchTransform } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "big" });
 * mcp.tool("get_forecast", { description: "Weather forecast for a city" }, async () => "sunny");
 * mcp.tool("get_alerts", { description: "Weather alerts for a region" }, async () => "none");
 * // search_tools({ pattern: "^get_" }) finds both; { pattern: "forecast|alert" } too.
 * mcp.addTransform(new RegexSearchTransform({ maxResults: 10 }));
 * ```
 */
export class RegexSearchTransform extends BaseSearchTransform {
  /** Creates the transform; see {@link SearchOptions}. */
  constructor(options: SearchOptions = {}) {
    super("RegexSearchTransform", options, {
      description: "Search the tools of this server with a regular expression, matched case-insensitively " +
        "against their names and descriptions. Returns the matches with their argument schemas; call one " +
        "with call_tool.",
      input: {
        type: "object",
        properties: {
          pattern: {
            type: "string",
            description:
              `A regular expression of at most ${MAX_PATTERN} characters, e.g. "^get_" or "weather|forecast"`,
          },
        },
        required: ["pattern"],
      },
    });
  }

  /** The first tools whose name or description the pattern matches. */
  protected search(tools: readonly Tool[], args: Record<string, unknown>): readonly Tool[] {
    const pattern = compilePattern(args.pattern as string);
    const found: Tool[] = [];
    for (const tool of tools) {
      const text = `${tool.name}\n${tool.description ?? ""}`.slice(0, MAX_TEXT);
      if (pattern.test(text) && found.push(tool) >= this.maxResults) break;
    }
    return found;
  }
}
