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
import { SHARED_DICT_COLLECTS, SHARED_DICT_EVENTS } from './support/shared-dict.js';

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
    [{ op: 'materialize', id: 'k' }, '3.11', {}, `'k' is a list: only an instance of a class without fixed slots, or of a subclass of list, dict, set, frozenset or tuple, has a __dict__ to make`],
    [{ op: 'materialize', id: 'a' }, '3.11', { Node: { slots: ['me', 'kids'] } }, `'a' is a Node: only an instance of a class without fixed slots, or of a subclass of list, dict, set, frozenset or tuple, has a __dict__ to make`],
  ] as const)('refuses %j on %s (types %j)', async (event, python, types, message) => {
    await expect(replay([event as Event], python, types)).rejects.toThrow(message);
  });
});

// An instance of a subclass of list, dict, set, frozenset or tuple gets a dict of its own at its
// first attribute, outside its items; the events name it `<id>.__dict__`. Measured on 3.11.7,
// 3.12.1 and 3.13.0 after gc.collect() and gc.freeze(), `class Env(dict)`, `class Path(list)`,
// `class T(tuple)`:
//   a = Env(); b = Env(); a.outer = b; b.outer = a; del a, b; gc.collect()  -> 4
//   p = Path(); p.parent = p; p.append([1]); del p; gc.collect()             -> 3
//   e = Env(); e['self'] = e; e.name = 'x'; del e; gc.collect()             -> 1 (its dict holds
//                                                           only a str: the collector never tracks it)
//   t = T(); t.me = t; del t; gc.collect()                                   -> 2
// The dict's `sys.getsizeof` is 304 bytes on all three.
describe('materialize on an instance of a container subclass', () => {
  const TYPES = { Env: { base: 'dict' }, Path: { base: 'list' }, T: { base: 'tuple' } };

  async function collected(events: Event[], python: '3.11' | '3.12' | '3.13' = '3.11') {
    const { report } = await replayWorkload(workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, types: TYPES, events: [...events, { op: 'gc.collect' }] }), { python });
    return report.gc.passes.map((p) => p.collected);
  }

  it.each(['3.11', '3.12', '3.13'] as const)('two dict subclass instances whose attributes refer to each other: 4 on %s', async (python) => {
    const events: Event[] = [
      { op: 'alloc', id: 'a', type: 'Env', as: 'a' },
      { op: 'alloc', id: 'b', type: 'Env', as: 'b' },
      { op: 'materialize', id: 'a', size: 304 },
      { op: 'ref', from: 'a.__dict__', field: 'outer', to: 'b' },
      { op: 'materialize', id: 'b', size: 304 },
      { op: 'ref', from: 'b.__dict__', field: 'outer', to: 'a' },
      { op: 'unbind', name: 'a' },
      { op: 'unbind', name: 'b' },
    ];
    expect(await collected(events, python)).toEqual([4]);
  });

  it('a list subclass that is its own parent, holding a list: 3', async () => {
    const events: Event[] = [
      { op: 'alloc', id: 'p', type: 'Path', as: 'p' },
      { op: 'materialize', id: 'p' },
      { op: 'ref', from: 'p.__dict__', field: 'parent', to: 'p' },
      { op: 'alloc', id: 'l', type: 'list', into: { obj: 'p' } },
      { op: 'unbind', name: 'p' },
    ];
    expect(await collected(events)).toEqual([3]);
  });

  it('a dict subclass in a cycle through its items, whose own dict holds a str: 1', async () => {
    const events: Event[] = [
      { op: 'alloc', id: 'e', type: 'Env', as: 'e' },
      { op: 'ref', from: 'e', field: 'self', to: 'e' },
      { op: 'materialize', id: 'e' },
      { op: 'alloc', id: 's', type: 'str', into: { obj: 'e.__dict__', field: 'name' } },
      { op: 'unbind', name: 'e' },
    ];
    expect(await collected(events)).toEqual([1]);
  });

  it('a tuple subclass that refers to itself through its dict: 2', async () => {
    const events: Event[] = [
      { op: 'alloc', id: 't', type: 'T', as: 't' },
      { op: 'materialize', id: 't' },
      { op: 'ref', from: 't.__dict__', field: 'me', to: 't' },
      { op: 'unbind', name: 't' },
    ];
    expect(await collected(events)).toEqual([2]);
  });

  it('the dict dies with its instance, and its id is not given again', async () => {
    const events: Event[] = [
      { op: 'alloc', id: 'e', type: 'Env', as: 'e' },
      { op: 'materialize', id: 'e' },
      { op: 'alloc', id: 'l', type: 'list', into: { obj: 'e.__dict__', field: 'items' } },
      { op: 'unbind', name: 'e' },
      { op: 'alloc', id: 'e.__dict__', type: 'dict' },
    ];
    await expect(collected(events)).rejects.toThrow("duplicate id 'e.__dict__' (an object with this id was freed at event 3)");
  });

  it('refuses an instance of the built-in type itself', async () => {
    await expect(collected([{ op: 'alloc', id: 'd', type: 'dict', as: 'd' }, { op: 'materialize', id: 'd' }])).rejects.toThrow(
      `'d' is a dict: only an instance of a class without fixed slots, or of a subclass of list, dict, set, frozenset or tuple, has a __dict__ to make`,
    );
  });
});

