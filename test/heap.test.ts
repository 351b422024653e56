// Reference counting and deallocation order, with figures measured on CPython 3.11–3.13
// (sys.getsizeof, gc.get_referents, __del__ order).
import { describe, expect, it } from 'vitest';
import { workloadFromObject } from '../src/workload/load.js';
import { Replay, replayWorkload } from '../src/replay/replay.js';
import type { Event } from '../src/workload/schema.js';

function workload(events: Event[], extra: Record<string, unknown> = {}) {
  return workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, ...extra, events });
}

async function run(events: Event[], extra: Record<string, unknown> = {}) {
  return (await replayWorkload(workload(events, extra))).report;
}

/** Replays synchronously and hands back the engine, to look at object sizes. */
function replay(events: Event[], extra: Record<string, unknown> = {}): Replay {
  const w = workload(events, extra);
  const r = new Replay(w, {});
  for (const se of w.events as Iterable<Parameters<Replay['step']>[0]>) r.step(se);
  return r;
}

const finalizerLog = (report: { callbacks: { kind: string; id: string }[] }) =>
  report.callbacks.filter((c) => c.kind === 'finalizer').map((c) => c.id);

describe('sizes follow CPython (sys.getsizeof, 64-bit)', () => {
  it('a list grows and shrinks as list_resize allocates', () => {
    const sizes: number[] = [];
    const events: Event[] = [{ op: 'alloc', id: 'l', type: 'list', as: 'l', line: 1 }];
    for (let i = 0; i < 40; i++) events.push({ op: 'alloc', id: `x${i}`, type: 'int', into: { obj: '$l' } });
    const r = replay(events);
    const list = r.heap.object('l')!;
    expect(list.size).toBe(376);
    // Appending one at a time from empty, as CPython 3.11–3.13 report.
    const appended = replay([
      { op: 'alloc', id: 'l', type: 'list', as: 'l', line: 1 },
      ...Array.from({ length: 9 }, (_, i): Event => ({ op: 'alloc', id: `x${i}`, type: 'int', into: { obj: '$l' } })),
    ]);
    sizes.push(appended.heap.object('l')!.size);
    expect(sizes).toEqual([184]);
    // Removing items from 40 down to 0: 376 … 248 (at 19 items) … 56.
    const shrink: number[] = [];
    const events2: Event[] = [...events];
    for (let i = 39; i >= 0; i--) events2.push({ op: 'unref', from: '$l', to: `x${i}` });
    const r2 = new Replay(workload(events2), {});
    let n = 0;
    for (const se of workload(events2).events as Iterable<Parameters<Replay['step']>[0]>) {
      r2.step(se);
      if (++n > 41) shrink.push(r2.heap.object('l')!.size);
    }
    expect(shrink).toEqual([
      376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 376, 248, 248, 248,
      248, 248, 248, 248, 248, 184, 184, 184, 184, 152, 152, 120, 120, 120, 120, 88, 56,
    ]);
  });

  it('a dict with string keys grows 64 → 184 → 272 → 464 → 832 → 1584', () => {
    const events: Event[] = [{ op: 'alloc', id: 'd', type: 'dict', as: 'd', line: 1 }];
    const w = workload([...events, ...Array.from({ length: 50 }, (_, i): Event => ({ op: 'ref', from: '$d', field: `k${i}`, to: null }))]);
    const r = new Replay(w, {});
    const sizes: number[] = [];
    for (const se of w.events as Iterable<Parameters<Replay['step']>[0]>) {
      r.step(se);
      sizes.push(r.heap.object('d')!.size);
    }
    expect(sizes[0]).toBe(64);
    expect(sizes.slice(1, 6)).toEqual([184, 184, 184, 184, 184]);
    expect(sizes[6]).toBe(272);
    expect(sizes[11]).toBe(464);
    expect(sizes[22]).toBe(832);
    expect(sizes[43]).toBe(1584);
  });

  it('objects, functions and atomics have 3.11 sizes, and 3.12 ones with python 3.12', () => {
    const events: Event[] = [
      { op: 'alloc', id: 'o', as: 'o', line: 1 },
      { op: 'alloc', id: 'f', type: 'function', as: 'f' },
      { op: 'alloc', id: 's', type: 'str', as: 's' },
      { op: 'alloc', id: 't', type: 'tuple', items: ['$o', '$s'], as: 't' },
      { op: 'weakref', id: 'w', to: '$o', as: 'w' },
    ];
    const sizes = (python: string) => {
      const r = replay(events, { python });
      return ['o', 'f', 's', 't', 'w'].map((id) => r.heap.object(id)!.size);
    };
    expect(sizes('3.11')).toEqual([56, 152, 49, 56, 80]);
    expect(sizes('3.12')).toEqual([48, 160, 41, 56, 80]);
  });
});

describe("a class's shared key table (30 slots)", () => {
  const instances = (n: number, names: string[]): Event[] => [
    ...Array.from({ length: n }, (_, i): Event => ({ op: 'alloc', id: `c${i}`, type: 'C', as: `c${i}`, line: 1 })),
    ...names.map((name): Event => ({ op: 'ref', from: `c${n - 1}`, field: name, to: null })),
  ];
  const materialised = (events: Event[], id: string) => replay(events).heap.object(id)!.dict !== null;

  it('gives an instance a real __dict__ when a new name finds no free slot, as gc.get_referents shows', () => {
    // One instance takes a slot: 29 names fit, the 30th materialises the dict.
    expect(materialised(instances(1, Array.from({ length: 29 }, (_, i) => `a${i}`)), 'c0')).toBe(false);
    expect(materialised(instances(1, Array.from({ length: 30 }, (_, i) => `a${i}`)), 'c0')).toBe(true);
    // 28 instances leave 2 slots; 29 instances leave 1; the 30th instance takes none.
    expect(materialised(instances(28, ['a', 'b']), 'c27')).toBe(false);
    expect(materialised(instances(28, ['a', 'b', 'c']), 'c27')).toBe(true);
    expect(materialised(instances(29, ['a']), 'c28')).toBe(false);
    expect(materialised(instances(29, ['a', 'b']), 'c28')).toBe(true);
    expect(materialised(instances(30, ['a', 'b']), 'c29')).toBe(true);
  });

  it('the materialised __dict__ is counted by memory but not as a workload object', async () => {
    const report = await run(instances(1, Array.from({ length: 30 }, (_, i) => `a${i}`)));
    expect(report.summary.objectsAllocated).toBe(1);
    expect(report.summary.finalBytes).toBe(56 + 832);
  });
});

