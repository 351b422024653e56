// The bench's generators: deterministic, the sizes they claim, and valid workloads whose replay
// gives the figures their construction implies. (No timing: the bench measures, tests do not.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain-JS bench module, without type declarations
import { chain, churn, dict, graph, loop, prng, set, writeWorkload } from '../bench/workloads.js';
import { loadWorkload, workloadFromObject } from '../src/workload/load.js';
import { replayWorkload } from '../src/replay/replay.js';

type Item = Record<string, unknown>;

function all(generator: Iterable<Item>): { header: Item; events: Item[] } {
  const [header, ...events] = [...generator];
  return { header: header!, events };
}

function loaded(generator: Iterable<Item>) {
  const { header, events } = all(generator);
  return workloadFromObject({ ...header, events });
}

describe('bench workloads', () => {
  it('prng repeats its sequence for a seed and differs between seeds', () => {
    const a = prng(1);
    const b = prng(1);
    const c = prng(2);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect(c()).not.toBe(first[0]);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('chain: n allocations that each point at the previous head, then one del', () => {
    const { events } = all(chain(3));
    expect(events).toEqual([
      { op: 'bind', name: 'head', to: null, line: 1 },
      { op: 'alloc', id: 'n0', type: 'Node', fields: { next: '$head' }, as: 'head', line: 3 },
      { op: 'alloc', id: 'n1', type: 'Node', fields: { next: '$head' }, as: 'head', line: 3 },
      { op: 'alloc', id: 'n2', type: 'Node', fields: { next: '$head' }, as: 'head', line: 3 },
      { op: 'snapshot', label: 'peak', line: 4 },
      { op: 'unbind', name: 'head', line: 5 },
    ]);
  });

  it('chain: the whole chain is live at the peak and freed by one cascade', async () => {
    const { report } = await replayWorkload(loaded(chain(2000)));
    expect(report.summary.peakBytes).toBe(2000 * 56);
    expect(report.summary.objectsFreed).toBe(2000);
    expect(report.summary.finalBytes).toBe(0);
  });

  it('graph: 2n + 5 events, n list items, n - 1 "a" and n "b" references, the same for the same seed', () => {
    const n = 500;
    const { events } = all(graph(n, 7));
    expect(events.length).toBe(2 * n + 5);
    expect(all(graph(n, 7)).events).toEqual(events);
    expect(all(graph(n, 8)).events).not.toEqual(events);
    const allocs = events.filter((e) => e.op === 'alloc' && e.type === 'Node');
    const refs = events.filter((e) => e.op === 'ref');
    expect(allocs.length).toBe(n);
    expect(allocs.filter((e) => e.fields !== undefined).length).toBe(n - 1);
    // `a` points at an older node; every node gets exactly one `b`.
    allocs.forEach((e, i) => {
      if (i > 0) expect(Number((e.fields as { a: string }).a.slice(1))).toBeLessThan(i);
    });
    expect(new Set(refs.map((e) => e.from)).size).toBe(n);
  });

  it('graph: everything is reachable at the first full collection; the second frees the cycles', async () => {
    const { report } = await replayWorkload(loaded(graph(3000, 1)));
    const collects = report.gc.passes.filter((p) => p.trigger === 'collect');
    expect(collects.length).toBe(2);
    expect(collects[0]!.collected).toBe(0);
    expect(collects[1]!.collected).toBeGreaterThan(0);
    expect(report.summary.finalBytes).toBe(0);
    expect(report.summary.objectsFreed).toBe(3001);
  });

  it('churn: exactly the events asked for, valid, with as many objects as it allocates', async () => {
    const { events } = all(churn(20_000, 3));
    expect(events.length).toBe(20_000);
    const allocated = events.filter((e) => e.op === 'alloc').length;
    const { report } = await replayWorkload(loaded(churn(20_000, 3)));
    expect(report.workload.events).toBe(20_000);
    expect(report.summary.objectsAllocated).toBe(allocated);
  });

  it('dict and set: the same events in one container or spread over containers of 1,000', async () => {
    for (const make of [dict, set]) {
      const one = all(make(2500, false)).events;
      const spread = all(make(2500, true)).events;
      // 1 or 3 containers made and unbound, 2,500 members added and removed, one snapshot.
      expect(one.length).toBe(2 + 2 * 2500 + 1);
      expect(spread.length).toBe(6 + 2 * 2500 + 1);
      const a = (await replayWorkload(loaded(make(2500, false)))).report.summary;
      const b = (await replayWorkload(loaded(make(2500, true)))).report.summary;
      expect([a.objectsAllocated, a.objectsFreed, a.finalBytes]).toEqual([2501, 2501, 0]);
      expect([b.objectsAllocated, b.objectsFreed, b.finalBytes]).toEqual([2503, 2503, 0]);
    }
  });

  it('loop: n nodes and 3n references in one repeat; only the second full collection frees them', async () => {
    const { events } = all(loop(1000));
    expect(events.length).toBe(8);
    expect(events[2]).toMatchObject({ op: 'repeat', count: 1000 });
    const { report } = await replayWorkload(loaded(loop(1000)));
    expect(report.workload.events).toBe(3007);
    expect(report.gc.passes.filter((p) => p.trigger === 'collect').map((p) => p.collected)).toEqual([0, 1000]);
    expect(report.summary.finalBytes).toBe(0);
  });

  it('writes the same workload as one JSON document and as NDJSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memprof-bench-'));
    expect(await writeWorkload(join(dir, 'g.json'), graph(100, 1), false)).toBe(205);
    expect(await writeWorkload(join(dir, 'g.ndjson'), graph(100, 1), true)).toBe(205);
    const a = await replayWorkload(await loadWorkload(join(dir, 'g.json')));
    const b = await replayWorkload(await loadWorkload(join(dir, 'g.ndjson')));
    expect(b.report.summary).toEqual(a.report.summary);
    expect(a.report.workload.events).toBe(205);
  });
});
