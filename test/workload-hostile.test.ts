// Workloads from pull requests may be hostile: every number has a range, nesting has a cap, a line
// has a length limit, and any string a Python program can use as a key works as one.
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { formatInputProblem } from '../src/cli/problems.js';
import { ioReason, loadWorkload, workloadFromObject } from '../src/workload/load.js';
import type { LoadedWorkload, SourcedEvent } from '../src/workload/loaded.js';
import { LineReader, LineTooLongError } from '../src/workload/lines.js';
import { MAX_BYTES, parseSize, sizeStringBytes, type Event } from '../src/workload/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'memprof-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function events(w: LoadedWorkload | Promise<LoadedWorkload>): Promise<SourcedEvent[]> {
  const out: SourcedEvent[] = [];
  for await (const e of (await w).events) out.push(e);
  return out;
}

async function problems(run: () => unknown): Promise<string[]> {
  try {
    await events(run() as Promise<LoadedWorkload>);
  } catch (e) {
    const lines = formatInputProblem(e);
    if (lines === null) throw e;
    return lines;
  }
  throw new Error('expected the workload to be rejected');
}

/** `{"op":"repeat",…}` nested `depth` deep around a `line` event, as JSON text. */
function nestedRepeats(depth: number): string {
  let ev = '{"op":"line","line":1}';
  for (let d = 0; d < depth; d++) ev = `{"op":"repeat","count":1,"var":"v${d}","body":[${ev}]}`;
  return ev;
}

const RANGE = 'sizes are whole bytes from 0 to 2^53−1 (9007199254740991)';

describe('sizes', () => {
  it('are whole bytes: a unit string must come out whole, exactly', () => {
    expect(sizeStringBytes('1.5 KiB')).toBe(1536);
    expect(sizeStringBytes('0.125 KiB')).toBe(128);
    expect(sizeStringBytes('8388607.999999999068677425384521484375 GiB')).toBe(MAX_BYTES);
    expect(sizeStringBytes('8388608 GiB')).toBeUndefined();
    expect(sizeStringBytes('0.3 B')).toBeUndefined();
    expect(sizeStringBytes('0.1 MiB')).toBeUndefined();
    // A double would round this to 0.125 KiB; the exact value is not whole.
    expect(sizeStringBytes('0.1250000000000000000001 KiB')).toBeUndefined();
    expect(sizeStringBytes('9'.repeat(309))).toBeUndefined();
    expect(sizeStringBytes(`${'0'.repeat(400)}12 B`)).toBe(12);
    expect(sizeStringBytes('99999999999999999999999 GiB')).toBeUndefined();
    expect(parseSize('1.5 KiB')).toBe(1536);
    expect(parseSize('8388607.999999999068677425384521484375 GiB')).toBe(MAX_BYTES);
  });

  it('name the range when a number is a fraction, beyond 2^53−1 or beyond a double (1e400)', async () => {
    const text = '{"version":1,"events":[{"op":"alloc","id":"a","size":1.5},{"op":"alloc","id":"b","size":1e400},{"op":"resize","id":"a","size":"0.3 B"}]}';
    expect(await problems(() => loadWorkload(file('sizes.json', text)))).toEqual([
      `${dir}/sizes.json: events[0].size: ${RANGE}, got 1.5`,
      `${dir}/sizes.json: events[1].size: ${RANGE}, got a number too large to hold (Infinity)`,
      `${dir}/sizes.json: events[2].size: ${RANGE}, got "0.3 B"`,
    ]);
  });

  it('add up to at most 2^53−1 over the whole trace, repeats expanded, NDJSON too', async () => {
    const header = '{"version":1,"baseline":"1 GiB","types":{"Blob":{"size":"4194304 GiB"}}}';
    const path = file('sum.ndjson', `${header}\n{"op":"repeat","count":3,"body":[{"op":"alloc","id":"b{i}","type":"Blob","line":4}]}\n`);
    expect(await problems(() => loadWorkload(path))).toEqual([
      `${path}: event 1 (line 2 body[0], i=1) at line 4: the trace allocates more than 2^53−1 bytes in all (9007199254740991, ` +
        'baseline included): memory figures past that are not exact. Use smaller sizes or fewer iterations.',
    ]);
    // Up to the limit it is fine: 2^52 + (2^52 − 1).
    const fits = workloadFromObject({
      version: 1,
      events: [
        { op: 'alloc', id: 'a', size: 2 ** 52, as: 'a' },
        { op: 'alloc', id: 'b', size: 2 ** 52 - 1, as: 'b' },
      ],
    });
    expect((await events(fits)).length).toBe(2);
    const resized = workloadFromObject({
      version: 1,
      events: [
        { op: 'alloc', id: 'a', size: 0, as: 'a' },
        { op: 'resize', id: 'a', by: 2 ** 52 },
        { op: 'resize', id: 'a', size: 2 ** 52 },
      ],
    });
    expect((await problems(() => resized))[0]).toMatch(/^<inline>: event 2 \(events\[2\]\): the trace allocates more than/);
  });
});

