// Reading workloads: a `.json` document, or an `.ndjson`/`.jsonl` stream (a header line, then one
// event per line), validated by the zod schema and handed over with `repeat` expanded lazily.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { z } from 'zod';
import { AllocationBudget } from './budget.js';
import { ioReason, readError, WorkloadError, WorkloadErrors } from './errors.js';
import { checkRepeatDepth, checkRepeatVariables, expandedEventCount, expandEvents, Expander } from './expand.js';
import { passesAsIs } from './fastpath.js';
import { documentKeyIssues, eventKeyIssues, headerKeyIssues, restoreEventKeys, restoreHeaderKeys } from './keys.js';
import type { LoadedWorkload, SourcedEvent } from './loaded.js';
import { LineReader, LineTooLongError } from './lines.js';
import { eventSchema, headerSchema, workloadSchema, type Event, type WorkloadHeader } from './schema.js';

export { ioReason, readError };

// ---------------------------------------------------------------------------------------------
// JSON syntax errors
//
// V8's messages differ between Node versions and some carry no position at all ("Unexpected token
// 'x', "..." is not valid JSON"), so when JSON.parse fails the text is scanned once more to find the
// first error and describe it in stable words.

export interface JsonSyntaxError {
  /** Character offset of the error. */
  offset: number;
  message: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = '"\\/bfnrt';
const HEX4 = /^[0-9a-fA-F]{4}$/;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function describeCharacter(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  if (cp < 0x20 || cp === 0x7f) return `character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return `character '${String.fromCodePoint(cp)}'`;
}

/** The first syntax error of a JSON text, or undefined when it is valid. Never recurses. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const OBJECT = 0;
  const ARRAY = 1;
  const stack: number[] = [];
  const n = text.length;
  let i = 0;
  // What the scanner expects next: a value, an object key, or what follows a value.
  let expect: 'value' | 'key' | 'after' = 'value';
  const skipWhitespace = (): void => {
    while (i < n && isWhitespace(text.charCodeAt(i))) i++;
  };
  const fail = (message: string, at = i): JsonSyntaxError =>
    at >= n ? { offset: n, message: 'unexpected end of input' } : { offset: at, message };
  // Scans the string starting at text[i] === '"'; returns an error or advances i past it.
  const scanString = (): JsonSyntaxError | undefined => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail(`${describeCharacter(text, i)} in a string (escape it)`);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) return fail('unexpected end of input', n);
        if (e === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) return fail('bad \\u escape in a string (it takes 4 hex digits)');
          i += 6;
          continue;
        }
        if (!ESCAPES.includes(e)) return fail(`bad escape '\\${e}' in a string`);
        i += 2;
        continue;
      }
      i++;
    }
    return fail('unterminated string', n);
  };

  for (;;) {
    skipWhitespace();
    if (expect === 'key') {
      if (text[i] !== '"') return fail("expected a double-quoted property name");
      const bad = scanString();
      if (bad) return bad;
      skipWhitespace();
      if (text[i] !== ':') return fail("expected ':' after a property name");
      i++;
      expect = 'value';
      continue;
    }
    if (expect === 'value') {
      if (i >= n) return fail('', n);
      const c = text[i]!;
      if (c === '{') {
        i++;
        skipWhitespace();
        if (text[i] === '}') {
          i++;
          expect = 'after';
        } else {
          stack.push(OBJECT);
          expect = 'key';
        }
        continue;
      }
      if (c === '[') {
        i++;
        skipWhitespace();
        if (text[i] === ']') {
          i++;
          expect = 'after';
        } else {
          stack.push(ARRAY);
        }
        continue;
      }
      if (c === '"') {
        const bad = scanString();
        if (bad) return bad;
        expect = 'after';
        continue;
      }
      if (c === '-' || (c >= '0' && c <= '9')) {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (!m) return fail(`bad number`);
        i += m[0].length;
        expect = 'after';
        continue;
      }
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
      if (word !== undefined) {
        if (text.startsWith(word, i)) {
          i += word.length;
          expect = 'after';
          continue;
        }
        return fail(`unexpected ${describeCharacter(text, i)} (strings take double quotes)`);
      }
      if (c === "'") return fail("unexpected character \"'\" (strings take double quotes)");
      return fail(`unexpected ${describeCharacter(text, i)}`);
    }
    // expect === 'after'
    if (stack.length === 0) {
      if (i < n) return fail(`unexpected ${describeCharacter(text, i)} after the end of the JSON value`);
      return undefined;
    }
    const top = stack[stack.length - 1];
    const c = text[i];
    if (c === ',') {
      i++;
      if (top === OBJECT) {
        expect = 'key';
      } else {
        expect = 'value';
      }
      skipWhitespace();
      const next = text[i];
      if ((top === OBJECT && next === '}') || (top === ARRAY && next === ']')) return fail('trailing comma');
      continue;
    }
    if (top === OBJECT && c === '}') {
      i++;
      stack.pop();
      continue;
    }
    if (top === ARRAY && c === ']') {
      i++;
      stack.pop();
      continue;
    }
    return fail(top === OBJECT ? "expected ',' or '}' after a property value" : "expected ',' or ']' after an array element");
  }
}

/** `line:column` (both 1-based) of a character offset. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}

/** Where JSON.parse failed according to V8 ("... in JSON at position 42"), when it says. */
function v8Offset(message: string): number | undefined {
  const m = /at position (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

function syntaxError(text: string, parseMessage: string): { offset: number; message: string } {
  const found = findJsonSyntaxError(text);
  if (found) return found;
  // The scanner and V8 disagree: trust V8 and report its words.
  return { offset: v8Offset(parseMessage) ?? 0, message: parseMessage.replace(/ in JSON at position \d+.*$/, '') };
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// ---------------------------------------------------------------------------------------------
// Schema issues

/** `events[12].to`, `gc.threshold[1]`, `types["my type"].size`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const key of path) {
    if (typeof key === 'number') s += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) s += s === '' ? key : `.${key}`;
    else s += `[${JSON.stringify(String(key))}]`;
  }
  return s;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 39)}…` : v);
  // JSON.parse reads a number beyond the double range (1e400) as Infinity.
  if (typeof v === 'number' && !Number.isFinite(v)) return `a number too large to hold (${v})`;
  return String(v);
}

