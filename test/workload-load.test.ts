import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkloadError, WorkloadErrors } from '../src/workload/errors.js';
import { formatInputProblem, formatWorkloadError } from '../src/cli/problems.js';
import { findJsonSyntaxError, lineColumn, loadWorkload, parseWorkloadJson, workloadFromObject } from '../src/workload/load.js';
import type { SourcedEvent } from '../src/workload/loaded.js';

const dir = mkdtempSync(join(tmpdir(), 'memprof-load-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function problems(run: () => unknown): Promise<string[]> {
  try {
    const w = (await run()) as { events: Iterable<SourcedEvent> };
    for (const _ of w.events);
  } catch (e) {
    const lines = formatInputProblem(e);
    if (lines === null) throw e;
    return lines;
  }
  throw new Error('expected the workload to be rejected');
}

async function collect(events: Iterable<SourcedEvent>): Promise<SourcedEvent[]> {
  const out: SourcedEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('loading a .json workload', () => {
  it('loads the worked example: header with defaults, 11 events after expansion', async () => {
    const w = await loadWorkload('/work/shared/examples/load-cache.json');
    expect(w.file).toBe('/work/shared/examples/load-cache.json');
    expect(w.header.python).toBe('3.11');
    expect(w.header.baseline).toBe(0);
    expect(w.header.types).toEqual({ Row: { size: 200 } });
    expect('events' in w.header).toBe(false);
    const events = await collect(w.events);
    expect(events.map((e) => `${e.index} ${e.path} ${e.event.op} ${e.iterations.map((i) => i.index).join('')}`)).toEqual([
      '0 events[0] call ',
      '1 events[1] alloc ',
      '2 events[2].body[0] line 0',
      '3 events[2].body[1] alloc 0',
      '4 events[2].body[0] line 1',
      '5 events[2].body[1] alloc 1',
      '6 events[2].body[0] line 2',
      '7 events[2].body[1] alloc 2',
      '8 events[3] line ',
      '9 events[4] return ',
      '10 events[5] unbind ',
    ]);
    expect(events[7]!.event).toEqual({ op: 'alloc', line: 5, id: 'row2', type: 'Row', into: { obj: '$cache', field: 'k2' } });
  });

  it('applies the schema defaults and can be iterated again', async () => {
    const w = workloadFromObject({ version: 1, events: [{ op: 'alloc', id: 'a' }, { op: 'gc.collect' }] });
    expect(w.file).toBe('<inline>');
    expect(w.header).toEqual({ version: 1, python: '3.11', baseline: 0, types: {} });
    const first = await collect(w.events);
    expect(first.map((e) => e.event)).toEqual([{ op: 'alloc', id: 'a', type: 'Instance' }, { op: 'gc.collect', generation: 2 }]);
    expect((await collect(w.events)).length).toBe(2);
  });

  it('reports a JSON syntax error at line:column', async () => {
    const path = file('syntax.json', '{\n  "version": 1,\n  "events": [\n    { "op": "line" }\n    { "op": "line" }\n  ]\n}\n');
    expect(await problems(() => loadWorkload(path))).toEqual([
      `${path}:5:5: invalid JSON: expected ',' or ']' after an array element`,
    ]);
  });

  it('reports every schema problem at once, each with its JSON path', () => {
    let error: unknown;
    try {
      workloadFromObject(
        { version: 1, gc: { threshold: [700, 10, 1.5] }, events: [{ op: 'alloc', id: 'n1' }, { op: 'ref', from: 'n1' }, { op: 'line', line: 'x' }] },
        'w.json',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkloadErrors);
    const errors = (error as WorkloadErrors).errors;
    expect(errors.map((e) => e.location)).toEqual([
      { file: 'w.json', path: 'gc.threshold[2]' },
      { file: 'w.json', path: 'events[1].to' },
      { file: 'w.json', path: 'events[2].line' },
    ]);
    expect(formatInputProblem(error)).toEqual([
      'w.json: gc.threshold[2]: expected a whole number, got 1.5',
      'w.json: events[1].to: missing (expected string)',
      'w.json: events[2].line: expected number, got "x"',
    ]);
  });

  it('names the top level when the document is not an object, and quotes odd keys in paths', async () => {
    expect(await problems(() => workloadFromObject([1, 2], 'a.json'))).toEqual(['a.json: expected object, got an array']);
    expect(await problems(() => workloadFromObject({ version: 1, types: { 'my type': { size: 'big' } }, events: [] }, 'a.json'))).toEqual([
      'a.json: types["my type"].size: not a size: write bytes as a number or a string like "64 MiB" (units B, KiB, MiB, GiB), got "big"',
    ]);
  });

  it('treats an unknown extension as JSON and explains a missing file', async () => {
    const path = file('workload.trace', '{"version": 1, "events": [{"op": "line", "line": 3}]}');
    expect((await collect((await loadWorkload(path)).events)).length).toBe(1);
    expect(await problems(() => loadWorkload(join(dir, 'absent.json')))).toEqual([
      `${join(dir, 'absent.json')}: cannot read file: ENOENT: no such file or directory`,
    ]);
    expect(await problems(() => loadWorkload(join(dir, 'absent.ndjson')))).toEqual([
      `${join(dir, 'absent.ndjson')}: cannot read file: ENOENT: no such file or directory`,
    ]);
  });

  it('reads a .json file again when its events are iterated again', async () => {
    const w = await loadWorkload('/work/shared/examples/load-cache.json');
    const first = await collect(w.events);
    const second = await collect(w.events);
    expect(second.map((e) => [e.index, e.path, e.event])).toEqual(first.map((e) => [e.index, e.path, e.event]));
    expect(second.length).toBe(11);
  });

  it('skips a byte order mark', async () => {
    const path = file('bom.json', '\uFEFF{"version": 1, "events": []}');
    expect((await loadWorkload(path)).header.version).toBe(1);
  });
});

describe('JSON syntax errors', () => {
  const cases: [string, string, string][] = [
    ['{"a": x}', '1:7', "unexpected character 'x'"],
    ['{"a": 1,}', '1:9', 'trailing comma'],
    ['[1,\n 2,\n]', '3:1', 'trailing comma'],
    ['{\n  "a": 1', '2:9', 'unexpected end of input'],
    ['', '1:1', 'unexpected end of input'],
    ['[1 2]', '1:4', "expected ',' or ']' after an array element"],
    ['{"a" 1}', '1:6', "expected ':' after a property name"],
    ['{a: 1}', '1:2', 'expected a double-quoted property name'],
    ['{"a": "x\\qy"}', '1:9', "bad escape '\\q' in a string"],
    ['{"a": "\\u12g4"}', '1:8', 'bad \\u escape in a string (it takes 4 hex digits)'],
    ['{"a": "x\ty"}', '1:9', 'character U+0009 in a string (escape it)'],
    ['{"a": tru}', '1:7', "unexpected character 't' (strings take double quotes)"],
    ['{"a": -}', '1:7', 'bad number'],
    ['{"a": 1} {}', '1:10', "unexpected character '{' after the end of the JSON value"],
    ['{"a": "abc', '1:11', 'unexpected end of input'],
  ];
  it.each(cases)('%j fails at %s: %s', (text, position, message) => {
    expect(() => JSON.parse(text)).toThrow();
    const found = findJsonSyntaxError(text)!;
    expect(lineColumn(text, found.offset)).toBe(position);
    expect(found.message).toBe(message);
    expect(() => parseWorkloadJson(text, 'x.json')).toThrow(WorkloadError);
  });

  it('finds nothing in valid JSON, however deeply nested', () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n", {}, []]}', '  "x"  ', '0']) {
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(findJsonSyntaxError(deep)).toBeUndefined();
    expect(findJsonSyntaxError(deep + ']')).toEqual({ offset: 400_000, message: "unexpected character ']' after the end of the JSON value" });
  });
});

describe('loading an NDJSON workload', () => {
  const header = '{"version": 1, "python": "3.12", "source": {"file": "app.py", "lines": ["x = 1"]}}';

  it('streams the events after the header line, skipping blank lines; paths name the lines', async () => {
    const path = file(
      'ok.ndjson',
      [header, '{"op": "alloc", "id": "a", "as": "a", "line": 1}', '', '{"op": "repeat", "count": 2, "body": [{"op": "alloc", "id": "n{i}", "into": {"obj": "a"}}]}\r', '{"op": "gc.collect"}', ''].join('\n'),
    );
    const w = await loadWorkload(path);
    expect(w.header).toEqual({ version: 1, python: '3.12', baseline: 0, source: { file: 'app.py', lines: ['x = 1'] }, types: {} });
    // A stream, not an array: the events are read as they are taken.
    expect(Array.isArray(w.events)).toBe(false);
    expect(Symbol.iterator in w.events).toBe(true);
    const events = await collect(w.events);
    expect(events.map((e) => [e.index, e.path, e.iterations, e.event])).toEqual([
      [0, 'line 2', [], { op: 'alloc', id: 'a', as: 'a', line: 1, type: 'Instance' }],
      [1, 'line 4 body[0]', [{ var: 'i', index: 0 }], { op: 'alloc', id: 'n0', into: { obj: 'a' }, type: 'Instance' }],
      [2, 'line 4 body[0]', [{ var: 'i', index: 1 }], { op: 'alloc', id: 'n1', into: { obj: 'a' }, type: 'Instance' }],
      [3, 'line 5', [], { op: 'gc.collect', generation: 2 }],
    ]);
  });

  it('stops at the first bad line and names its line number', async () => {
    const path = file('bad.ndjson', [header, '{"op": "line", "line": 1}', '', '{"op": "ref", "from": "a", "to": 5}', '{"op": "nope"}'].join('\n'));
    const w = await loadWorkload(path);
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (const e of w.events) seen.push(e.index);
    } catch (e) {
      error = e;
    }
    expect(seen).toEqual([0]);
    expect(formatInputProblem(error)).toEqual([`${path}: line 4: to: expected string, got 5`]);
    expect((error as WorkloadErrors).errors[0]!.location).toEqual({ file: path, position: 'line 4', path: 'to' });
  });

  it('reports a syntax error on a line with its line number and column', async () => {
    const path = file('syntax.ndjson', `${header}\n{"op": "line", "line": 1,}\n`);
    expect(await problems(() => loadWorkload(path))).toEqual([`${path}: line 2: invalid JSON at column 26: trailing comma`]);
  });

  it('validates the header line', async () => {
    expect(await problems(() => loadWorkload(file('h1.ndjson', '{"version": 3}\n')))).toEqual([
      `${join(dir, 'h1.ndjson')}: line 1: version: unsupported version: memprof reads workload format version 1, got 3`,
    ]);
    expect(await problems(() => loadWorkload(file('h2.ndjson', '\n\n')))).toEqual([
      `${join(dir, 'h2.ndjson')}: line 3: no header: the first line must be the header object. Start the file with a line like {"version": 1}, then write one event per line.`,
    ]);
    expect(await problems(() => loadWorkload(file('h3.ndjson', '{"version": 1, "events": []}\n')))).toEqual([
      `${join(dir, 'h3.ndjson')}: line 1: events: the header line holds no "events" in an NDJSON file. Write each event on its own line after the header.`,
    ]);
  });

  it('rejects a reused repeat variable on the line that holds it', async () => {
    const path = file('nest.ndjson', `${header}\n{"op": "repeat", "count": 1, "body": [{"op": "repeat", "count": 1, "body": []}]}\n`);
    expect(await problems(() => loadWorkload(path))).toEqual([
      `${path}: line 2: body[0].var: repeat variable 'i' is already the variable of an enclosing repeat. Give nested repeats distinct "var" names.`,
    ]);
  });
});

describe('formatting an input problem', () => {
  it('writes a replay error on one line: event, path, iterations, source line, reason and hint', () => {
    const e = new WorkloadError(
      {
        file: 'w.json',
        path: 'events[3].body[1]',
        eventIndex: 8,
        iterations: [{ var: 'i', index: 3 }, { var: 'j', index: 0 }],
        sourceFile: 'cache.py',
        sourceLine: 12,
        sourceText: '        cache[key] = Node()',
      },
      "unknown object 'n7'",
      'Allocate it with an "alloc" event before referring to it',
    );
    expect(formatWorkloadError(e)).toBe(
      'w.json: event 8 (events[3].body[1], i=3, j=0) at cache.py:12 "cache[key] = Node()": unknown object \'n7\'. Allocate it with an "alloc" event before referring to it.',
    );
  });

  it('omits the parts that are absent', () => {
    expect(formatWorkloadError(new WorkloadError({ file: 'w.json', eventIndex: 0 }, 'time goes backwards: t=5 after t=10'))).toBe(
      'w.json: event 0: time goes backwards: t=5 after t=10',
    );
    expect(formatWorkloadError(new WorkloadError({ file: 'w.json', eventIndex: 2, sourceLine: 7 }, 'x', 'Do y.'))).toBe('w.json: event 2 at line 7: x. Do y.');
    expect(formatWorkloadError(new WorkloadError({ file: 't.ndjson', position: 'line 14', path: 'to' }, 'bad'))).toBe('t.ndjson: line 14: to: bad');
    expect(formatWorkloadError(new WorkloadError({ file: 't.ndjson', eventIndex: 20, path: 'line 14' }, 'bad'))).toBe('t.ndjson: event 20 (line 14): bad');
    expect(formatWorkloadError(new WorkloadError({ file: 'w.json', position: '3:14' }, 'invalid JSON: trailing comma'))).toBe(
      'w.json:3:14: invalid JSON: trailing comma',
    );
  });

  it('truncates a long source line with an ellipsis and keeps the message on one line', () => {
    const text = `x = ${'a'.repeat(100)}`;
    const line = formatWorkloadError(
      new WorkloadError({ file: 'w.json', eventIndex: 1, sourceFile: 'a.py', sourceLine: 1, sourceText: text }, 'two\nlines'),
    );
    expect(line).toBe(`w.json: event 1 at a.py:1 "x = ${'a'.repeat(55)}…": two lines`);
    expect(formatInputProblem(new Error('boom'))).toBeNull();
  });
});