describe('nesting', () => {
  it('allows 100 nested repeats and rejects 101 before zod sees them, in .json and NDJSON', async () => {
    expect((await events(loadWorkload(file('d100.json', `{"version":1,"events":[${nestedRepeats(100)}]}`)))).length).toBe(1);
    expect((await events(loadWorkload(file('d100.ndjson', `{"version":1}\n${nestedRepeats(100)}\n`)))).length).toBe(1);
    const reason = 'repeats nest more than 100 deep in this event: at most 100 repeats may nest inside one another. Merge or unroll the inner loops.';
    expect(await problems(() => loadWorkload(file('d700.json', `{"version":1,"events":[${nestedRepeats(700)}]}`)))).toEqual([
      `${dir}/d700.json: events[0]: ${reason}`,
    ]);
    expect(await problems(() => loadWorkload(file('d700.ndjson', `{"version":1}\n\n${nestedRepeats(700)}\n`)))).toEqual([
      `${dir}/d700.ndjson: line 3: ${reason}`,
    ]);
    // Even a nest of 100,000 is found with an explicit stack.
    expect(await problems(() => workloadFromObject(JSON.parse(`{"version":1,"events":[${nestedRepeats(100_000)}]}`)))).toEqual([
      `<inline>: events[0]: ${reason}`,
    ]);
  });

  it('reports a deeply nested value anywhere as a wrong type, without overflowing the stack', async () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const deepObject = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(await problems(() => loadWorkload(file('deep-whole.json', deep)))).toEqual([`${dir}/deep-whole.json: expected object, got an array`]);
    expect(await problems(() => loadWorkload(file('deep-name.json', `{"version":1,"name":${deepObject},"events":[]}`)))).toEqual([
      `${dir}/deep-name.json: name: expected string, got an object`,
    ]);
    expect(
      await problems(() => loadWorkload(file('deep-field.json', `{"version":1,"events":[{"op":"alloc","id":"a","fields":{"x":${deep}}}]}`))),
    ).toEqual([`${dir}/deep-field.json: events[0].fields.x: expected string, got an array`]);
    expect(await problems(() => loadWorkload(file('deep-line.ndjson', `{"version":1}\n{"op":"repeat","count":1,"body":${deep}}\n`)))).toEqual([
      `${dir}/deep-line.ndjson: line 2: body[0]: expected object, got an array`,
    ]);
  });
});

describe('NDJSON lines', () => {
  it('are at most the cap long; the error names the line and the cap', () => {
    const path = file('long.ndjson', 'ab\n0123456789\n01234567890\nx');
    const reader = LineReader.open(path, 4, 10);
    const lines: string[] = [];
    let error: unknown;
    try {
      for (;;) {
        for (let line = reader.next(); line !== null; line = reader.next()) lines.push(line);
        if (!reader.fill()) break;
      }
    } catch (e) {
      error = e;
    } finally {
      reader.close();
    }
    expect(lines).toEqual(['ab', '0123456789']);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect((error as LineTooLongError).lineNumber).toBe(3);
  });

  it('accept a line of exactly the cap, with \\r\\n, and reject a last line one byte longer', () => {
    const read = (text: string): string[] => {
      const reader = LineReader.open(file('edge.ndjson', text), 3, 10);
      const lines: string[] = [];
      try {
        for (;;) {
          for (let line = reader.next(); line !== null; line = reader.next()) lines.push(line);
          if (!reader.fill()) return lines;
        }
      } finally {
        reader.close();
      }
    };
    expect(read('0123456789\r\n0123456789')).toEqual(['0123456789', '0123456789']);
    expect(() => read('0123456789\r\n01234567890')).toThrow(LineTooLongError);
    expect(() => read('01234567890\r\n')).toThrow(LineTooLongError);
  });

  it('stop /dev/zero named .ndjson at 64 MiB without suggesting NDJSON', async () => {
    const zero = join(dir, 'zero.ndjson');
    symlinkSync('/dev/zero', zero);
    expect(await problems(() => loadWorkload(zero))).toEqual([
      `${zero}: line 1: line longer than 64 MiB: memprof reads lines of at most 64 MiB (67108864 bytes). ` +
        'Each line holds the header or one event: build a large container with several events.',
    ]);
  });

  it('say that line 1 must be the header, for an event and for a pretty-printed document', async () => {
    expect(await problems(() => loadWorkload(file('event-first.ndjson', '\n{"op":"line","line":1}\n')))).toEqual([
      `${dir}/event-first.ndjson: line 2: no header: the first line that is not blank must be the header object, but it holds an event (op "line"). ` +
        'Start the file with a line like {"version": 1}, then write one event per line.',
    ]);
    expect(await problems(() => loadWorkload(file('pretty.ndjson', '{\n  "version": 1,\n  "events": []\n}\n')))).toEqual([
      `${dir}/pretty.ndjson: line 1: invalid JSON at column 2: the line ends before its value does: line 1 must be the header object, whole on one line. ` +
        'An NDJSON file holds one JSON value per line, the header first (like {"version": 1}), then one event per line; name a pretty-printed document .json.',
    ]);
  });
});