function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 || n === 1n ? '' : 's'}`;
}

/** zod's own wording of an issue (which we replace) rather than a message the schema sets. */
function isZodWording(message: string): boolean {
  return /^(Invalid|Too (small|big)|Unrecognized)/.test(message);
}

/** A type zod names as the user would: `int` is a whole number. */
function typeName(expected: string): string {
  return expected === 'int' ? 'a whole number' : expected;
}

/** Zod's issue in the user's words; the value at the path is named where that helps. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `missing (expected ${typeName(issue.expected)})`;
      return `expected ${typeName(issue.expected)}, got ${describeValue(value)}`;
    case 'invalid_union': {
      // A discriminated union names its discriminator and, at run time, the valid options.
      const options = (issue as { options?: unknown[] }).options?.map(String).join(', ');
      if (issue.discriminator !== undefined && options !== undefined) {
        if (value === undefined) return `missing "${issue.discriminator}" (one of ${options})`;
        return `unknown ${issue.discriminator} ${describeValue(value)}: expected one of ${options}`;
      }
      if (value === undefined) return 'missing';
      if (isZodWording(issue.message)) return `not a valid value here, got ${describeValue(value)}`;
      return `${issue.message}, got ${describeValue(value)}`;
    }
    case 'unrecognized_keys':
      return issue.keys.length === 1
        ? `unknown property ${JSON.stringify(issue.keys[0])}`
        : `unknown properties ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value': {
      const expected = issue.values.map((v) => JSON.stringify(v)).join(' or ');
      if (value === undefined) {
        const key = issue.path[issue.path.length - 1];
        return typeof key === 'string' ? `missing (write ${JSON.stringify(key)}: ${expected})` : `missing (expected ${expected})`;
      }
      if (isZodWording(issue.message)) return `expected ${expected}, got ${describeValue(value)}`;
      return `${issue.message}, got ${describeValue(value)}`;
    }
    case 'too_small':
    case 'too_big': {
      if (!isZodWording(issue.message)) return `${issue.message}, got ${describeValue(value)}`;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'array') {
        const word = issue.code === 'too_small' ? 'at least' : 'at most';
        return `expected ${word} ${plural(bound, 'item')}, got ${(value as unknown[]).length}`;
      }
      if (issue.origin === 'string' && issue.code === 'too_small' && bound === 1) return 'must not be empty';
      if (issue.origin === 'string') return `length must be ${op} ${bound}`;
      return `must be ${op} ${bound}, got ${describeValue(value)}`;
    }
    case 'invalid_format':
    case 'custom':
      if (isZodWording(issue.message)) return `not in the expected format, got ${describeValue(value)}`;
      return `${issue.message}, got ${describeValue(value)}`;
    default:
      return isZodWording(issue.message) ? `not valid here, got ${describeValue(value)}` : issue.message;
  }
}

