// Every renderer, fed a workload whose every string is hostile (line breaks of every kind, escape
// sequences, bidi controls, lone surrogates, workflow commands, Markdown and XML markup), prints
// those strings escaped: no line it did not mean to print, no control character a terminal or a CI
// log acts on, no table cell, code span or XML element broken open — and the same number of lines
// as the same workload with harmless strings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReport, checkWorkload } from '../src/cli/check.js';
import { renderCheckJson, renderCheckLine, renderCheckMarkdown } from '../src/report/checkText.js';
import { markdownCell, markdownCode, markdownText, terminalSafe, terminalSafeJson, terminalText } from '../src/report/escape.js';
import { escapeData, renderGithubResult } from '../src/report/github.js';
import { renderJunit } from '../src/report/junit.js';
import { renderMarkdown } from '../src/report/markdown.js';
import type { CheckReport, Report } from '../src/model/report.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';
import { replayWorkload } from '../src/replay/replay.js';
import { formatWorkloadError } from '../src/cli/problems.js';
import { WorkloadError } from '../src/workload/errors.js';
import { workloadFromObject } from '../src/workload/load.js';

/** What a terminal or log viewer acts on (a line break is only ever ours, between lines). */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SGR = /\x1b\[[0-9;]*m/g;

const NASTY = [
  '\n', '\r', '\r\n', '\u2028', '\u2029', '\x85', '\x0b', '\x0c', '\0', '\x1b', '\x07', '\x9b', '\x9d', '\x7f', '\ud800', '\udc00',
  '\u202e', '\u2067', '\t', '|', '\\', '\\|', '`', '```', '<', '>', '&', '"', "'", '[', ']', '*', '_', '%', ':', ',', '#',
  '\n::error file=x.py,line=1::forged\n', '::stop-commands::pwned', '\x1b]0;pwned\x07', '\x1b[2J\x1b[H', '<!--', '<details>',
  '</system-out><injected/>', ']]>', '[link](https://example.com)', '\n## Injected heading\n', '| a | b |',
];
const unit = fc.oneof(fc.constantFrom(...NASTY), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), fc.constantFrom('a', 'Z', '.', ' '));
const hostile = fc.string({ unit, minLength: 1, maxLength: 10 });

