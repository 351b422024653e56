// Sets keyed by identity: membership through a map once a set is large, with the order of items
// (memprof's stand-in for CPython's table order) the same as removal in place would leave.
import { describe, expect, it } from 'vitest';
import { workloadFromObject } from '../src/workload/load.js';
import { Replay, replayWorkload } from '../src/replay/replay.js';
import type { Event } from '../src/workload/schema.js';

const ITEM = { types: { Item: { finalizer: 'del' } } };

function workload(events: Event[], extra: Record<string, unknown> = {}) {
  return workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, ...extra, events });
}

function replay(events: Event[]): Replay {
  const w = workload(events);
  const r = new Replay(w, {});
  for (const se of w.events as Iterable<Parameters<Replay['step']>[0]>) r.step(se);
  return r;
}

/** The ids whose finalizers ran, in order, when the set holding `Item`s is dropped. */
async function dropOrder(events: Event[]): Promise<string[]> {
  const { report } = await replayWorkload(workload([...events, { op: 'unbind', name: 's' }], ITEM));
  const last = events.length; // the unbind's event (a discarded member's finalizer ran earlier)
  return report.callbacks.filter((c) => c.kind === 'finalizer' && c.event === last).map((c) => c.id);
}

const items = (ids: number[]): Event[] => ids.map((i) => ({ op: 'alloc', id: `i${i}`, type: 'Item', into: { obj: '$s' } }));
const discard = (ids: number[]): Event[] => ids.map((i) => ({ op: 'unref', from: '$s', to: `i${i}` }));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

describe('sets', () => {
  it('adds and discards 100,000 members, the table at the size CPython 3.11 gives it', () => {
    // s = set(); for o in objs: s.add(o)  →  sys.getsizeof(s) == 4194520, and it stays so after
    // every member is discarded (dummies keep the fill). One scan per member would make this
    // ten billion comparisons.
    const n = 100_000;
    const r = replay([
      { op: 'alloc', id: 's', type: 'set', as: 's', line: 1 },
      { op: 'repeat', var: 'i', count: n, body: [{ op: 'alloc', id: 'n{i}', type: 'object', into: { obj: '$s' }, line: 2 }] },
    ]);
    const set = r.heap.object('s')!;
    expect(set.size).toBe(4_194_520);
    const w = workload([{ op: 'repeat', var: 'i', count: n, body: [{ op: 'unref', from: '$s', to: 'n{i}', line: 3 }] }]);
    for (const se of w.events as Iterable<Parameters<Replay['step']>[0]>) r.step(se);
    expect(set.size).toBe(4_194_520);
    expect(r.heap.object('n0')).toBeUndefined();
    expect(r.heap.object(`n${n - 1}`)).toBeUndefined();
    expect(r.finish().report.summary.objectsFreed).toBe(n);
  });

  it('drops a large set’s members in the order left by the discards, a re-added member last', async () => {
    // 20 members (past the scan limit), every third discarded, 4 added back, then the set dropped.
    const kept = range(0, 20).filter((i) => i % 3 !== 0);
    const events: Event[] = [
      { op: 'alloc', id: 's', type: 'set', as: 's', line: 1 },
      ...items(range(0, 20)),
      { op: 'alloc', id: 'keep', type: 'list', as: 'keep' },
      { op: 'ref', from: '$keep', to: 'i3' },
      ...discard([0, 3, 6, 9, 12, 15, 18]),
      { op: 'ref', from: '$s', to: 'i3' },
    ];
    expect(await dropOrder(events)).toEqual(kept.map((i) => `i${i}`));
    // i3 is still in the list; the set dropped it last.
    const r = replay([...events, { op: 'alloc', id: 'probe', type: 'object', into: { obj: '$s' } }]);
    const order = r.heap.object('s')!.items!.filter((v) => v !== undefined).map((v) => v!.id);
    expect(order).toEqual([...kept.map((i) => `i${i}`), 'i3', 'probe']);
  });

  it('keeps its order when discards outnumber the members and the holes are compacted', async () => {
    const kept = [5, 17, 29, 30, 31];
    const gone = range(0, 32).filter((i) => !kept.includes(i));
    expect(await dropOrder([{ op: 'alloc', id: 's', type: 'set', as: 's', line: 1 }, ...items(range(0, 32)), ...discard(gone), ...items([40, 41])])).toEqual(
      [...kept, 40, 41].map((i) => `i${i}`),
    );
  });

  it('refuses to discard a member it does not hold, and adds a member it holds only once', async () => {
    const r = replay([
      { op: 'alloc', id: 's', type: 'set', as: 's', line: 1 },
      ...items(range(0, 12)),
      { op: 'ref', from: '$s', to: 'i4' },
      ...discard([4]),
    ]);
    const set = r.heap.object('s')!;
    expect(set.items!.filter((v) => v !== undefined).length).toBe(11);
    expect(r.heap.object('i4')).toBeUndefined();
    await expect(replayWorkload(workload([{ op: 'alloc', id: 's', type: 'set', as: 's', line: 1 }, ...items(range(0, 12)), { op: 'alloc', id: 'x', type: 'object', as: 'x' }, { op: 'unref', from: '$s', to: 'x', line: 9 }]))).rejects.toThrow(
      "'s' holds no item that is 'x'",
    );
  });
});