export function issueErrors(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  file: string,
  position?: string,
): WorkloadError[] {
  return issues.map((issue) => {
    const path = formatJsonPath(issue.path);
    const location = { file, ...(position !== undefined ? { position } : {}), ...(path ? { path } : {}) };
    return new WorkloadError(location, describeIssue(issue, input));
  });
}

// ---------------------------------------------------------------------------------------------
// Loading

/** A `.json` workload's text as an object; a syntax error names its line:column. */
export function parseWorkloadJson(text: string, file: string): unknown {
  text = stripBom(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    const { offset, message } = syntaxError(text, (err as Error).message);
    throw new WorkloadError({ file, position: lineColumn(text, offset) }, `invalid JSON: ${message}`);
  }
}

interface Document {
  header: WorkloadHeader;
  events: Event[];
}

function splitHeader(workload: z.infer<typeof workloadSchema>): Document {
  const { events, ...header } = workload;
  return { header, events };
}

/** The first `repeat` of the document nested too deep, before zod (whose recursion it would
 * overflow) sees it. */
function checkDocumentDepth(obj: unknown, file: string): void {
  const events = (obj as { events?: unknown } | null)?.events;
  if (typeof obj !== 'object' || !Array.isArray(events)) return;
  for (let k = 0; k < events.length; k++) {
    const event: unknown = events[k];
    if (typeof event !== 'object' || event === null || (event as { op?: unknown }).op !== 'repeat') continue;
    const tooDeep = checkRepeatDepth(event, `events[${k}]`, file);
    if (tooDeep !== undefined) throw tooDeep;
  }
}

/** An event through `passesAsIs` (fastpath.ts) or, when that cannot vouch for it, zod; null when it
 * is invalid. */
function parseEvent(event: unknown): Event | null {
  if (passesAsIs(event)) return event;
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success || eventKeyIssues(event).length > 0) return null;
  restoreEventKeys(event, parsed.data as Event);
  return parsed.data as Event;
}

/**
 * The header through zod and each event through `parseEvent`; undefined at the first problem.
 * Unlike `workloadSchema` this copies no event that passes as it is.
 */
function validateByParts(obj: unknown): Document | undefined {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const { events, ...rest } = obj as { events?: unknown };
  if (!Array.isArray(events)) return undefined;
  const header = headerSchema.safeParse(rest);
  if (!header.success || headerKeyIssues(rest).length > 0) return undefined;
  restoreHeaderKeys(rest, header.data);
  const valid = new Array<Event>(events.length);
  for (let k = 0; k < events.length; k++) {
    const event = parseEvent(events[k]);
    if (event === null) return undefined;
    valid[k] = event;
  }
  return { header: header.data, events: valid };
}

/** A parsed `.json` document as a header and top-level events; every problem is reported at once. */
function validateDocument(obj: unknown, file: string): Document {
  checkDocumentDepth(obj, file);
  let document = validateByParts(obj);
  if (document === undefined) {
    // Something is wrong: zod reads the whole document, which names every problem in order
    // (then come the `__proto__` keys zod skips, keys.ts).
    const parsed = workloadSchema.safeParse(obj);
    const issues = [...(parsed.error?.issues ?? []), ...documentKeyIssues(obj)];
    if (!parsed.success || issues.length > 0) throw new WorkloadErrors(issueErrors(issues, obj, file));
    document = splitHeader(parsed.data);
    restoreHeaderKeys(obj, document.header);
    const inputEvents = (obj as { events: unknown[] }).events;
    for (let k = 0; k < document.events.length; k++) restoreEventKeys(inputEvents[k], document.events[k]!);
  }
  const nesting: WorkloadError[] = [];
  for (let k = 0; k < document.events.length; k++) {
    const event = document.events[k]!;
    if (event.op === 'repeat') nesting.push(...checkRepeatVariables(event, `events[${k}]`, file));
  }
  if (nesting.length > 0) throw new WorkloadErrors(nesting);
  return document;
}

