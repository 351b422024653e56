// A recorded gc.collect's `discarded`: a weakref whose own callback (a program's, which the model
// does not run) took it out of a dict during the real collection. CPython counts such a weakref
// among the collected (handle_weakrefs' num_freed); the model does too when the trace says so.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import type { Event } from '../src/workload/schema.js';

/** A dict of handles holds a weakref (with a callback) to one of two nodes in a cycle; the cycle
 * becomes garbage and is collected. */
function events(collect: Event): Event[] {
  return [
    { op: 'alloc', id: 'h', type: 'dict', as: 'handles' },
    { op: 'alloc', id: 'l', type: 'list', as: 'lst' },
    { op: 'alloc', id: 'a', type: 'Node', as: 'a' },
    { op: 'alloc', id: 'b', type: 'Node', into: { obj: 'a', field: 'peer' } },
    { op: 'ref', from: 'b', field: 'peer', to: 'a' },
    { op: 'weakref', id: 'w', to: 'a', callback: 'forget', into: { obj: 'h', field: 'a' } },
    { op: 'unbind', name: 'a' },
    collect,
  ];
}

async function replay(collect: Event) {
  return replayWorkload(workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, events: events(collect) }));
}

describe('gc.collect "discarded"', () => {
  it('takes the weakref out of its dict when the collection runs its callback, and counts it collected', async () => {
    const { report, aliveIds } = await replay({ op: 'gc.collect', discarded: [['w', 'h']] } as Event);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([3]);
    expect(report.callbacks).toEqual([{ event: 7, kind: 'weakref', id: 'w', during: 'gc', label: 'forget' }]);
    expect(aliveIds).toEqual(['h', 'l']);
  });

  it('without it, the callback leaves the weakref where it is', async () => {
    const { report, aliveIds } = await replay({ op: 'gc.collect' });
    expect(report.gc.passes.map((p) => p.collected)).toEqual([2]);
    expect(aliveIds).toEqual(['h', 'l', 'w']);
  });

  it.each([
    [[['h', 'h']], `'h' is not a weakref with a callback`],
    [[['w', 'l']], `'l' is a list: a callback takes a weakref out of a dict or a set`],
    [[['w', 'h'], ['w', 'h']], `the callback of 'w' already takes it out of 'h'`],
  ])('refuses %j: %s', async (discarded, message) => {
    await expect(replay({ op: 'gc.collect', discarded } as Event)).rejects.toThrow(message);
  });
});
