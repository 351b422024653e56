// Sets and frozensets: their sizes (sys.getsizeof of CPython 3.11–3.13, 64-bit), how the collector
// treats them, what they may hold, and the script `export --python` writes for them. The
// differential suite holds the same figures to what CPython prints
// (fixtures/differential/sets-and-frozensets.json and the seeded workloads).
import { describe, expect, it } from 'vitest';
import { exportPython } from '../src/export/python.js';
import { formatInputProblem } from '../src/cli/problems.js';
import { Replay, replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import type { Event, PythonVersion } from '../src/workload/schema.js';

function workload(events: Event[], extra: Record<string, unknown> = {}) {
  return workloadFromObject({ version: 1, source: { file: 's.py', lines: [] }, ...extra, events }, 's.json');
}

function replay(events: Event[], python: PythonVersion = '3.11'): Replay {
  const w = workload(events);
  const r = new Replay(w, { python });
  for (const se of w.events) r.step(se);
  return r;
}

/** A str bound to a name of its own, `x{i}`. */
const strs = (n: number): Event[] => Array.from({ length: n }, (_, i): Event => ({ op: 'alloc', id: `x${i}`, type: 'str', as: `x${i}` }));

/** The problem a workload is refused for, as the user reads it. */
async function problem(events: Event[]): Promise<string> {
  try {
    await replayWorkload(workload(events));
  } catch (e) {
    const lines = formatInputProblem(e);
    if (lines !== null) return lines.join('\n');
    throw e;
  }
  throw new Error('expected the workload to be refused');
}

describe('set sizes follow set_add_entry (sys.getsizeof, 64-bit)', () => {
  it.each(['3.11', '3.12', '3.13'] as PythonVersion[])('%s: a set grows to 728 bytes at its 5th item and 2264 at its 19th', (python) => {
    const sizes: number[] = [];
    const events: Event[] = [...strs(20), { op: 'alloc', id: 's', type: 'set', as: 's' }];
    for (let i = 0; i < 20; i++) {
      events.push({ op: 'ref', from: '$s', to: `$x${i}` });
      sizes.push(replay(events, python).heap.object('s')!.size);
    }
    expect(sizes).toEqual([216, 216, 216, 216, 728, 728, 728, 728, 728, 728, 728, 728, 728, 728, 728, 728, 728, 728, 2264, 2264]);
  });

  it('a set or frozenset built with its items grows as it adds them one by one', () => {
    const built = (type: string, n: number): number =>
      replay([...strs(n), { op: 'alloc', id: 'z', type, items: Array.from({ length: n }, (_, i) => `$x${i}`), as: 'z' }]).heap.object('z')!.size;
    expect([0, 4, 5, 18, 19].map((n) => built('frozenset', n))).toEqual([216, 216, 728, 728, 2264]);
    expect([0, 4, 5, 18, 19].map((n) => built('set', n))).toEqual([216, 216, 728, 728, 2264]);
  });

  it('an item added twice is one item; a removed item leaves the table as it is', () => {
    const events: Event[] = [...strs(5), { op: 'alloc', id: 's', type: 'set', items: ['$x0', '$x1', '$x2', '$x3', '$x0'], as: 's' }];
    const set = replay(events).heap.object('s')!;
    expect(set.items!.length).toBe(4);
    expect(set.size).toBe(216);
    events.push({ op: 'ref', from: '$s', to: '$x4' }, { op: 'unref', from: '$s', to: '$x4' }, { op: 'unref', from: '$s', to: '$x0' });
    const after = replay(events).heap.object('s')!;
    expect(after.items!.length).toBe(3);
    expect(after.size).toBe(728);
  });
});

describe('the collector and sets', () => {
  it('tracks a set that holds only strs, and keeps tracking it after a full collection (a dict is untracked)', () => {
    const r = replay([
      ...strs(2),
      { op: 'alloc', id: 's', type: 'set', items: ['$x0', '$x1'], as: 's' },
      { op: 'alloc', id: 'd', type: 'dict', fields: { k: '$x0' }, as: 'd' },
      { op: 'gc.collect' },
    ]);
    expect(r.heap.object('s')!.tracked).toBe(true);
    expect(r.heap.object('d')!.tracked).toBe(false);
  });

  it('visits a set\'s items: a cycle through a set is found, and a set of strs held by it is collected with it', async () => {
    const report = (
      await replayWorkload(
        workload([
          ...strs(1),
          { op: 'alloc', id: 'node', type: 'Node', as: 'node' },
          { op: 'alloc', id: 'members', type: 'set', items: ['$node', '$x0'], into: { obj: '$node', field: 'members' } },
          { op: 'alloc', id: 'labels', type: 'frozenset', items: ['$x0'], into: { obj: '$node', field: 'labels' } },
          { op: 'unbind', name: 'node' },
          { op: 'gc.collect' },
        ]),
      )
    ).report;
    expect(report.gc.passes.map((p) => p.result)).toEqual([3]);
    expect(report.summary.objectsLive).toBe(1); // x0
  });
});

describe('what a set may hold', () => {
  it('refuses a list, a dict, a set or a bytearray, as CPython does (unhashable type)', async () => {
    expect(await problem([{ op: 'alloc', id: 'l', type: 'list', as: 'l' }, { op: 'alloc', id: 's', type: 'set', items: ['$l'] }])).toBe(
      "s.json: event 1 (events[1]): unhashable type: 'list': a set cannot hold 'l'. Put instances, functions, frozensets, strs, numbers and tuples of them in a set.",
    );
    expect(await problem([{ op: 'alloc', id: 's', type: 'set', as: 's' }, { op: 'alloc', id: 'd', type: 'dict', into: { obj: '$s' } }])).toBe(
      "s.json: event 1 (events[1]): unhashable type: 'dict': a set cannot hold 'd'. Put instances, functions, frozensets, strs, numbers and tuples of them in a set.",
    );
    expect(
      await problem([
        { op: 'alloc', id: 'b', type: 'bytearray', as: 'b' },
        { op: 'alloc', id: 't', type: 'tuple', items: [null, '$b'], as: 't' },
        { op: 'alloc', id: 'z', type: 'frozenset', items: ['$t'] },
      ]),
    ).toBe(
      "s.json: event 2 (events[2]): unhashable type: 'bytearray': a set cannot hold 'b' (in 't'). Put instances, functions, frozensets, strs, numbers and tuples of them in a set.",
    );
  });

  it('takes instances, functions, frozensets, numbers, None and tuples of them', async () => {
    const report = (
      await replayWorkload(
        workload([
          { op: 'alloc', id: 'n', type: 'Node', as: 'n' },
          { op: 'alloc', id: 'f', type: 'function', as: 'f' },
          { op: 'alloc', id: 'i', type: 'int', as: 'i' },
          { op: 'alloc', id: 'z', type: 'frozenset', items: ['$i'], as: 'z' },
          { op: 'alloc', id: 't', type: 'tuple', items: ['$n', null], as: 't' },
          { op: 'alloc', id: 's', type: 'set', items: ['$n', '$f', '$i', '$z', '$t', null], as: 's' },
        ]),
      )
    ).report;
    expect(report.summary.objectsLive).toBe(6);
  });

  it('adds nothing to a frozenset after it is built', async () => {
    expect(await problem([{ op: 'alloc', id: 'z', type: 'frozenset', as: 'z' }, { op: 'alloc', id: 'n', type: 'Node', into: { obj: '$z' } }])).toBe(
      "s.json: event 1 (events[1]): 'z' is a frozenset: its items are set only when it is created. Give the items in the frozenset's \"alloc\".",
    );
  });
});

describe('export --python of sets', () => {
  it('builds a set by set() and add(), and a frozenset from an iterator the script made before the workload', async () => {
    const script = await exportPython(
      workload([
        ...strs(2),
        { op: 'alloc', id: 's', type: 'set', items: ['$x0'], as: 's' },
        { op: 'ref', from: '$s', to: '$x1' },
        { op: 'unref', from: '$s', to: '$x0' },
        { op: 'alloc', id: 'z', type: 'frozenset', items: ['$x0', '$x1'], as: 'z' },
      ]),
    );
    expect(script).toContain("_mp_t = _mp_str + '0'\n");
    expect(script).toContain("_mp_t = _mp_str + '1'\n");
    expect(script).toContain('_mp_t = set()\n');
    expect(script).toContain('_mp_t.add(x0)\n');
    expect(script).toContain('s.add(x1)\n');
    expect(script).toContain('s.remove(x0)\n');
    expect(script).toContain('_mp_fsrc.append(x0)\n_mp_fsrc.append(x1)\n_mp_t = frozenset(_mp_fiters[0])\n_mp_fsrc.clear()\n');
    const prelude = script.indexOf('_mp_fiters = [iter(_mp_fsrc) for _mp_i in range(1)]');
    expect(prelude).toBeGreaterThan(0);
    expect(prelude).toBeLessThan(script.indexOf('_mp_gc.freeze()'));
  });

  it('refuses a set member CPython could not hash: a declared atomic class is exported as a bytearray', async () => {
    const w = workloadFromObject({
      version: 1,
      types: { Blob: { tracked: false } },
      events: [
        { op: 'alloc', id: 'b', type: 'Blob', as: 'b' },
        { op: 'alloc', id: 's', type: 'set', as: 's' },
        { op: 'ref', from: '$s', to: '$b' },
      ],
    });
    await expect(exportPython(w)).rejects.toThrow("unhashable type: 'bytearray': a set cannot hold 'b'");
  });
});