/** Validates a workload held in memory (a parsed `.json` document). */
export function workloadFromObject(obj: unknown, file = '<inline>'): LoadedWorkload {
  const { header, events } = validateDocument(obj, file);
  // The caller holds the document anyway: each iteration expands it afresh, so it may be replayed again.
  const iterable: Iterable<SourcedEvent> = {
    [Symbol.iterator]: () => expandEvents(events, 'events', file, new AllocationBudget(header)),
  };
  return { file, header, events: iterable, expectedEvents: expandedEventCount(events) };
}

/** The items of an array, each slot emptied as it is taken. */
function* takeEach<T>(items: (T | undefined)[]): Generator<T> {
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    items[k] = undefined;
    yield item;
  }
}

/**
 * The events of a `.json` file. The loader alone holds the parsed document, so the first pass lets
 * go of each top-level event once it is expanded (replay's memory need not include the whole
 * document); a later pass reads the file again.
 */
function fileEvents(file: string, header: WorkloadHeader, events: Event[]): Iterable<SourcedEvent> {
  let unread: Event[] | undefined = events;
  return {
    [Symbol.iterator]: () => {
      const source = unread ?? validateDocument(parseWorkloadJson(readTextSync(file), file), file).events;
      unread = undefined;
      return expandEvents(takeEach(source), 'events', file, new AllocationBudget(header));
    },
  };
}

function readTextSync(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
}

function isNdjson(file: string): boolean {
  const ext = extname(file).toLowerCase();
  return ext === '.ndjson' || ext === '.jsonl';
}

/** Reads, validates and prepares a workload file (`.ndjson`/`.jsonl` stream; anything else is JSON). */
export async function loadWorkload(file: string): Promise<LoadedWorkload> {
  if (isNdjson(file)) return loadNdjson(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
  const { header, events } = validateDocument(parseWorkloadJson(text, file), file);
  return { file, header, events: fileEvents(file, header, events), expectedEvents: expandedEventCount(events) };
}

// ---------------------------------------------------------------------------------------------
// NDJSON

const linePath = (lineNumber: number): string => `line ${lineNumber}`;

/** The line's JSON value, or the syntax error (its column is 1-based). */
function parseLine(text: string): { value: unknown } | { column: number; message: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const { offset, message } = syntaxError(text, (err as Error).message);
    return { column: offset + 1, message };
  }
}

function lineValue(text: string, lineNumber: number, file: string): unknown {
  const parsed = parseLine(text);
  if ('value' in parsed) return parsed.value;
  throw new WorkloadError({ file, position: linePath(lineNumber) }, `invalid JSON at column ${parsed.column}: ${parsed.message}`);
}

/** Blank lines are skipped. Nearly every line starts with `{`; only the others need a closer look. */
function isBlank(text: string): boolean {
  return text.charCodeAt(0) !== 0x7b && text.trim() === '';
}

/** More lines from the file; a line over the cap or a read error is the workload's problem, any
 * other error is not. */
function fill(lines: LineReader, file: string): boolean {
  try {
    return lines.fill();
  } catch (err) {
    if (err instanceof LineTooLongError) {
      throw new WorkloadError(
        { file, position: linePath(err.lineNumber) },
        `line longer than ${formatMiB(err.maxLineBytes)}: memprof reads lines of at most ${formatMiB(err.maxLineBytes)} (${err.maxLineBytes} bytes)`,
        'Each line holds the header or one event: build a large container with several events',
      );
    }
    const reason = ioReason(err, true);
    if (reason === null) throw err;
    throw new WorkloadError({ file, position: linePath(lines.lineNumber + 1) }, reason);
  }
}

