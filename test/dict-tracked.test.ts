// A dict that once held something the collector may track stays tracked when it no longer does
// (MAINTAIN_TRACKING never untracks); only a full collection untracks it (untrack_dicts). A
// recorder that meets such a dict late (garbage library code made) sees only what it holds now,
// so an "alloc" says `tracked: true`. CPython 3.11, 3.12 and 3.13 print 2, then 0 and 1, for:
//
//   d = {"a": []}; d["a"] = 1                   # tracked, holding an int
//   node = Node(); node.d = d; node.me = node
//   del d, node; print(gc.collect())            # 2: the node and the dict
//   (the same again, with a gc.collect() while the dict is alive: 0, then 1)
import { describe, expect, it } from 'vitest';
import { exportPython } from '../src/export/python.js';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import { interpreters, runScript } from './differential/oracle.js';
import { VERSIONS } from './support/corpus.js';

/** The program above as a workload, with the dict allocated as a recorder meets it. */
function workload(tracked: boolean | undefined, collectWhileAlive: boolean) {
  return {
    version: 1,
    name: 'dict-tracked',
    gc: { enabled: false },
    types: { Node: {} },
    events: [
      { op: 'alloc', id: 'd', type: 'dict', fields: { a: null }, as: 'd', ...(tracked === undefined ? {} : { tracked }) },
      ...(collectWhileAlive ? [{ op: 'gc.collect' }] : []),
      { op: 'alloc', id: 'n', type: 'Node', fields: { d: 'd' }, as: 'node' },
      { op: 'ref', from: 'n', field: 'me', to: 'n' },
      { op: 'unbind', name: 'd' },
      { op: 'unbind', name: 'node' },
      { op: 'gc.collect' },
    ],
  };
}

describe('a dict allocated with "tracked": true', () => {
  for (const python of VERSIONS) {
    it(`is counted when the cycle holding it is collected (${python})`, async () => {
      const results = async (tracked: boolean | undefined, early: boolean) =>
        (await replayWorkload(workloadFromObject(workload(tracked, early)), { python })).report.gc.passes.map((p) => p.result);
      expect(await results(true, false)).toEqual([2]);
      expect(await results(undefined, false)).toEqual([1]); // an exact dict of ints starts untracked
      expect(await results(false, false)).toEqual([1]);
      expect(await results(true, true)).toEqual([0, 1]); // the full collection untracked it
    });
  }

  for (const interpreter of interpreters()) {
    it.skipIf(!interpreter.present)(`exports as a dict that held a list first (CPython ${interpreter.python})`, async () => {
      for (const [tracked, early, results] of [
        [true, false, [2]],
        [undefined, false, [1]],
        [true, true, [0, 1]],
      ] as const) {
        const script = await exportPython(workloadFromObject(workload(tracked, early)), { python: interpreter.python });
        expect((await runScript(interpreter.path, script)).collects).toEqual(results);
      }
    });
  }

  it('is a dict: another type with "tracked" is an error', async () => {
    const bad = {
      version: 1,
      name: 'tracked-list',
      events: [{ op: 'alloc', id: 'l', type: 'list', tracked: true, as: 'l' }],
    };
    await expect(replayWorkload(workloadFromObject(bad), { python: '3.12' })).rejects.toThrow(
      /'l' is a list: only a dict takes "tracked"/,
    );
  });
});

// _PyDict_MaybeUntrack looks at the key objects of a table that is not all str keys as well as at
// the values: a dict whose key is an instance stays tracked through a full collection, and the
// cycle through that key is found. CPython 3.11, 3.12 and 3.13 print 0, then 2, for:
//
//   k = Node(); k.d = {k: 1}; print(gc.collect()); del k; print(gc.collect())
describe('a dict whose key is an instance', () => {
  const keyed = {
    version: 1,
    name: 'dict-key-tracked',
    gc: { enabled: false },
    types: { Node: {} },
    events: [
      { op: 'alloc', id: 'k', type: 'Node', as: 'k' },
      { op: 'alloc', id: 'd', type: 'dict', entries: [['k', null]], into: { obj: 'k', field: 'd' } },
      { op: 'gc.collect' },
      { op: 'unbind', name: 'k' },
      { op: 'gc.collect' },
    ],
  };
  for (const python of VERSIONS) {
    it(`stays tracked through a full collection, and its cycle is collected (${python})`, async () => {
      const { report } = await replayWorkload(workloadFromObject(keyed), { python });
      expect(report.gc.passes.map((p) => p.result)).toEqual([0, 2]);
    });
  }
});
