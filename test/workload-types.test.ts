// What a type name in a workload means: "object" is Python's object(), a class of the workload's own
// keeps its name, and a type left out is a plain class instance.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { formatInputProblem } from '../src/cli/problems.js';
import { workloadFromObject } from '../src/workload/load.js';

async function run(events: unknown[], python = '3.11', header: Record<string, unknown> = {}) {
  return (await replayWorkload(workloadFromObject({ version: 1, python, source: { file: 't.py', lines: ['x = X()', 'y = Y()', 'z = Z()'] }, ...header, events }, 't.json'))).report;
}

async function problem(events: unknown[]): Promise<string[] | null> {
  try {
    await run(events);
  } catch (err) {
    return formatInputProblem(err);
  }
  return null;
}

describe('"type": "object"', () => {
  it('is Python\'s object(): 16 bytes on 3.11, 3.12 and 3.13, not a GC type (no count moves)', async () => {
    for (const python of ['3.11', '3.12', '3.13']) {
      const report = await run([{ op: 'alloc', id: 'o', type: 'object', as: 'o', line: 1 }], python);
      expect(report.summary.finalBytes).toBe(16);
      expect(report.gc.count).toEqual([0, 0, 0]);
      expect(report.leaks!.reachable.sites[0]!.types).toEqual([{ type: 'object', objects: 1, bytes: 16 }]);
    }
  });

  it('takes no attributes and no weak reference, as in CPython', async () => {
    expect(await problem([{ op: 'alloc', id: 'o', type: 'object', fields: { x: null }, line: 1 }])).toEqual([
      't.json: event 0 (events[0]) at t.py:1 "x = X()": \'o\' is an object(): Python\'s bare object has no attributes and holds no references. ' +
        'For an instance of a class of your own give its name as "type" ("Node"), or leave "type" out (a plain class, Instance).',
    ]);
    expect(await problem([{ op: 'alloc', id: 'o', type: 'object', as: 'o', line: 1 }, { op: 'weakref', id: 'w', to: '$o', as: 'w' }])).toEqual([
      't.json: event 1 (events[1]) at t.py:1 "x = X()": cannot create weak reference to \'object\' object. Weak references can point to class instances, functions and sets.',
    ]);
  });

  it('left out, the type is a plain class instance, Instance: 56 bytes on 3.11, 48 on 3.12+, a GC type', async () => {
    const expected = { '3.11': 56, '3.12': 48, '3.13': 48 } as const;
    for (const python of ['3.11', '3.12', '3.13'] as const) {
      const report = await run([{ op: 'alloc', id: 'a', as: 'a', fields: { x: null }, line: 1 }], python);
      expect(report.summary.finalBytes).toBe(expected[python]);
      expect(report.gc.count).toEqual([1, 0, 0]);
      expect(report.leaks!.reachable.sites[0]!.types).toEqual([{ type: 'Instance', objects: 1, bytes: expected[python] }]);
    }
  });

  it('a class of the workload\'s own keeps its name, declared or not', async () => {
    const report = await run([
      { op: 'alloc', id: 'n', type: 'Node', as: 'n', line: 1 },
      { op: 'alloc', id: 'r', type: 'Row', as: 'r', line: 2 },
    ], '3.11', { types: { Row: { size: 200 } } });
    expect(report.leaks!.reachable.sites.flatMap((s) => s.types)).toEqual([
      { type: 'Row', objects: 1, bytes: 200 },
      { type: 'Node', objects: 1, bytes: 56 },
    ]);
  });
});

describe('a type name close to a built-in one', () => {
  it('is matched to the built-in it is probably a typo of; real class names are not', async () => {
    const { closeBuiltinName } = await import('../src/heap/registry.js');
    const typos: Record<string, string> = { Lsit: 'list', dcit: 'dict', tupel: 'tuple', byte: 'bytes', List: 'list', Dict: 'dict', bytearay: 'bytearray', Object: 'object', flaot: 'float', weakrf: 'weakref', frozenst: 'frozenset' };
    for (const [typo, builtin] of Object.entries(typos)) expect([typo, closeBuiltinName(typo)]).toEqual([typo, builtin]);
    for (const name of ['Node', 'Row', 'Item', 'Entry', 'Route', 'Report', 'Image', 'Session', 'Record', 'Connection', 'py_object', 'Fin', 'Res', 'Leg', 'Instance', 'list', 'object']) {
      expect([name, closeBuiltinName(name)]).toEqual([name, undefined]);
    }
  });

  it('gets one warning on stderr per name, with where it is first used; the exit code and the report are unchanged', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'memprof-typo-'));
    const file = join(dir, 'typo.json');
    const events = [
      { op: 'alloc', id: 'a', type: 'Lsit', as: 'a', line: 1 },
      { op: 'alloc', id: 'b', type: 'Lsit', as: 'b', line: 2 },
      { op: 'alloc', id: 'c', type: 'dcit', as: 'c', line: 3 },
      { op: 'alloc', id: 'd', type: 'Node', as: 'd', line: 3 },
      { op: 'alloc', id: 'e', type: 'Dict', as: 'e', line: 3 },
    ];
    writeFileSync(file, JSON.stringify({ version: 1, source: { file: 't.py', lines: ['a = Lsit()', 'b = Lsit()', 'c = dcit()'] }, types: { Dict: {} }, events }));
    const memprof = (args: string[]) => spawnSync(process.execPath, ['bin/memprof.js', ...args], { encoding: 'utf8' });
    const warning = (n: number, line: number, text: string, name: string, builtin: string) =>
      `${file}: event ${n} (events[${n}]) at t.py:${line} "${text}": warning: type "${name}" is neither built in nor declared in "types", so it is a class of the workload's own (56-byte instances). ` +
      `Did you mean "${builtin}"? A class of your own named so on purpose can be declared in "types" to silence this.\n`;
    const expected = warning(0, 1, 'a = Lsit()', 'Lsit', 'list') + warning(2, 3, 'c = dcit()', 'dcit', 'dict');
    const validate = memprof(['validate', file]);
    expect(validate).toMatchObject({ status: 0, stdout: `${file}: ok (5 events)\n`, stderr: expected });
    const check = memprof(['check', file, '--jobs', '1']);
    expect(check).toMatchObject({ status: 0, stderr: expected });
    expect(memprof(['run', file, '-q'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });
});