describe('deallocation order', () => {
  it("drops fields in the class's key-table order, not the instance's insertion order", async () => {
    const report = await run(
      [
        { op: 'alloc', id: 'a', type: 'Box', as: 'a', line: 1 },
        { op: 'alloc', id: 'ay', type: 'Item', into: { obj: '$a', field: 'y' } },
        { op: 'alloc', id: 'ax', type: 'Item', into: { obj: '$a', field: 'x' } },
        { op: 'alloc', id: 'b', type: 'Box', as: 'b' },
        { op: 'alloc', id: 'bx', type: 'Item', into: { obj: '$b', field: 'x' } },
        { op: 'alloc', id: 'by', type: 'Item', into: { obj: '$b', field: 'y' } },
        { op: 'unbind', name: 'b' },
      ],
      { types: { Item: { finalizer: 'del' } } },
    );
    expect(finalizerLog(report)).toEqual(['by', 'bx']);
  });

  it('runs the finalizer first, then weakref callbacks newest first, then fields, then items last first', async () => {
    const report = await run(
      [
        { op: 'alloc', id: 'i0', type: 'Item', as: 'i0', line: 1 },
        { op: 'alloc', id: 'i1', type: 'Item', as: 'i1' },
        { op: 'alloc', id: 'lst', type: 'list', items: ['$i0', '$i1'], as: 'lst' },
        { op: 'unbind', name: 'i0' },
        { op: 'unbind', name: 'i1' },
        { op: 'alloc', id: 'n', type: 'Node', fields: { items: '$lst' }, as: 'n' },
        { op: 'unbind', name: 'lst' },
        { op: 'weakref', id: 'w1', to: '$n', callback: 'first', as: 'w1' },
        { op: 'weakref', id: 'w2', to: '$n', callback: 'second', as: 'w2' },
        { op: 'unbind', name: 'n' },
      ],
      { types: { Item: { finalizer: 'del' }, Node: { finalizer: 'del' } } },
    );
    expect(report.callbacks.map((c) => (c.kind === 'weakref' ? `wr:${c.label}` : c.id))).toEqual(['n', 'wr:second', 'wr:first', 'i1', 'i0']);
    expect(report.callbacks.every((c) => c.during === 'refcount')).toBe(true);
  });

  it('a finalizer that resurrects keeps the object alive, and runs only once (PEP 442)', async () => {
    const outcome = await replayWorkload(
      workload(
        [
          { op: 'alloc', id: 'grave', type: 'list', as: 'graveyard', line: 1 },
          { op: 'alloc', id: 'p', type: 'Phoenix', as: 'p' },
          { op: 'unbind', name: 'p' },
          { op: 'unref', from: '$graveyard', to: 'p' },
        ],
        { types: { Phoenix: { finalizer: { resurrect: '$graveyard' } } } },
      ),
    );
    expect(finalizerLog(outcome.report)).toEqual(['p']);
    expect(outcome.aliveIds).toEqual(['grave']);
  });

  it('a temporary dies at once', async () => {
    const report = await run([{ op: 'alloc', id: 'tmp', type: 'Temp', line: 1 }], { types: { Temp: { finalizer: 'del' } } });
    expect(report.callbacks).toEqual([{ event: 0, kind: 'finalizer', id: 'tmp', during: 'refcount' }]);
    expect(report.summary.finalBytes).toBe(0);
  });

  it('unbinds a returning frame’s names in the order they were first bound, keeping the value', async () => {
    const outcome = await replayWorkload(
      workload(
        [
          { op: 'call', function: 'f', line: 1 },
          { op: 'alloc', id: 'b', type: 'T', as: 'b', line: 2 },
          { op: 'alloc', id: 'a', type: 'T', as: 'a' },
          { op: 'alloc', id: 'r', type: 'T', as: 'r' },
          { op: 'bind', name: 'b', to: '$a' },
          { op: 'return', value: '$r', as: 'result' },
        ],
        { types: { T: { finalizer: 'del' } } },
      ),
    );
    // b (now bound to a) is cleared first, dropping a's second reference; then a; r survives.
    expect(finalizerLog(outcome.report)).toEqual(['b', 'a']);
    expect(outcome.aliveIds).toEqual(['r']);
  });

  it('frees a chain of 1,000,000 objects dropped at once without recursion', async () => {
    const n = 1_000_000;
    const events: Event[] = [{ op: 'alloc', id: 'n0', type: 'Node', as: 'head', line: 1 }];
    for (let i = 1; i < n; i++) events.push({ op: 'alloc', id: `n${i}`, type: 'Node', into: { obj: `n${i - 1}`, field: 'next' } });
    events.push({ op: 'unbind', name: 'head' });
    const big = await run(events, { gc: { enabled: false } });
    expect(big.summary.objectsFreed).toBe(n);
    expect(big.summary.finalBytes).toBe(0);
    expect(big.summary.peakBytes).toBe(56 * n);
  });
});
