// The trashcan decides the order in which deep cascades deallocate (docs/model.md, the trashcan). memprof's order is
// held to what CPython 3.11–3.13 print for the same program (fixtures/oracle/trashcan_order.py).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { workloadFromObject } from '../src/workload/load.js';
import { replayWorkload } from '../src/replay/replay.js';
import type { Event, PythonVersion } from '../src/workload/schema.js';
import { interpreters } from './differential/oracle.js';

type Runs = [string, number, number][];

/** Two chains of `n` nodes with __del__, held by a list that is then dropped. */
function chains(n: number): Event[] {
  const chain = (p: string): Event[] => [
    { op: 'alloc', id: `${p}0`, type: 'Link', as: p },
    ...Array.from({ length: n - 1 }, (_, i): Event => ({ op: 'alloc', id: `${p}${i + 1}`, type: 'Link', into: { obj: `${p}${i}`, field: 'next' } })),
  ];
  return [
    { op: 'gc.disable' },
    ...chain('a'),
    ...chain('b'),
    { op: 'alloc', id: 'l', type: 'list', items: ['$a', '$b'], as: 'l' },
    { op: 'unbind', name: 'a' },
    { op: 'unbind', name: 'b' },
    { op: 'unbind', name: 'l' },
  ];
}

/** Finalizer order as runs of consecutive nodes of one chain. */
function runs(ids: string[]): Runs {
  const out: Runs = [];
  for (const id of ids) {
    const p = id[0]!;
    const i = Number(id.slice(1));
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === p && last[2] === i - 1) last[2] = i;
    else out.push([p, i, i]);
  }
  return out;
}

async function memprofOrder(n: number, python: PythonVersion): Promise<Runs> {
  const w = workloadFromObject({ version: 1, python, types: { Link: { finalizer: 'del' } }, events: chains(n) });
  const { report } = await replayWorkload(w);
  return runs(report.callbacks.filter((c) => c.kind === 'finalizer').map((c) => c.id));
}

// What CPython 3.11.7, 3.12.1 and 3.13.0 print for the oracle program.
const CPYTHON: Record<PythonVersion, Record<number, Runs>> = {
  '3.11': { 120: [['b', 0, 48], ['a', 0, 119], ['b', 49, 119]], 12000: [['b', 0, 48], ['a', 0, 11999], ['b', 49, 11999]] },
  '3.12': { 120: [['b', 0, 48], ['a', 0, 119], ['b', 49, 119]], 12000: [['b', 0, 48], ['a', 0, 11999], ['b', 49, 11999]] },
  '3.13': { 120: [['b', 0, 119], ['a', 0, 119]], 12000: [['b', 0, 11999], ['a', 0, 11999]] },
};

describe('deep cascades deallocate in CPython’s trashcan order', () => {
  for (const interpreter of interpreters()) {
    for (const n of [120, 12000]) {
      it(`CPython ${interpreter.python}, two chains of ${n}`, async () => {
        const expected = CPYTHON[interpreter.python][n]!;
        expect(await memprofOrder(n, interpreter.python)).toEqual(expected);
        if (!interpreter.present) return;
        const printed = execFileSync(interpreter.path, ['fixtures/oracle/trashcan_order.py', String(n)], { encoding: 'utf8' });
        expect(JSON.parse(printed)).toEqual(expected);
      });
    }
  }
});
