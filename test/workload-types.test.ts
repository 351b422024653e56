// What a type name in a workload means: "object" is Python's object(), a class of the workload's own
// keeps its name, and a type left out is a plain class instance.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { formatInputProblem } from '../src/workload/format.js';
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