describe('messages in the user\'s words', () => {
  it('name what a finalizer may be, and never quote a value that would not fit on a line', async () => {
    const w = { version: 1, types: { A: { finalizer: 'jel' }, B: { finalizer: { resurrect: 'x' } } }, events: [] };
    expect(await problems(() => workloadFromObject(w, 'f.json'))).toEqual([
      'f.json: types.A.finalizer: not a finalizer: write "del", "legacy" or {"resurrect": "$name"}, got "jel"',
      'f.json: types.B.finalizer.resurrect: not a "$name" (a $ and a Python name), got "x"',
    ]);
    const deepOp = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    expect(await problems(() => loadWorkload(file('deep-op.ndjson', `{"op":${deepOp}}\n`)))).toEqual([
      `${dir}/deep-op.ndjson: line 1: no header: line 1 must be the header object, but it holds an event. ` +
        'Start the file with a line like {"version": 1}, then write one event per line.',
    ]);
  });
});

describe('a file too large for one JSON document', () => {
  it('suggests NDJSON for a .json file over 2 GiB (sparse, nothing is read)', async () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    truncateSync(path, 3 * 2 ** 30);
    expect(await problems(() => loadWorkload(path))).toEqual([
      `${path}: cannot read file: too large for one JSON document (write it as NDJSON: a header line, then one event per line)`,
    ]);
  });

  it('says the same for a string over Node\'s limit, but never suggests NDJSON for an NDJSON file', () => {
    expect(ioReason(new RangeError('Invalid string length'))).toBe(
      'cannot read file: too large for one JSON document (write it as NDJSON: a header line, then one event per line)',
    );
    // In NDJSON no line may get that long: a string over the limit is out of memory, not the file.
    expect(ioReason(new RangeError('Invalid string length'), true)).toBeNull();
  });
});

describe('an error while reading that is not the file\'s', () => {
  it('a read that fails (EIO, EACCES) is the file\'s problem, exit 2', () => {
    const eio = Object.assign(new Error("EIO: i/o error, read '/x.ndjson'"), { code: 'EIO', syscall: 'read' });
    expect(ioReason(eio, true)).toBe('cannot read file: EIO: i/o error');
  });

  it('a bug in the reader reaches the user as a bug (exit 3), not as "cannot read file"', async () => {
    const path = file('bug.ndjson', '{"version": 1}\n{"op": "line", "line": 1}\n');
    expect(ioReason(new TypeError("Cannot read properties of undefined (reading 'length')"))).toBeNull();
    const fill = vi.spyOn(LineReader.prototype, 'fill').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'length')");
    });
    try {
      await expect(events(loadWorkload(path))).rejects.toThrow(TypeError);
    } finally {
      fill.mockRestore();
    }
  });
});

describe('placeholders', () => {
  it('reject {name} in an id or reference when no enclosing repeat has that variable', async () => {
    const w = {
      version: 1,
      events: [
        { op: 'repeat', count: 2, var: 'i', body: [{ op: 'alloc', id: 'o{i}', fields: { '{k}': 'o{j}' }, items: ['$x{i}', 'a{zz}'] }] },
      ],
    };
    expect(await problems(() => workloadFromObject(w, 'p.json'))).toEqual([
      'p.json: events[0].body[0].fields["{k}"]: {j} in reference "o{j}": \'j\' is not the variable of any enclosing repeat. ' +
        'In ids and references {name} stands for an enclosing repeat\'s iteration index; here that is {i}.',
      'p.json: events[0].body[0].items[1]: {zz} in reference "a{zz}": \'zz\' is not the variable of any enclosing repeat. ' +
        'In ids and references {name} stands for an enclosing repeat\'s iteration index; here that is {i}.',
    ]);
    const ndjson = file('p.ndjson', '{"version":1}\n{"op":"repeat","count":2,"var":"i","body":[{"op":"repeat","count":1,"var":"k","body":[{"op":"weakref","id":"w{j}","to":"o{i}"}]}]}\n');
    expect(await problems(() => loadWorkload(ndjson))).toEqual([
      `${ndjson}: line 2: body[0].body[0].id: {j} in id "w{j}": 'j' is not the variable of any enclosing repeat. ` +
        'In ids and references {name} stands for an enclosing repeat\'s iteration index; here that is {i}, {k}.',
    ]);
  });

  it('keep braces in dict keys, labels, field names and top-level ids as text', async () => {
    const w = workloadFromObject({
      version: 1,
      events: [
        { op: 'alloc', id: 'top{j}', type: 'dict', as: 'd' },
        {
          op: 'repeat',
          count: 1,
          body: [
            { op: 'alloc', id: 'n{i}', type: 'dict', fields: { '{k}': null, 'k{i}': null }, into: { obj: '$d', field: '{j}' } },
            { op: 'snapshot', label: '{j} at {i}' },
          ],
        },
      ],
    });
    const out = (await events(w)).map((e) => e.event as Record<string, unknown>);
    expect(out[0]!.id).toBe('top{j}');
    expect(out[1]!.fields).toEqual({ '{k}': null, k0: null });
    expect(out[1]!.into).toEqual({ obj: '$d', field: '{j}' });
    expect(out[2]!.label).toBe('{j} at 0');
  });
});

