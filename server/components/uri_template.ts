/**
 * RFC 6570 URI templates, matched in reverse: given a concrete URI, recover the variables.
 * Supports every operator (`{x}`, `{+x}`, `{#x}`, `{.x}`, `{/x}`, `{;x}`, `{?x,y}`, `{&x}`),
 * explode (`{path*}` matches across `/`), hyphenated names and blank query values.
 *
 * Values are percent-decoded, and a URI whose values could escape what the template names does
 * not match it (the client gets "resource not found"): see `isSafeValue`.
 *
 * @module
 */

interface Expression {
  operator: string;
  names: { name: string; explode: boolean }[];
}

/**
 * A template compiled to a matcher. Internal: exported only because
 * `TemplateComponent.matcher` exposes it; not a stable API.
 */
export interface UriTemplateMatcher {
  /** Variable names in order of appearance. */
  readonly variables: string[];
  /** The variables of `uri`, or undefined when it does not match. */
  match(uri: string): Record<string, string> | undefined;
}

const EXPRESSION = /\{([+#./;?&]?)([A-Za-z0-9_.%\-]+\*?(?:,[A-Za-z0-9_.%\-]+\*?)*)\}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Decodes every percent-escape (`%2F` included: the operator decides what may match, not the
 * decoding). A `%` that starts no escape stays as it is; undefined when a run of escapes is not
 * UTF-8, since no value can be told for it.
 */
function decode(value: string): string | undefined {
  let malformed = false;
  const out = value.replace(/(%[0-9A-Fa-f]{2})+/g, (seq) => {
    try {
      return decodeURIComponent(seq);
    } catch {
      malformed = true;
      return seq;
    }
  });
  return malformed ? undefined : out;
}

/**
 * Whether a decoded value may reach a handler. Handlers put values into paths, so:
 *
 * - No value holds NUL (it truncates paths in C APIs and is never part of a name).
 * - A simple variable (any that is neither reserved, `{+x}`/`{#x}`, nor exploded, `{x*}`) is
 *   one segment: it holds no `/` (nor `\`, a separator on Windows) once decoded, and is not `.`
 *   or `..`. `res://{id}` does not match `res://a%2Fb` or `res://..`.
 * - A reserved or exploded variable spans segments, but none of them is `.` or `..`.
 *
 * "Segment" means a piece of the decoded value between `/` or `\`. Decoded, because that
 * is what the handler gets: `%2F` becomes a real separator in its hands, so `..%2F..%2Fetc`
 * (one raw segment) is three once decoded, and `%2e%2e` is `..`. `\` counts because Windows
 * paths split on it. Only one level of escapes is decoded, as RFC 3986 says: `%252e%252e` is
 * the literal text `%2e%2e`, which is only dangerous to a handler that decodes a second time.
 */
function isSafeValue(value: string, spansSegments: boolean): boolean {
  if (value.includes("\0")) return false;
  if (!spansSegments && /[/\\]/.test(value)) return false;
  return !value.split(/[/\\]/).some((segment) => segment === "." || segment === "..");
}

/** Sets an own property, so that a variable named `__proto__` is a variable like any other. */
function setOwn(out: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
}

/** True when `uri` contains a template expression. */
export function isUriTemplate(uri: string): boolean {
  return /\{[^}]+\}/.test(uri);
}

/** Compiles a template. Throws a TypeError naming the problem for malformed templates. */
export function compileUriTemplate(template: string): UriTemplateMatcher {
  const variables: string[] = [];
  const queryNames: { name: string; explode: boolean }[] = [];
  let pattern = "^";
  let last = 0;
  const groups: { name: string; operator: string; explode: boolean }[] = [];
  for (const m of template.matchAll(EXPRESSION)) {
    pattern += escapeRegExp(template.slice(last, m.index));
    last = m.index! + m[0].length;
    const expr: Expression = {
      operator: m[1],
      names: m[2].split(",").map((n) => ({ name: n.replace(/\*$/, ""), explode: n.endsWith("*") })),
    };
    for (const { name } of expr.names) {
      if (variables.includes(name)) {
        throw new TypeError(`URI template ${template}: variable '${name}' appears twice`);
      }
      variables.push(name);
    }
    if (expr.operator === "?" || expr.operator === "&") {
      queryNames.push(...expr.names);
      continue;
    }
    pattern += expressionPattern(expr, groups);
  }
  const tail = template.slice(last);
  if (/[{}]/.test(tail) || /[{}]/.test(template.replace(EXPRESSION, ""))) {
    throw new TypeError(`URI template ${template}: unbalanced or invalid expression`);
  }
  pattern += escapeRegExp(tail);
  const hasQuery = queryNames.length > 0;
  if (hasQuery) pattern += "(?:\\?.*)?";
  const regex = new RegExp(pattern + "$");

  return {
    variables,
    match(uri) {
      const m = regex.exec(uri);
      if (!m) return undefined;
      const out: Record<string, string> = {};
      for (let i = 0; i < groups.length; i++) {
        const raw = m[i + 1];
        if (raw === undefined) continue;
        const g = groups[i];
        const spans = g.operator === "+" || g.operator === "#" || g.explode;
        const value = decode(raw);
        if (value === undefined || !isSafeValue(value, spans)) return undefined;
        setOwn(out, g.name, value);
      }
      if (hasQuery) {
        const q = uri.indexOf("?");
        if (q !== -1) {
          const params = new URLSearchParams(uri.slice(q + 1));
          for (const { name, explode } of queryNames) {
            const value = params.get(name);
            if (value === null) continue;
            if (!isSafeValue(value, explode)) return undefined;
            setOwn(out, name, value); // blank values (`?a=`) are kept as ""
          }
        }
      }
      return out;
    },
  };
}

function expressionPattern(
  expr: Expression,
  groups: { name: string; operator: string; explode: boolean }[],
): string {
  const { operator } = expr;
  const parts = expr.names.map(({ name, explode }) => {
    groups.push({ name, operator, explode });
    if (operator === "+" || operator === "#" || explode) return "(.*?)";
    if (operator === ";") return `${escapeRegExp(name)}=?([^;/?#]*)`;
    return "([^/?#,]*)";
  });
  const separator = operator === "/" ? "/" : operator === "." ? "\\." : operator === ";" ? ";" : ",";
  const body = parts.join(separator);
  switch (operator) {
    case "/":
      return `(?:/${body})?`;
    case ".":
      return `(?:\\.${body})?`;
    case ";":
      return `(?:;${body})?`;
    case "#":
      return `(?:#${body})?`;
    default:
      return body;
  }
}
