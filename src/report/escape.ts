// Workload strings (names, files, ids, labels, types, source lines) come from files a pull request
// may have written. Before one reaches a terminal, a CI log or a document it passes through here, so
// that it can show itself but never act: no line break to start a forged line (`::error::`,
// `::stop-commands::`), no escape sequence to move the cursor or retitle the terminal, no bidi
// control to make the text read differently from what it is.
//
// Every function is idempotent: its output contains nothing it would escape (the backslash itself
// is left alone), so a string escaped twice reads as one escaped once.

/**
 * What a terminal or a log viewer may act on: C0 controls but the tab, DEL, C1 controls (U+0080–
 * U+009F: NEL, CSI, OSC…), the Unicode line and paragraph separators, bidi embeddings, overrides,
 * isolates and marks ("Trojan Source"), and lone surrogates (no UTF-8 encoding; Node would print
 * U+FFFD and hide what was there).
 */
const TERMINAL_UNSAFE =
  /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Python's repr spelling of one code point: `\n`, `\x1b`, `\u2028`, `\U0001f600`. */
export function escapeCodePoint(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const cp = ch.codePointAt(0)!;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** A workload string as a terminal shows it: control characters spelt out (`\x1b[2J`, `\n`). */
export function terminalText(s: string): string {
  TERMINAL_UNSAFE.lastIndex = 0;
  return TERMINAL_UNSAFE.test(s) ? s.replace(TERMINAL_UNSAFE, escapeCodePoint) : s;
}

function isUnsafe(s: string): boolean {
  TERMINAL_UNSAFE.lastIndex = 0;
  return TERMINAL_UNSAFE.test(s);
}

/**
 * `value` with every string in it (object keys too) passed through `terminalText`: the one step a
 * renderer takes before it formats a report or a check result. The same object comes back when
 * nothing needed escaping (the usual case); otherwise a copy. Walks with an explicit stack.
 */
export function terminalSafe<T>(value: T): T {
  if (!containsUnsafe(value)) return value;
  return mapStrings(value, terminalText);
}

function containsUnsafe(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (isUnsafe(v)) return true;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (typeof v === 'object' && v !== null) {
      for (const key of Object.keys(v)) {
        if (isUnsafe(key)) return true;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/** A copy of a JSON-shaped value with `f` applied to every string and key. */
function mapStrings<T>(value: T, f: (s: string) => string): T {
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return new Array<unknown>(v.length);
    if (typeof v === 'object' && v !== null) return Object.create(Object.getPrototypeOf(v) as object | null) as object;
    return v;
  };
  const root = copy(value);
  const stack: [unknown, unknown][] = [[value, root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    if (Array.isArray(from)) {
      const target = to as unknown[];
      for (let i = 0; i < from.length; i++) {
        target[i] = copy(from[i]);
        if (typeof from[i] === 'object' && from[i] !== null) stack.push([from[i], target[i]]);
      }
    } else if (typeof from === 'object' && from !== null) {
      const target = to as Record<string, unknown>;
      for (const key of Object.keys(from)) {
        const child = (from as Record<string, unknown>)[key];
        const c = copy(child);
        // defineProperty: a key such as "__proto__" stays a key and never becomes a prototype.
        Object.defineProperty(target, f(key), { value: c, enumerable: true, writable: true, configurable: true });
        if (typeof child === 'object' && child !== null) stack.push([child, c]);
      }
    }
  }
  return root as T;
}

/**
 * JSON text (already valid) with the characters JSON may carry raw but a terminal would act on —
 * DEL, C1 controls, U+2028/U+2029, bidi controls — written as `\uXXXX`. The document parses to
 * the same value.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// Markdown (GitHub-flavoured). A workload string is shown either as a code span or as escaped text;
// either way after terminalText, so it has no line break and cannot end a table row, a list item
// or a heading.

/**
 * Text outside code spans: every character that could open Markdown or HTML syntax — a code span,
 * a link or image, a tag or comment (`<details>`, `<!--` would hide the rest of a PR comment),
 * emphasis — is backslash-escaped (CommonMark allows that before any ASCII punctuation). Pipes are
 * left to `markdownCell`, which escapes them in table cells, the only place they act.
 */
export function markdownText(s: string): string {
  return terminalText(s).replace(/[\\`*[\]<>]/g, '\\$&');
}

/**
 * A GFM table cell: every pipe escaped. GFM splits a row on pipes before it parses the cells,
 * reading backslashes in pairs (`\\` is an escaped backslash), and only then finds code spans; so a
 * pipe needs an odd run of backslashes before it, in code spans too (there GitHub shows `\|` as
 * `|`). One is added where the run is even.
 */
export function markdownCell(text: string | number): string {
  return terminalText(String(text)).replace(/(\\*)\|/g, (m, run: string) => (run.length % 2 === 0 ? `${run}\\|` : m));
}

/**
 * A code span around `text`, fenced with more backticks than any run inside it, so nothing in it
 * can close it. `''` for blank text. In a table cell, `markdownCell` still escapes its pipes (GFM
 * splits cells before it finds code spans).
 */
export function markdownCode(text: string): string {
  const body = terminalText(text);
  if (body.trim() === '') return '';
  let fence = '`';
  for (const run of body.match(/`+/g) ?? []) if (run.length >= fence.length) fence = '`'.repeat(run.length + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A fenced code block whose fence no line of `body` can close (CommonMark: a longer fence). */
export function markdownFence(body: string, info = 'text'): string {
  let fence = '```';
  for (const run of body.match(/`{3,}/g) ?? []) if (run.length >= fence.length) fence = '`'.repeat(run.length + 1);
  return `${fence}${info}\n${body}${body.endsWith('\n') ? '' : '\n'}${fence}\n`;
}
