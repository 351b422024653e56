// A weakref whose callback drops the reference C code holds to it (`discard: "@external"`), as
// weakref.finalize's registry lets go of a finalizer's weakref when the finalizer runs. CPython
// counts such a weakref among the collected when its referent's collection runs the callback
// (handle_weakrefs' num_freed). Measured (3.11.7, 3.12.1, 3.13.0): three objects that each refer
// to themselves, each with `weakref.finalize(obj, log.append, i)`, dropped, then `gc.collect()`: 6.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import type { Event } from '../src/workload/schema.js';

function events(discard: boolean): Event[] {
  const out: Event[] = [];
  for (const i of [0, 1, 2]) {
    out.push(
      { op: 'alloc', id: `n${i}`, type: 'Node', as: 'n' },
      { op: 'ref', from: `n${i}`, field: 'me', to: `n${i}` },
      { op: 'weakref', id: `w${i}`, to: `n${i}`, callback: 'finalize', ...(discard ? { discard: '@external' } : {}), as: 'w' },
      { op: 'incref', id: `w${i}` },
      { op: 'unbind', name: 'w' },
      { op: 'unbind', name: 'n' },
    );
  }
  out.push({ op: 'gc.collect' });
  return out;
}

async function replay(discard: boolean, python: '3.11' | '3.12' | '3.13') {
  return replayWorkload(workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, events: events(discard) }), { python });
}

describe('weakref "discard": "@external"', () => {
  it.each(['3.11', '3.12', '3.13'] as const)('on %s the callback frees its weakref, which the collection counts', async (python) => {
    const { report, aliveIds } = await replay(true, python);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([6]);
    expect(report.callbacks.map((c) => [c.id, c.during])).toEqual([['w0', 'gc'], ['w1', 'gc'], ['w2', 'gc']]);
    expect(aliveIds).toEqual([]);
  });

  it('without it, the reference from C keeps each weakref', async () => {
    const { report, aliveIds } = await replay(false, '3.11');
    expect(report.gc.passes.map((p) => p.collected)).toEqual([3]);
    expect(aliveIds).toEqual(['w0', 'w1', 'w2']);
  });
});