/** The strings of the template workload; `harmless` spells each as a plain word. */
const SLOTS = ['name', 'file', 'calleeFile', 'fn', 'label', 'snap1', 'snap2', 'key', 'T1', 'T2', 'T3', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9'] as const;
type Slot = (typeof SLOTS)[number];
type Strings = Record<Slot, string> & { lines: string[] };

const HARMLESS: Strings = { ...(Object.fromEntries(SLOTS.map((s) => [s, s])) as Record<Slot, string>), lines: Array.from({ length: 8 }, (_, k) => `line ${k + 1}`) };

/** Unique and valid: ids never start with `$`, types are never a built-in type's name. */
function hostileStrings(texts: string[], lines: string[]): Strings {
  const s = Object.fromEntries(SLOTS.map((slot, k) => [slot, `${texts[k % texts.length]!}~${k}`])) as Record<Slot, string>;
  for (const slot of SLOTS) if (s[slot].startsWith('$')) s[slot] = `\n${s[slot]}`;
  return { ...s, lines };
}

/** A cycle freed by the collector (finalizer, weakref callback), a legacy object in gc.garbage, an
 * incref never decref'd, a cycle left leaking, a function in its own file, snapshots. */
function template(s: Strings): Record<string, unknown> {
  return {
    version: 1,
    name: s.name,
    source: { file: s.file, lines: s.lines },
    types: { [s.T1]: { finalizer: 'del' }, [s.T2]: {}, [s.T3]: { finalizer: 'legacy' } },
    limits: { leakedObjects: 0 },
    events: [
      { op: 'alloc', id: s.i1, type: s.T2, as: 'a', line: 1 },
      { op: 'alloc', id: s.i2, type: s.T2, fields: { f: '$a' }, as: 'b', line: 2 },
      { op: 'ref', from: '$a', field: 'f', to: '$b', line: 3 },
      { op: 'weakref', id: s.i3, to: '$a', callback: s.label, as: 'w', line: 3 },
      { op: 'alloc', id: s.i4, type: s.T1, fields: { g: '$a' }, into: { obj: '$a', field: 'h' }, line: 4 },
      { op: 'snapshot', label: s.snap1, line: 4 },
      { op: 'call', function: s.fn, file: s.calleeFile, line: 5 },
      { op: 'alloc', id: s.i5, type: 'dict', fields: { [s.key]: null }, as: 'd', line: 1 },
      { op: 'alloc', id: s.i6, type: s.T2, as: 'e', line: 2 },
      { op: 'incref', id: '$e' },
      { op: 'return', value: '$d', as: 'r' },
      { op: 'unbind', name: 'a', line: 6 },
      { op: 'unbind', name: 'b', line: 6 },
      { op: 'alloc', id: s.i7, type: s.T3, as: 'l', line: 7 },
      { op: 'ref', from: '$l', field: 'me', to: '$l', line: 7 },
      { op: 'unbind', name: 'l', line: 7 },
      { op: 'gc.collect', line: 8 },
      { op: 'alloc', id: s.i8, type: s.T2, as: 'p', line: 7 },
      { op: 'alloc', id: s.i9, type: s.T2, fields: { f: '$p' }, into: { obj: '$p', field: 'f' }, line: 7 },
      { op: 'unbind', name: 'p', line: 8 },
      { op: 'snapshot', label: s.snap2, line: 8 },
    ],
  };
}

async function report(s: Strings): Promise<Report> {
  return (await replayWorkload(workloadFromObject(template(s), s.file))).report;
}

const dir = mkdtempSync(join(tmpdir(), 'memprof-escape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** `check` of the template, from a file whose own name is hostile too (Linux allows all but / and NUL). */
async function check(s: Strings, fileName: string): Promise<CheckReport> {
  const file = join(dir, `${files++}-${fileName.replace(/[/\0]/g, '_')}.json`);
  writeFileSync(file, JSON.stringify(template(s)));
  const results = [await checkWorkload(file, {}, {}), await checkWorkload(join(dir, `${fileName.replace(/[/\0]/g, '_')}-missing.json`), {}, {})];
  return checkReport(results);
}

const PLAIN: RenderOptions = { unit: 'auto', precision: 1, color: false };

function lines(text: string): string[] {
  return text.split('\n');
}

function expectTerminalSafe(text: string): void {
  for (const line of lines(text.replace(SGR, ''))) expect(line).not.toMatch(UNSAFE);
}

/** GFM's row split: backslash + ASCII punctuation is one escaped character, an unescaped pipe ends a cell. */
function cells(row: string): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\' && /[!-/:-@[-`{-~]/.test(row[i + 1] ?? '')) i++;
    else if (row[i] === '|') n++;
  }
  return n;
}

/** Markdown outside code spans and fenced blocks: `<`, `[`, `]` only ever escaped. */
function markupOutsideCode(markdown: string): string[] {
  const found: string[] = [];
  let fence: string | null = null;
  for (const line of lines(markdown)) {
    const f = /^`{3,}/.exec(line)?.[0];
    if (fence !== null) {
      if (f !== undefined && f.length >= fence.length && line.trim() === f) fence = null;
      continue;
    }
    if (f !== undefined) {
      fence = f;
      continue;
    }
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '\\') i++;
      else if (c === '`') {
        const run = /^`+/.exec(line.slice(i))![0];
        let j = i + run.length;
        for (;;) {
          const next = line.indexOf(run, j);
          if (next < 0) {
            found.push(`unclosed code span in ${JSON.stringify(line)}`);
            return found;
          }
          if (line[next + run.length] !== '`' && line[next - 1] !== '`') {
            i = next + run.length - 1;
            break;
          }
          j = /^`+/.exec(line.slice(next))![0].length + next;
        }
      } else if (c === '<' || c === '[' || c === ']') found.push(`${c} in ${JSON.stringify(line)}`);
    }
  }
  return found;
}

function expectTablesIntact(markdown: string): void {
  let width: number | null = null;
  for (const line of lines(markdown)) {
    if (!line.startsWith('|')) {
      width = null;
      continue;
    }
    const n = cells(line);
    if (width === null) width = n;
    expect(n, line).toBe(width);
  }
}

const harmless = {
  report: await report(HARMLESS),
  check: await check(HARMLESS, 'harmless'),
};

