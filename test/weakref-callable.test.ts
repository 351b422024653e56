// A weakref refers to its callback object (`wr.__callback__`) until the callback is cleared. When
// its referent dies by reference counting the callback runs and the weakref lets go of it
// (PyObject_ClearWeakRefs); when the collector frees the referent the callback runs but stays
// (handle_weakrefs), so a callback that refers back to the weakref's owner keeps them in a cycle.
// Measured on 3.11.7, 3.12.1 and 3.13.0:
//
//   def run(cyclic, per):
//       o = Owner(); o.refs = []
//       for i in range(3):
//           it = Item()
//           if cyclic: it.me = it
//           for j in range(per):
//               def gone(r, o=o): pass
//               o.refs.append(weakref.ref(it, gone))
//               del gone
//           del it
//       a = gc.collect()
//       del o
//       return a, gc.collect()
//
// gives (3, 11) for run(True, 1), (3, 20) for run(True, 2) and (0, 0) for run(False, 1) and
// run(False, 2): the owner, its list, and per weakref the weakref, `gone` and its defaults tuple.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import type { Event } from '../src/workload/schema.js';

function events(cyclic: boolean, per: number, callable: boolean): Event[] {
  const out: Event[] = [
    { op: 'alloc', id: 'o', type: 'Owner', as: 'o' },
    { op: 'alloc', id: 'refs', type: 'list', into: { obj: 'o', field: 'refs' } },
  ];
  for (let i = 0; i < 3; i++) {
    out.push({ op: 'alloc', id: `it${i}`, type: 'Item', as: 'it' });
    if (cyclic) out.push({ op: 'ref', from: `it${i}`, field: 'me', to: `it${i}` });
    for (let j = 0; j < per; j++) {
      const fn = `gone${i}_${j}`;
      out.push({ op: 'alloc', id: fn, type: 'function', as: 'gone' });
      out.push({ op: 'alloc', id: `${fn}.defaults`, type: 'tuple', items: ['o'], into: { obj: fn, field: '__defaults__' } });
      out.push({ op: 'weakref', id: `wr${i}_${j}`, to: `it${i}`, callback: 'gone', ...(callable ? { callable: fn } : {}), into: { obj: 'refs' } });
      out.push({ op: 'unbind', name: 'gone' });
    }
    out.push({ op: 'unbind', name: 'it' });
  }
  out.push({ op: 'gc.collect' }, { op: 'unbind', name: 'o' }, { op: 'gc.collect' });
  return out;
}

async function collects(cyclic: boolean, per: number, python: '3.11' | '3.12' | '3.13', callable = true) {
  const workload = workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, events: events(cyclic, per, callable) });
  const { report } = await replayWorkload(workload, { python });
  return report.gc.passes.map((p) => p.collected);
}

describe('a weakref holds its callback object', () => {
  it.each(['3.11', '3.12', '3.13'] as const)('on %s a referent the collector frees leaves the callback in place', async (python) => {
    expect(await collects(true, 1, python)).toEqual([3, 11]);
    expect(await collects(true, 2, python)).toEqual([3, 20]);
  });

  it.each(['3.11', '3.12', '3.13'] as const)('on %s a referent freed by reference counting takes the callback with it', async (python) => {
    expect(await collects(false, 1, python)).toEqual([0, 0]);
    expect(await collects(false, 2, python)).toEqual([0, 0]);
  });

  it('without "callable" the callback is a label only, and nothing is left in a cycle', async () => {
    expect(await collects(true, 1, '3.11', false)).toEqual([3, 0]);
  });

  it('needs a callback', async () => {
    const workload = workloadFromObject({
      version: 1,
      source: { file: 't.py', lines: [] },
      events: [
        { op: 'alloc', id: 'it', type: 'Item', as: 'it' },
        { op: 'alloc', id: 'f', type: 'function', as: 'f' },
        { op: 'weakref', id: 'wr', to: 'it', callable: 'f', as: 'wr' },
      ],
    });
    await expect(replayWorkload(workload, { python: '3.11' })).rejects.toThrow('"callable" is the callback\'s object, and the weakref has no callback');
  });
});
