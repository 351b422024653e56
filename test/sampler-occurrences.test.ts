// Occurrences, as memory_profiler counts them: each repeat iteration is an execution of its lines,
// consecutive events on one line outside a repeat are one, and a repeat marked oneExecution (a C
// loop inside one statement) is one execution of its line.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { loadWorkload, workloadFromObject } from '../src/workload/load.js';

async function occurrences(events: unknown[]): Promise<Record<number, number>> {
  const source = { file: 'o.py', lines: ['xs = []', 'for i in range(3):', '    xs.append(X())', 'xs.extend(map(X, range(3)))', 'del xs[1:]'] };
  const { report } = await replayWorkload(workloadFromObject({ version: 1, source, events }, 'o.json'));
  return Object.fromEntries(report.lines.map((l) => [l.line, l.occurrences]));
}

describe('occurrences', () => {
  it('counts consecutive events on one line outside a repeat once, and each repeat iteration once', async () => {
    expect(
      await occurrences([
        { op: 'alloc', id: 'xs', type: 'list', as: 'xs', line: 1 },
        { op: 'line', line: 1 },
        { op: 'repeat', count: 3, body: [{ op: 'line', line: 2 }, { op: 'alloc', id: 'x{i}', type: 'X', into: { obj: '$xs' }, line: 3 }] },
        { op: 'line', line: 2 },
        { op: 'alloc', id: 'y0', type: 'X', into: { obj: '$xs' }, line: 4 },
        { op: 'alloc', id: 'y1', type: 'X', into: { obj: '$xs' }, line: 4 },
      ]),
    ).toEqual({ 1: 2, 2: 4, 3: 3, 4: 1 });
  });

  it('counts a repeat marked oneExecution as one execution of its line (and one without the mark as one per iteration)', async () => {
    const extend = (oneExecution: boolean) => [
      { op: 'alloc', id: 'xs', type: 'list', as: 'xs', line: 1 },
      { op: 'repeat', count: 3, ...(oneExecution ? { oneExecution: true } : {}), body: [{ op: 'alloc', id: 'y{i}', type: 'X', into: { obj: '$xs' }, line: 4 }] },
      { op: 'repeat', count: 2, ...(oneExecution ? { oneExecution: true } : {}), body: [{ op: 'unref', from: '$xs', index: 1, line: 5 }] },
    ];
    expect(await occurrences(extend(true))).toEqual({ 1: 1, 4: 1, 5: 1 });
    expect(await occurrences(extend(false))).toEqual({ 1: 1, 4: 3, 5: 2 });
  });

  it('records_rss: line 13 (list(map(Record, range(n)))) is one occurrence, as memory_profiler shows; the for loop 5001', async () => {
    const { report } = await replayWorkload(await loadWorkload('workloads/records_rss.json'));
    const byLine = Object.fromEntries(report.lines.filter((l) => l.function === 'main').map((l) => [l.line, l.occurrences]));
    expect(byLine).toEqual({ 8: 1, 9: 5001, 10: 5000, 11: 1, 12: 1, 13: 1, 14: 1 });
  });
});
