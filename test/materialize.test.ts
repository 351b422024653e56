// `materialize`: a class instance's `__dict__` is made (`vars(obj)`, `obj.__dict__`, copy, pickle).
// On CPython 3.11 and 3.12 a dict object takes the instance's values and the instance refers to it
// from then on: a collection of the instance's cycle counts one object more. Measured (3.11.7 and
// 3.12.1): `a = Node()` with `self.me = self; self.kids = [[], []]`, then `vars(a)`, `del a`,
// `gc.collect()` gives 5; without `vars(a)`, 4. The dict's `sys.getsizeof` is 296 bytes on both.
// 3.13 keeps the values inline when `__dict__` is made, but the instances of a class without
// inline values (a subclass of a class with `__slots__` or of a C type) hold their attributes in a
// dict from the first one on: `class Sub(Base)` with `Base.__slots__ = ("id",)`, four instances
// linked both ways by `.peer`, gives 6 on 3.13.0 (4 on 3.11 and 3.12); a recorder says so with
// the same event.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import type { Event } from '../src/workload/schema.js';

function events(materialize: Event[]): Event[] {
  return [
    { op: 'alloc', id: 'a', type: 'Node', as: 'a' },
    { op: 'ref', from: 'a', field: 'me', to: 'a' },
    { op: 'alloc', id: 'k', type: 'list', into: { obj: 'a', field: 'kids' } },
    { op: 'alloc', id: 'k1', type: 'list', into: { obj: 'k' } },
    { op: 'alloc', id: 'k2', type: 'list', into: { obj: 'k' } },
    ...materialize,
    { op: 'unbind', name: 'a' },
    { op: 'gc.collect' },
  ];
}

async function replay(materialize: Event[], python: '3.11' | '3.12' | '3.13' = '3.11', types = {}) {
  return replayWorkload(workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, types, events: events(materialize) }), { python });
}

describe('materialize', () => {
  it.each(['3.11', '3.12', '3.13'] as const)('on %s the dict is collected with its instance, at its recorded size', async (python) => {
    const { report } = await replay([{ op: 'materialize', id: 'a', size: 296 }], python);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([5]);
    expect(report.summary.peakBytes - (await replay([], python)).report.summary.peakBytes).toBe(296);
  });

  it('without it, the values stay inline', async () => {
    const { report } = await replay([]);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([4]);
  });

  it('twice is once', async () => {
    const { report } = await replay([{ op: 'materialize', id: 'a' }, { op: 'materialize', id: 'a' }]);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([5]);
  });

  it.each([
    [{ op: 'materialize', id: 'k' }, '3.11', {}, `'k' is a list: only an instance of a class without fixed slots has a __dict__ to make`],
    [{ op: 'materialize', id: 'a' }, '3.11', { Node: { slots: ['me', 'kids'] } }, `'a' is a Node: only an instance of a class without fixed slots has a __dict__ to make`],
  ] as const)('refuses %j on %s (types %j)', async (event, python, types, message) => {
    await expect(replay([event as Event], python, types)).rejects.toThrow(message);
  });
});