describe('keys that are special to JavaScript', () => {
  const KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];

  function fieldsOf(e: SourcedEvent): Record<string, unknown> {
    return (e.event as { fields: Record<string, unknown> }).fields;
  }

  it('stay dict keys in alloc fields: JSON, NDJSON, zod path and repeat bodies alike', async () => {
    const fields = `{${KEYS.map((k) => `"${k}":"n0"`).join(',')}}`;
    const alloc = `{"op":"alloc","id":"d","type":"dict","fields":${fields}}`;
    const inRepeat = `{"op":"repeat","count":2,"body":[{"op":"alloc","id":"e{i}","type":"dict","fields":{"__proto__":"n{i}","k{i}":null}}]}`;
    const json = `{"version":1,"events":[{"op":"alloc","id":"n0","as":"n"},{"op":"alloc","id":"n1","as":"m"},${alloc},${inRepeat}]}`;
    const ndjson = `{"version":1}\n{"op":"alloc","id":"n0","as":"n"}\n{"op":"alloc","id":"n1","as":"m"}\n${alloc}\n${inRepeat}\n`;
    for (const w of [loadWorkload(file('keys.json', json)), loadWorkload(file('keys.ndjson', ndjson)), workloadFromObject(JSON.parse(json))]) {
      const out = await events(w);
      expect(Object.keys(fieldsOf(out[2]!))).toEqual(KEYS);
      for (const k of KEYS) expect(Object.getOwnPropertyDescriptor(fieldsOf(out[2]!), k)?.value).toBe('n0');
      expect(Object.keys(fieldsOf(out[3]!))).toEqual(['__proto__', 'k0']);
      expect(Object.getOwnPropertyDescriptor(fieldsOf(out[4]!), '__proto__')?.value).toBe('n1');
      expect(Object.keys(fieldsOf(out[4]!))).toEqual(['__proto__', 'k1']);
    }
  });

  it('are class names in types like any other, kept as own keys of a null-prototype record', async () => {
    const types = Object.fromEntries(KEYS.map((k, n) => [k, { size: n + 1 }]));
    // (Object.fromEntries makes `__proto__` an own key, so JSON.stringify writes it.)
    const text = `{"version":1,"types":${JSON.stringify(types)},"events":[]}`;
    for (const path of [file('types.json', text), file('types.ndjson', `${text.replace(',"events":[]', '')}\n`)]) {
      const w = await loadWorkload(path);
      expect(Object.getPrototypeOf(w.header.types)).toBe(null);
      expect(Object.keys(w.header.types)).toEqual(KEYS);
      KEYS.forEach((k, n) => expect(w.header.types[k]).toEqual({ size: n + 1 }));
      expect(w.header.types.Node).toBeUndefined();
    }
    // A document built in memory: JSON.parse makes `__proto__` an own key too.
    const parsed = JSON.parse('{"version":1,"types":{"__proto__":{"size":4}},"events":[]}') as unknown;
    expect(Object.keys(workloadFromObject(parsed).header.types)).toEqual(['__proto__']);
  });
});

describe('events in memory', () => {
  it('are checked like a file: a deep nest given as objects is rejected too', async () => {
    let ev: Event = { op: 'line', line: 1 };
    for (let d = 0; d < 150; d++) ev = { op: 'repeat', count: 1, var: `v${d}`, body: [ev] };
    expect((await problems(() => workloadFromObject({ version: 1, events: [ev] })))[0]).toMatch(/^<inline>: events\[0\]: repeats nest more than 100 deep/);
  });
});
