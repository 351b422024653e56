// The worked example (docs: examples/README.md): every figure of load-cache.json, worked out by hand,
// must come out of the engine exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { replayWorkload, type ReplayOutcome } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'example', 'load-cache.json');

// Events after expansion: 0 call, 1 alloc cache, 2 line 4, 3 alloc row0, 4 line 4, 5 alloc row1,
// 6 line 4, 7 alloc row2, 8 line 4, 9 return, 10 unbind. The dict is 184 bytes from its first key,
// so the third row brings memory to 184 + 3 × 200 = 784 at event 7.
const PEAK_EVENT = 7;

describe('worked example: load-cache.json', () => {
  let outcome: ReplayOutcome;

  beforeAll(async () => {
    const json: unknown = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    outcome = await replayWorkload(workloadFromObject(json, 'load-cache.json'));
  });

  function line(n: number) {
    const found = outcome.report.lines.filter((l) => l.file === 'demo.py' && l.line === n);
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  it.each([
    // line, function, occurrences, increment, memUsage, peak
    [3, 'load', 1, 64, 64, 64], // the empty dict
    [4, 'load', 4, 0, 784, 784], // three iterations and the final check, which ends at 784
    [5, 'load', 3, 720, 784, 784], // three rows (600) and the dict's growth 64 -> 184 (120)
    [6, 'load', 1, 0, 784, 784], // return keeps the dict alive: cache is unbound, rows bound
    [7, '<module>', 1, 784, 784, 784], // the caller's line includes everything load did
    [8, '<module>', 1, -784, 0, 784], // the dict and its rows are freed by refcounting
  ] as const)('line %i (%s): %i occurrences, increment %i, mem usage %i, peak %i', (n, fn, occurrences, increment, memUsage, peak) => {
    expect(line(n)).toMatchObject({ function: fn, occurrences, increment, memUsage, peak });
  });

  it('shows the source text of each line', () => {
    expect(line(5).content).toBe("        cache[f'k{i}'] = Row()");
    expect(line(7).content).toBe('rows = load(3)');
  });

  it('peaks at 784 bytes, first at line 5 in the third iteration, and ends at 0', () => {
    expect(outcome.report.summary).toMatchObject({
      baselineBytes: 0,
      peakBytes: 784,
      peakEvent: PEAK_EVENT,
      peakLine: { file: 'demo.py', line: 5 },
      finalBytes: 0,
      objectsAllocated: 4,
      objectsFreed: 4,
      objectsLive: 0,
    });
    expect(outcome.aliveIds).toEqual([]);
  });

  it('runs no collection: 4 GC allocations stay under threshold 700', () => {
    expect(outcome.report.gc.passes).toEqual([]);
    expect(outcome.report.gc.stats).toEqual([
      { collections: 0, collected: 0, uncollectable: 0 },
      { collections: 0, collected: 0, uncollectable: 0 },
      { collections: 0, collected: 0, uncollectable: 0 },
    ]);
    // The freed dict goes to the dict freelist, which skips count0 -= 1 (CPython 3.11 prints (1, 0, 0)).
    expect(outcome.report.gc.count).toEqual([1, 0, 0]);
  });
});