describe('escaping workload strings', () => {
  it('terminalText spells out what a terminal acts on, leaves the rest, and is idempotent', () => {
    expect(terminalText('a\nb\r\x1b[31mc\x07\u2028\x85\u202e\ud800\tok é 😀')).toBe('a\\nb\\r\\x1b[31mc\\x07\\u2028\\x85\\u202e\\ud800\tok é 😀');
    fc.assert(
      fc.property(fc.string({ unit }), (s) => {
        const once = terminalText(s);
        expect(once).not.toMatch(UNSAFE);
        expect(once.includes('\n')).toBe(false);
        expect(terminalText(once)).toBe(once);
      }),
      { seed: 1, numRuns: 2000 },
    );
  });

  it('terminalSafe escapes every string and key of a document, and returns it unchanged when nothing needs it', () => {
    const doc = { a: ['x\ny', { '__proto__\x1b': 'z\r' }], n: 3 };
    expect(terminalSafe(doc)).toEqual({ a: ['x\\ny', { '__proto__\\x1b': 'z\\r' }], n: 3 });
    expect(doc.a[0]).toBe('x\ny');
    const clean = { a: ['x'] };
    expect(terminalSafe(clean)).toBe(clean);
  });

  it('JSON keeps its value and loses its raw C1, line separators and bidi controls', () => {
    const value = { s: 'a\u2028b\x85c\u202ed\x1b' };
    const json = terminalSafeJson(JSON.stringify(value));
    expect(json).not.toMatch(UNSAFE);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('Markdown text, code spans and cells cannot be broken open', () => {
    expect(markdownText('<!-- [x](y) `z` *w* a|b \\')).toBe('\\<!-- \\[x\\](y) \\`z\\` \\*w\\* a|b \\\\');
    expect(markdownCode('a``b')).toBe('```a``b```');
    expect(markdownCell('a|b\\|c\\\\|d')).toBe('a\\|b\\|c\\\\\\|d');
    fc.assert(
      fc.property(fc.string({ unit }), (s) => {
        expect(cells(`| ${markdownCell(s)} | ${markdownCell(markdownCode(s))} | ${markdownCell(markdownText(s))} |`)).toBe(4);
        expect(markupOutsideCode(`x ${markdownText(s)} ${markdownCode(s)} y`)).toEqual([]);
      }),
      { seed: 2, numRuns: 2000 },
    );
  });

  it('an input problem is one escaped line', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (file, source, id) => {
        const message = formatWorkloadError(
          new WorkloadError({ file, eventIndex: 3, sourceFile: source, sourceLine: 2, sourceText: source }, `unknown object '${id}'`, 'allocate it first'),
        );
        expect(message).not.toMatch(UNSAFE);
        expect(message.includes('\n')).toBe(false);
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});

describe('every renderer, on a workload whose every string is hostile (seeded)', () => {
  const texts = fc.array(hostile, { minLength: 4, maxLength: 12 });
  const sourceLines = fc.array(hostile, { minLength: 8, maxLength: 8 });

  it('run: text (plain and coloured), Markdown and JSON', async () => {
    const plainText = renderText(harmless.report, { ...PLAIN, showReachable: true });
    const plainMarkdown = renderMarkdown(harmless.report, { ...PLAIN, showReachable: true });
    await fc.assert(
      fc.asyncProperty(texts, sourceLines, async (t, l) => {
        const r = await report(hostileStrings(t, l));
        for (const color of [false, true]) {
          const text = renderText(r, { ...PLAIN, color, showReachable: true });
          expectTerminalSafe(text);
          expect(lines(text)).toHaveLength(lines(plainText).length);
        }
        const markdown = renderMarkdown(r, { ...PLAIN, showReachable: true });
        expectTerminalSafe(markdown);
        expect(lines(markdown)).toHaveLength(lines(plainMarkdown).length);
        expectTablesIntact(markdown);
        expect(markupOutsideCode(markdown)).toEqual([]);
      }),
      { seed: 20261130, numRuns: 40 },
    );
  });

  it('check: text, GitHub workflow commands, JUnit, Markdown and JSON', async () => {
    const base = harmless.check;
    const baseGithub = base.results.map((r) => renderGithubResult(r, PLAIN)).join('');
    await fc.assert(
      fc.asyncProperty(texts, sourceLines, hostile, async (t, l, fileName) => {
        const report = await check(hostileStrings(t, l), fileName);
        expect(report.results.map((r) => r.status)).toEqual(base.results.map((r) => r.status));

        for (const color of [false, true]) {
          const text = report.results.map((r) => renderCheckLine(r, { ...PLAIN, color })).join('');
          expectTerminalSafe(text);
          expect(lines(text)).toHaveLength(lines(base.results.map((r) => renderCheckLine(r, PLAIN)).join('')).length);
        }

        // Only memprof's own commands, one per line: none forged, none stopped.
        const github = report.results.map((r) => renderGithubResult(r, PLAIN)).join('');
        expectTerminalSafe(github);
        expect(lines(github)).toHaveLength(lines(baseGithub).length);
        for (const line of lines(github).filter((x) => x !== '')) {
          expect(line).toMatch(/^(PASS|FAIL|INVALID|ERROR) {2,}|^ {9}|^::(error|warning) file=[^:,]*(,line=\d+)?,title=[^:,]*::[^\r\n]*$/);
        }

        const junit = renderJunit(report, PLAIN);
        expectTerminalSafe(junit);
        const baseJunit = renderJunit(base, PLAIN);
        // Every < and > is a tag of ours: the workload's are entities.
        expect(junit.split('<').length).toBe(baseJunit.split('<').length);
        expect(junit.split('>').length).toBe(baseJunit.split('>').length);
        expect(lines(junit)).toHaveLength(lines(baseJunit).length);

        const markdown = renderCheckMarkdown(report, PLAIN);
        expectTerminalSafe(markdown);
        expectTablesIntact(markdown);
        expect(markupOutsideCode(markdown)).toEqual([]);
        expect(lines(markdown)).toHaveLength(lines(renderCheckMarkdown(base, PLAIN)).length);

        const json = renderCheckJson(report);
        expectTerminalSafe(json);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(report)));
      }),
      { seed: 20261201, numRuns: 30 },
    );
  });

  it('GitHub data and properties escape %, CR, LF (and : , in properties) as the runner decodes them', () => {
    expect(escapeData('100%\r\n')).toBe('100%25%0D%0A');
  });
});