function formatMiB(bytes: number): string {
  return bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${bytes} bytes`;
}

/** The event on an NDJSON line, validated. */
function eventOnLine(text: string, lineNumber: number, file: string): Event {
  const obj = lineValue(text, lineNumber, file);
  if (passesAsIs(obj)) return obj;
  const position = linePath(lineNumber);
  const tooDeep = checkRepeatDepth(obj, '', file, position);
  if (tooDeep !== undefined) throw tooDeep;
  const parsed = eventSchema.safeParse(obj);
  const issues = [...(parsed.error?.issues ?? []), ...eventKeyIssues(obj)];
  if (!parsed.success || issues.length > 0) throw new WorkloadErrors(issueErrors(issues, obj, file, position));
  const event = parsed.data as Event;
  restoreEventKeys(obj, event);
  const nesting = checkRepeatVariables(event, '', file, position);
  if (nesting.length > 0) throw new WorkloadErrors(nesting);
  return event;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The header: the first line that is not blank. */
function readHeader(lines: LineReader, file: string): WorkloadHeader {
  for (;;) {
    const text = lines.next();
    if (text === null) {
      if (fill(lines, file)) continue;
      throw new WorkloadError(
        { file, position: linePath(lines.lineNumber + 1) },
        'no header: the first line must be the header object',
        'Start the file with a line like {"version": 1}, then write one event per line',
      );
    }
    if (isBlank(text)) continue;
    const lineNumber = lines.lineNumber;
    const position = linePath(lineNumber);
    const first = lineNumber === 1 ? 'line 1' : 'the first line that is not blank';
    const parsed = parseLine(text);
    if (!('value' in parsed)) {
      // `{` alone, or `{"version": 1,`: the header goes on over several lines, as in a
      // pretty-printed .json document.
      if (parsed.message === 'unexpected end of input') {
        throw new WorkloadError(
          { file, position },
          `invalid JSON at column ${parsed.column}: the line ends before its value does: ${first} must be the header object, whole on one line`,
          'An NDJSON file holds one JSON value per line, the header first (like {"version": 1}), then one event per line; name a pretty-printed document .json',
        );
      }
      throw new WorkloadError({ file, position }, `invalid JSON at column ${parsed.column}: ${parsed.message}`);
    }
    const obj = parsed.value;
    if (isObject(obj) && 'events' in obj) {
      throw new WorkloadError(
        { file, position, path: 'events' },
        'the header line holds no "events" in an NDJSON file',
        'Write each event on its own line after the header',
      );
    }
    if (isObject(obj) && !('version' in obj) && 'op' in obj) {
      throw new WorkloadError(
        { file, position },
        `no header: ${first} must be the header object, but it holds an event${typeof obj.op === 'string' ? ` (op ${JSON.stringify(obj.op)})` : ''}`,
        'Start the file with a line like {"version": 1}, then write one event per line',
      );
    }
    const header = headerSchema.safeParse(obj);
    const issues = [...(header.error?.issues ?? []), ...headerKeyIssues(obj)];
    if (!header.success || issues.length > 0) throw new WorkloadErrors(issueErrors(issues, obj, file, position));
    restoreHeaderKeys(obj, header.data);
    return header.data;
  }
}

/**
 * The events after the header, expanded. Lines come a chunk at a time; within a chunk an event
 * costs its parse, its check and one step of this generator.
 */
function* ndjsonEvents(lines: LineReader, file: string, header: WorkloadHeader): Generator<SourcedEvent> {
  const expander = new Expander(file, linePath, new AllocationBudget(header));
  try {
    for (;;) {
      for (let text = lines.next(); text !== null; text = lines.next()) {
        if (isBlank(text)) continue;
        let e = expander.start(eventOnLine(text, lines.lineNumber, file), lines.lineNumber);
        if (e !== null) {
          yield e;
          continue;
        }
        while ((e = expander.next()) !== null) yield e;
      }
      if (!fill(lines, file)) return;
    }
  } finally {
    lines.close();
  }
}

function loadNdjson(file: string): LoadedWorkload {
  let lines: LineReader;
  try {
    lines = LineReader.open(file);
  } catch (err) {
    throw readError(file, err, true);
  }
  let header: WorkloadHeader;
  try {
    // Read errors become input problems in `fill`; anything else here is a bug.
    header = readHeader(lines, file);
  } catch (err) {
    lines.close();
    throw err;
  }
  return { file, header, events: ndjsonEvents(lines, file, header) };
}
