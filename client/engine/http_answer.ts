/**
 * What the client's HTTP transports read of an answer, and a light answer for the common case: a
 * small body read whole. Building a `Response` (headers object, body stream) and reading it back
 * with `text()` costs every call several allocations; a proxy forwards thousands of calls a second.
 *
 * @module
 */

/** The part of a `Response` the transports read; a `Response` is one. */
export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly body: { cancel(): Promise<void> } | null;
  text(): Promise<string>;
  clone(): HttpAnswer;
}

/** `fetch`'s shape, answering with an {@link HttpAnswer}. */
export type AnswerFn = (url: URL, init: RequestInit) => Promise<HttpAnswer>;

const utf8 = new TextDecoder();

/** A whole answer already read: status, header fields as received, and the body's bytes. */
export class PlainAnswer implements HttpAnswer {
  readonly body = null;
  readonly headers: { get(name: string): string | null };
  #text?: string;

  /** An answer of `status` with `fields` (names as sent) and `bytes`. */
  constructor(
    readonly status: number,
    readonly statusText: string,
    fields: readonly (readonly [string, string])[],
    private readonly bytes: Uint8Array,
  ) {
    this.headers = {
      get(name: string): string | null {
        const wanted = name.toLowerCase();
        let value: string | null = null;
        for (const [field, v] of fields) {
          if (field.length === wanted.length && field.toLowerCase() === wanted) {
            value = value === null ? v : `${value}, ${v}`;
          }
        }
        return value;
      },
    };
  }

  /** True for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body as UTF-8 (a leading BOM dropped, as `Response.text()` does). */
  text(): Promise<string> {
    return Promise.resolve(this.#text ??= utf8.decode(this.bytes));
  }

  /** The same answer: it holds no stream that reading would use up. */
  clone(): PlainAnswer {
    return this;
  }
}