// `obj.__dict__ = d` (`dict`): the object refers to d from then on. Measured on 3.11.7, 3.12.1 and
// 3.13.0 after gc.collect() and gc.freeze(), `class AttrDict(dict)`, `class A`:
//   e = AttrDict(); e.__dict__ = e; e['x'] = [1]; del e; gc.collect()               -> 2
//   shared = {}; a = A(); a.x = [1, 2]; a.__dict__ = shared; a.me = a; del a;
//   gc.collect() -> 0; del shared; gc.collect()                                      -> 2
describe('materialize with a dict: `obj.__dict__ = d`', () => {
  const TYPES = { AttrDict: { base: 'dict' }, Node: { slots: ['next'] } };

  async function collected(events: Event[], python: '3.11' | '3.12' | '3.13' = '3.11') {
    const { report } = await replayWorkload(workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, types: TYPES, events }), { python });
    return report.gc.passes.map((p) => p.collected);
  }

  it.each(['3.11', '3.12', '3.13'] as const)('a dict subclass that is its own __dict__ is a cycle: 2 on %s', async (python) => {
    const events: Event[] = [
      { op: 'alloc', id: 'e', type: 'AttrDict', as: 'e' },
      { op: 'materialize', id: 'e', dict: 'e' },
      { op: 'alloc', id: 'l', type: 'list', into: { obj: 'e', field: 'x' } },
      { op: 'unbind', name: 'e' },
      { op: 'gc.collect' },
    ];
    expect(await collected(events, python)).toEqual([2]);
  });

  it.each(['3.11', '3.12', '3.13'] as const)('an instance given a shared dict drops its values and stores into that dict: 0 then 2 on %s', async (python) => {
    expect(await collected([...SHARED_DICT_EVENTS], python)).toEqual(SHARED_DICT_COLLECTS);
  });

  it('an instance\'s "__dict__" field is the same assignment', async () => {
    const events = SHARED_DICT_EVENTS.map((e): Event => (e.op === 'materialize' ? { op: 'ref', from: 'a', field: '__dict__', to: 'shared' } : e));
    expect(await collected(events)).toEqual(SHARED_DICT_COLLECTS);
  });

  it.each([
    [[{ op: 'alloc', id: 'd', type: 'dict', as: 'd' }, { op: 'materialize', id: 'd', dict: 'd' }], `'d' is a dict: only an instance of a class, or of a subclass of list, dict, set, frozenset or tuple, has a __dict__ to assign`],
    [[{ op: 'alloc', id: 'n', type: 'Node', as: 'n' }, { op: 'alloc', id: 'd', type: 'dict', as: 'd' }, { op: 'materialize', id: 'n', dict: 'd' }], `'n' is a Node, whose fixed slots leave no __dict__ to assign`],
    [[{ op: 'alloc', id: 'a', type: 'A', as: 'a' }, { op: 'alloc', id: 'l', type: 'list', as: 'l' }, { op: 'materialize', id: 'a', dict: 'l' }], `'l' is a list: __dict__ must be set to a dictionary`],
  ] as const)('refuses %j', async (events, message) => {
    await expect(collected(events as unknown as Event[])).rejects.toThrow(message);
  });
});

// `obj.__class__ = C` (setclass): CPython makes the instance's dict first (its referents are that
// dict and its class from then on), then the instance is a C. On 3.11.7, 3.12.1 and 3.13.0 after
// gc.collect() and gc.freeze(), `class A`, `class B`:
//   a = A(); a.x = [1]; a.me = a; a.__class__ = B; del a; gc.collect()   -> 3
describe('setclass: `obj.__class__ = C`', () => {
  async function replay(events: Event[]) {
    return replayWorkload(workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, types: { S: { slots: ['x'] } }, events }), { python: '3.12' });
  }
  const swap: Event[] = [
    { op: 'alloc', id: 'a', type: 'A', as: 'a' },
    { op: 'alloc', id: 'x', type: 'list', into: { obj: 'a', field: 'x' } },
    { op: 'ref', from: 'a', field: 'me', to: 'a' },
    { op: 'materialize', id: 'a', size: 296 },
    { op: 'setclass', id: 'a', type: 'B' },
  ];

  it('keeps the attributes: the instance, its dict and its list are a cycle of 3', async () => {
    const { report } = await replay([...swap, { op: 'unbind', name: 'a' }, { op: 'gc.collect' }]);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([3]);
  });

  it('keeps the attributes without a dict too, moved to the new class', async () => {
    const { report } = await replay([...swap.filter((e) => e.op !== 'materialize'), { op: 'unbind', name: 'a' }, { op: 'gc.collect' }]);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([2]);
  });

  it('refuses a list, and a class of another layout', async () => {
    await expect(replay([{ op: 'alloc', id: 'l', type: 'list', as: 'l' }, { op: 'setclass', id: 'l', type: 'B' }])).rejects.toThrow(
      "'l' is a list: only a class instance's __class__ can be assigned",
    );
    await expect(replay([{ op: 'alloc', id: 'a', type: 'A', as: 'a' }, { op: 'setclass', id: 'a', type: 'S' }])).rejects.toThrow(
      "__class__ assignment: 'A' object layout differs from 'S'",
    );
  });
});
