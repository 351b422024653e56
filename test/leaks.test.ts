// Leak classes, leaked cycles, gc-freed lines and snapshots (docs/model.md, Leaks and limits), on the fixtures in
// fixtures/leaks/ and on workloads built here, with exact figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { loadWorkload } from '../src/workload/load.js';
import type { LoadedWorkload, SourcedEvent } from '../src/workload/loaded.js';
import { headerSchema, type PlainEvent } from '../src/workload/schema.js';
import { LEAK_CLASSES, type LeaksReport, type Report } from '../src/model/report.js';
import { pythonFixed, renderLeakSectionsText, renderSnapshotsText, statisticDiff, tracemallocSize } from '../src/report/leaks.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';

const OPTIONS: RenderOptions = { unit: 'auto', precision: 1, color: false };

async function fixture(name: string): Promise<Report> {
  return (await replayWorkload(await loadWorkload(`fixtures/leaks/${name}.json`))).report;
}

/** A workload built in memory: header defaults from the schema, events as given. */
function inline(header: Record<string, unknown>, events: Iterable<PlainEvent>): LoadedWorkload {
  function* sourced(): Iterable<SourcedEvent> {
    let index = 0;
    for (const event of events) {
      yield { event, index, path: `events[${index}]`, iterations: [] };
      index++;
    }
  }
  return { file: '<inline>', header: headerSchema.parse({ version: 1, ...header }), events: sourced() };
}

async function replayInline(header: Record<string, unknown>, events: PlainEvent[]): Promise<Report> {
  return (await replayWorkload(inline(header, events))).report;
}

function classes(leaks: LeaksReport): Record<string, [number, number]> {
  return Object.fromEntries(LEAK_CLASSES.map((c) => [c, [leaks[c].objects, leaks[c].bytes]]));
}

describe('every live object in exactly one class', () => {
  it('lru_cache: 20,002 reachable objects, one leaked cycle of two nodes (with the __dict__ the shared keys forced)', async () => {
    const leaks = (await fixture('lru_cache')).leaks!;
    expect(classes(leaks)).toEqual({
      reachable: [20002, 1293072],
      frozen: [0, 0],
      uncollectable: [0, 0],
      external: [0, 0],
      cyclic: [2, 296],
    });
    expect(leaks.cyclic.cycles).toBe(1);
    expect(leaks.cyclic.shapes).toEqual([
      {
        cycles: 1,
        objects: 2,
        bytes: 296,
        minBytes: 296,
        maxBytes: 296,
        firstEvent: 40004,
        types: [{ type: 'Node', objects: 2, bytes: 296 }],
        lines: [{ file: 'cache.py', line: 14, content: 'head, tail = Node(), Node()', objects: 2, bytes: 296, types: [{ type: 'Node', objects: 2, bytes: 296 }] }],
        path: 'Node@cache.py:14 .next → Node@cache.py:14 .prev → back',
        pathLength: 2,
        steps: [
          { id: 'head', type: 'Node', file: 'cache.py', line: 14, via: '.next' },
          { id: 'tail', type: 'Node', file: 'cache.py', line: 14, via: '.prev' },
        ],
        examples: [{ firstEvent: 40004, ids: ['head', 'tail'] }],
      },
    ]);
    expect(leaks.cyclic.sites).toEqual([
      { file: 'cache.py', line: 14, content: 'head, tail = Node(), Node()', objects: 2, bytes: 296, types: [{ type: 'Node', objects: 2, bytes: 296 }] },
    ]);
  });

  it('external.json: an object only an incref holds, and the buffer it holds, are external', async () => {
    const report = await fixture('external');
    expect(classes(report.leaks!)).toEqual({ reachable: [0, 0], frozen: [0, 0], uncollectable: [0, 0], external: [2, 4209], cyclic: [0, 0] });
    expect(report.leaks!.external.sites.map((s) => [`${s.file}:${s.line}`, s.objects, s.bytes, s.types.map((t) => t.type)])).toEqual([
      ['conn.py:7', 1, 4153, ['bytearray']],
      ['conn.py:6', 1, 56, ['Connection']],
    ]);
    expect([report.leaks!.cyclic.cycles, report.leaks!.cyclic.shapes]).toEqual([0, []]);
    // The default (no leaked object) applies beside the workload's own leakedBytes.
    expect(report.limits.violations).toEqual([
      { limit: 'leakedObjects', value: 2, max: 0 },
      { limit: 'leakedBytes', value: 4209, max: 4096 },
    ]);
  });

  it('saveall.json: a cycle gc.collect() saved in gc.garbage is uncollectable', async () => {
    const report = await fixture('saveall');
    expect(report.gc.garbage).toEqual(['a', 'b']);
    expect(classes(report.leaks!)).toEqual({ reachable: [0, 0], frozen: [0, 0], uncollectable: [2, 112], external: [0, 0], cyclic: [0, 0] });
    expect(report.leaks!.uncollectable.sites.map((s) => [`${s.file}:${s.line}`, s.objects, s.bytes])).toEqual([['saveall.py:7', 2, 112]]);
    expect(report.limits.violations).toEqual([
      { limit: 'leakedObjects', value: 2, max: 0 },
      { limit: 'uncollectable', value: 2, max: 0 },
    ]);
  });

  it('frozen.json: an unreachable cycle in the permanent generation is frozen; a reachable frozen object stays reachable', async () => {
    const report = await fixture('frozen');
    expect(classes(report.leaks!)).toEqual({ reachable: [1, 56], frozen: [2, 112], uncollectable: [0, 0], external: [0, 0], cyclic: [0, 0] });
    expect(report.limits.violations).toEqual([]);
  });

  it('churn.json: pairs that survived into generation 1 are still leaked at the end, five cycles of one shape', async () => {
    const leaks = (await fixture('churn')).leaks!;
    expect(classes(leaks)).toEqual({ reachable: [0, 0], frozen: [0, 0], uncollectable: [0, 0], external: [0, 0], cyclic: [10, 560] });
    expect(leaks.cyclic.cycles).toBe(5);
    expect(leaks.cyclic.shapes.map((c) => [c.cycles, c.objects, c.bytes, c.minBytes, c.maxBytes, c.path])).toEqual([
      [5, 2, 560, 112, 112, 'Node@churn.py:8 .other → Node@churn.py:8 .other → back'],
    ]);
    expect(leaks.cyclic.shapes[0]!.examples).toEqual([
      { firstEvent: 17, ids: ['a3', 'b3'] },
      { firstEvent: 22, ids: ['a4', 'b4'] },
      { firstEvent: 47, ids: ['a9', 'b9'] },
    ]);
  });

  it('clean.json: nothing is live at the end', async () => {
    const report = await fixture('clean');
    expect(classes(report.leaks!)).toEqual({ reachable: [0, 0], frozen: [0, 0], uncollectable: [0, 0], external: [0, 0], cyclic: [0, 0] });
    expect(report.leaks!.gcFreedBySite).toEqual([]);
  });

  for (const file of readdirSync('workloads').filter((f) => f.endsWith('.json'))) {
    it(`workloads/${file}: the classes add up to the live objects and the final memory`, async () => {
      const { report } = await replayWorkload(await loadWorkload(`workloads/${file}`));
      const leaks = report.leaks!;
      const objects = LEAK_CLASSES.reduce((n, c) => n + leaks[c].objects, 0);
      const bytes = LEAK_CLASSES.reduce((n, c) => n + leaks[c].bytes, 0);
      expect(objects).toBe(report.summary.objectsLive);
      expect(bytes).toBe(report.summary.finalBytes - report.summary.baselineBytes);
    });
  }

  it('c_extension_leak: ten connections and their buffers are external', async () => {
    const { report } = await replayWorkload(await loadWorkload('workloads/c_extension_leak.json'));
    expect(classes(report.leaks!).external).toEqual([20, 656490]);
  });

  it('a name in an open function frame is a root, named after its function', async () => {
    const report = await replayInline({ source: { file: 'f.py', lines: ['def f():', '    x = Node()', 'f()'] } }, [
      { op: 'call', function: 'f', line: 3 },
      { op: 'alloc', id: 'x', type: 'Node', as: 'x', line: 2 },
    ]);
    expect(classes(report.leaks!).reachable).toEqual([1, 56]);
    expect(report.leaks!.reachable.sites[0]!.retention).toBe('f:x → Node@f.py:2');
  });
});

describe('leaked cycles', () => {
  const file = { source: { file: 'g.py', lines: [] } };

  it('a cycle holds what it alone refers to; a cycle held by another cycle is part of it', async () => {
    const report = await replayInline(file, [
      { op: 'alloc', id: 'a', type: 'Node', as: 'a', line: 1 },
      { op: 'alloc', id: 'b', type: 'Node', fields: { back: '$a' }, into: { obj: '$a', field: 'next' }, line: 2 },
      { op: 'alloc', id: 'payload', type: 'bytes', size: 1000, into: { obj: 'b', field: 'data' }, line: 3 },
      // c <-> d is a cycle of its own, held from a
      { op: 'alloc', id: 'c', type: 'Node', into: { obj: '$a', field: 'inner' }, line: 4 },
      { op: 'alloc', id: 'd', type: 'Node', fields: { c: 'c' }, into: { obj: 'c', field: 'd' }, line: 5 },
      { op: 'unbind', name: 'a', line: 6 },
    ]);
    const cycles = report.leaks!.cyclic.shapes;
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.examples).toEqual([{ firstEvent: 0, ids: ['a', 'b', 'payload', 'c', 'd'] }]);
    expect([cycles[0]!.cycles, cycles[0]!.objects, cycles[0]!.bytes]).toEqual([1, 5, 4 * 56 + 1000]);
    expect(cycles[0]!.path).toBe('Node@g.py:1 .next → Node@g.py:2 .back → back');
    expect(cycles[0]!.types).toEqual([
      { type: 'bytes', objects: 1, bytes: 1000 },
      { type: 'Node', objects: 4, bytes: 224 },
    ]);
  });

  it('an object two cycles hold is counted once, with the cycle allocated first; groups sort by bytes', async () => {
    const report = await replayInline(file, [
      { op: 'alloc', id: 'shared', type: 'bytes', size: 500, as: 'shared', line: 1 },
      { op: 'alloc', id: 'x1', type: 'Node', fields: { s: '$shared' }, as: 'x1', line: 2 },
      { op: 'alloc', id: 'x2', type: 'Node', fields: { p: '$x1' }, into: { obj: '$x1', field: 'p' }, line: 2 },
      { op: 'alloc', id: 'y1', type: 'Node', fields: { s: '$shared' }, as: 'y1', line: 3 },
      { op: 'alloc', id: 'y2', type: 'Node', fields: { p: '$y1' }, into: { obj: '$y1', field: 'p' }, line: 3 },
      { op: 'alloc', id: 'z1', type: 'Node', as: 'z1', line: 4 },
      { op: 'ref', from: '$z1', field: 'me', to: '$z1' },
      { op: 'unbind', name: 'shared' },
      { op: 'unbind', name: 'x1' },
      { op: 'unbind', name: 'y1' },
      { op: 'unbind', name: 'z1' },
    ]);
    const cycles = report.leaks!.cyclic.shapes;
    expect(cycles.map((c) => [c.examples[0]!.ids, c.bytes])).toEqual([
      [['shared', 'x1', 'x2'], 612],
      [['y1', 'y2'], 112],
      [['z1'], 56],
    ]);
    expect(classes(report.leaks!).cyclic).toEqual([6, 780]);
  });

  it('a self-referencing object is a cycle of one', async () => {
    const report = await replayInline(file, [
      { op: 'alloc', id: 'z', type: 'Node', as: 'z', line: 4 },
      { op: 'ref', from: '$z', field: 'me', to: '$z' },
      { op: 'unbind', name: 'z' },
    ]);
    expect(report.leaks!.cyclic.shapes.map((c) => c.path)).toEqual(['Node@g.py:4 .me → back']);
  });

  it('paths through lists and dicts name the item and the key', async () => {
    const report = await replayInline(file, [
      { op: 'alloc', id: 'box', type: 'dict', as: 'box', line: 1 },
      { op: 'alloc', id: 'lst', type: 'list', items: [null, '$box'], into: { obj: '$box', field: "it's" }, line: 2 },
      { op: 'unbind', name: 'box' },
    ]);
    expect(report.leaks!.cyclic.shapes[0]!.path).toBe(`dict@g.py:1 ["it's"] → list@g.py:2 [1] → back`);
  });

  it('a ring of 1,000,001 objects is one leaked cycle, found without recursion', async () => {
    const n = 1_000_000;
    function* ring(): Iterable<PlainEvent> {
      yield { op: 'alloc', id: 'head', type: 'Node', as: 'head', line: 1 };
      yield { op: 'bind', name: 'prev', to: '$head', line: 1 };
      for (let i = 0; i < n; i++) yield { op: 'alloc', id: `n${i}`, type: 'Node', fields: { prev: '$prev' }, as: 'prev', line: 2 };
      yield { op: 'ref', from: '$head', field: 'prev', to: '$prev', line: 3 };
      yield { op: 'unbind', name: 'head', line: 4 };
      yield { op: 'unbind', name: 'prev' };
    }
    const started = performance.now();
    const { report } = await replayWorkload(inline({ source: { file: 'ring.py', lines: [] }, gc: { enabled: false } }, ring()));
    console.log(`1,000,001-object ring: replay and analysis ${(performance.now() - started).toFixed(0)} ms`);
    const cycles = report.leaks!.cyclic.shapes;
    expect(classes(report.leaks!).cyclic).toEqual([n + 1, (n + 1) * 56]);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.objects).toBe(n + 1);
    expect(cycles[0]!.pathLength).toBe(n + 1);
    expect(cycles[0]!.examples[0]!.ids.slice(0, 3)).toEqual(['head', 'n0', 'n1']);
    expect(cycles[0]!.examples[0]!.ids).toHaveLength(50);
    expect(cycles[0]!.path).toBe(
      'Node@ring.py:1 .prev → Node@ring.py:2 .prev → Node@ring.py:2 .prev → Node@ring.py:2 .prev → … 999994 more … → ' +
        'Node@ring.py:2 .prev → Node@ring.py:2 .prev → Node@ring.py:2 .prev → back',
    );
    expect(cycles[0]!.steps.map((s) => s.id)).toEqual(['head', `n${n - 1}`, `n${n - 2}`, `n${n - 3}`, 'n2', 'n1', 'n0']);
  }, 120_000);
});

describe('objects only the cyclic collector freed', () => {
  it('churn.json: 14 nodes from line 8, freed by collections #0 and #1', async () => {
    const report = await fixture('churn');
    expect(report.leaks!.gcFreedBySite).toEqual([
      { file: 'churn.py', line: 8, content: '    a, b = Node(), Node()', objects: 14, bytes: 784, types: [{ type: 'Node', objects: 14, bytes: 784 }], passes: [0, 1] },
    ]);
    expect(report.gc.passes.map((p) => [p.event, p.generation, p.collected])).toEqual([
      [23, 0, 6],
      [52, 0, 8],
    ]);
  });

  it('parent_child_cycles: the final gc.collect() freed the 20 parents and 20 children and their lists', async () => {
    const { report } = await replayWorkload(await loadWorkload('workloads/parent_child_cycles.json'));
    // A parent's children list still held its child when the collector's tp_clear freed it (88 B); a
    // child's list was empty (56 B).
    expect(report.leaks!.gcFreedBySite.map((s) => [`${s.file}:${s.line}`, s.objects, s.bytes, s.types.map((t) => `${t.type}×${t.objects} ${t.bytes}`), s.passes])).toEqual([
      ['parent_child_cycles.py:12', 40, 2880, ['list×20 1760', 'Entry×20 1120'], [0]],
      ['parent_child_cycles.py:13', 40, 2240, ['Entry×20 1120', 'list×20 1120'], [0]],
    ]);
  });
});

describe('retention paths (--show-reachable)', () => {
  it('names the shortest path from a root name to each line\'s objects', async () => {
    const leaks = (await fixture('lru_cache')).leaks!;
    expect(leaks.reachable.sites.map((s) => [`${s.file}:${s.line}`, s.objects, s.retention])).toEqual([
      ['cache.py:12', 20000, 'cache → .entries[0] → Node@cache.py:12'],
      ['cache.py:10', 1, 'cache → .entries → list@cache.py:10'],
      ['cache.py:9', 1, 'cache → LRU@cache.py:9'],
    ]);
  });

  it('shortens a long path in the middle', async () => {
    const events: PlainEvent[] = [{ op: 'alloc', id: 'n0', type: 'Node', as: 'head', line: 1 }, { op: 'bind', name: 'tail', to: '$head' }];
    for (let i = 1; i <= 20; i++) events.push({ op: 'alloc', id: `n${i}`, type: 'Node', into: { obj: '$tail', field: 'next' }, line: i === 20 ? 3 : 2 }, { op: 'bind', name: 'tail', to: `n${i}` });
    events.push({ op: 'unbind', name: 'tail' });
    const report = await replayInline({ source: { file: 'chain.py', lines: [] } }, events);
    expect(report.leaks!.reachable.sites.find((s) => s.line === 3)!.retention).toBe('head → .next.next.next.next…(12 more)….next.next.next.next → Node@chain.py:3');
  });

  it('is shown only when asked', async () => {
    const report = await fixture('lru_cache');
    expect(renderText(report, OPTIONS)).not.toContain('Reachable objects by allocating line');
    expect(renderText(report, { ...OPTIONS, showReachable: true })).toContain('│ cache.py:12 │   20000 │ 1.1 MiB │ Node ×20,000 │ cache → .entries[0] → Node@cache.py:12 │ cache.entries.append(Node()) │');
  });
});

describe('snapshots', () => {
  it('lru_cache: lines and types compared with the previous snapshot, as tracemalloc prints them', async () => {
    const report = await fixture('lru_cache');
    expect(report.snapshots.map((s) => [s.label, s.event, s.line, s.objects, s.bytes, s.cycles])).toEqual([
      ['filled', 40003, 13, 20002, 1293072, 0],
      ['leaked', 40010, 17, 20004, 1293368, 1],
    ]);
    expect(report.snapshots[1]!.classes.cyclic).toEqual({ objects: 2, bytes: 296 });
    expect(renderSnapshotsText(report, OPTIONS)).toBe(
      [
        'Snapshots',
        '---------',
        "snapshot 'filled' (event 40003, cache.py:13): memory 1.2 MiB, 20,002 objects; compared to the start",
        '  classes: reachable 20002 (1.2 MiB)',
        '  by line:',
        '    cache.py:12: size=1094 KiB (+1094 KiB), count=20000 (+20000), average=56 B',
        '    cache.py:10: size=169 KiB (+169 KiB), count=1 (+1), average=169 KiB',
        '    cache.py:9: size=56 B (+56 B), count=1 (+1), average=56 B',
        '  by type:',
        '    Node: size=1094 KiB (+1094 KiB), count=20000 (+20000), average=56 B',
        '    list: size=169 KiB (+169 KiB), count=1 (+1), average=169 KiB',
        '    LRU: size=56 B (+56 B), count=1 (+1), average=56 B',
        '',
        "snapshot 'leaked' (event 40010, cache.py:17): memory 1.2 MiB, 20,004 objects; compared to 'filled'",
        '  classes: reachable 20002 (1.2 MiB), cyclic 2 (296.0 B), 1 leaked cycle',
        '  by line:',
        '    cache.py:14: size=296 B (+296 B), count=2 (+2), average=148 B',
        '    cache.py:12: size=1094 KiB (+0 B), count=20000 (+0), average=56 B',
        '    cache.py:10: size=169 KiB (+0 B), count=1 (+0), average=169 KiB',
        '    cache.py:9: size=56 B (+0 B), count=1 (+0), average=56 B',
        '  by type:',
        '    Node: size=1094 KiB (+296 B), count=20002 (+2), average=56 B',
        '    list: size=169 KiB (+0 B), count=1 (+0), average=169 KiB',
        '    LRU: size=56 B (+0 B), count=1 (+0), average=56 B',
        '',
      ].join('\n'),
    );
  });

  it('keeps lines that are gone, with size 0, as compare_to does', async () => {
    const report = await replayInline({ source: { file: 's.py', lines: [] } }, [
      { op: 'alloc', id: 'a', type: 'Node', as: 'a', line: 1 },
      { op: 'snapshot', label: 'one', line: 2 },
      { op: 'unbind', name: 'a', line: 3 },
      { op: 'snapshot', label: 'two', line: 4 },
    ]);
    expect(report.snapshots[1]!.byLine.map((l) => statisticDiff(`${l.file}:${l.line}`, l))).toEqual(['s.py:1: size=0 B (-56 B), count=0 (-1)']);
  });

  it('formats sizes exactly as tracemalloc._format_size, ties to even included', () => {
    expect(tracemallocSize(1_120_000, true)).toBe('+1094 KiB');
    expect(tracemallocSize(0, true)).toBe('+0 B');
    expect(tracemallocSize(-56, true)).toBe('-56 B');
    expect(tracemallocSize(102_400 + 51.2 * 1024, false)).toBe('151 KiB');
    expect(pythonFixed(0.25, 1)).toBe('0.2');
    expect(pythonFixed(2.5, 0)).toBe('2');
    expect(pythonFixed(3.5, 0)).toBe('4');
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python)('agrees with CPython\'s tracemalloc._format_size on sizes and averages', () => {
    const sizes = [0, 1, 99, 100, 101, 10239, 10240, 10752, 102400, 102399, 1048576, 1120000, 104857599, 10 * 2 ** 30, 123456789012];
    const averages = [
      [296, 2],
      [169016, 1],
      [1000, 3],
      [10241, 2],
      [1535, 2],
      [102_349, 1],
      [10_485_7, 10],
    ];
    const script = [
      'import sys, json, tracemalloc',
      'sizes, averages = json.loads(sys.argv[1]), json.loads(sys.argv[2])',
      'out = [tracemalloc._format_size(s, False) for s in sizes] + [tracemalloc._format_size(-s, True) for s in sizes]',
      'out += [tracemalloc._format_size(a / c, False) for a, c in averages]',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script, JSON.stringify(sizes), JSON.stringify(averages)], { encoding: 'utf8' });
    const ours = [...sizes.map((s) => tracemallocSize(s, false)), ...sizes.map((s) => tracemallocSize(-s, true)), ...averages.map(([a, c]) => tracemallocSize(a! / c!, false))];
    expect(ours).toEqual(JSON.parse(r.stdout) as string[]);
  });
});

describe('the text report\'s leak sections', () => {
  it('lru_cache: the class table and the leaked cycle', async () => {
    const sections = renderLeakSectionsText(await fixture('lru_cache'), OPTIONS);
    expect(sections.join('\n')).toBe(
      [
        'Live objects at the end, by class',
        '---------------------------------',
        '┌───────────────┬─────────┬─────────┐',
        '│ class         │ objects │   bytes │',
        '├───────────────┼─────────┼─────────┤',
        '│ reachable     │   20002 │ 1.2 MiB │',
        '│ frozen        │       0 │ 0.0 MiB │',
        '│ uncollectable │       0 │ 0.0 MiB │',
        '│ external      │       0 │ 0.0 MiB │',
        '│ cyclic        │       2 │ 296.0 B │',
        '└───────────────┴─────────┴─────────┘',
        '',
        'Leaked cycles',
        '-------------',
        '  1 leaked cycle of 1 shape, largest first',
        '  #1  cycle of 2 objects (Node ×2), 296.0 B',
        '      Node .next → Node .prev → back',
        '      cache.py:14  2 objects (Node ×2), 296.0 B  head, tail = Node(), Node()',
        '      objects: head, tail',
        '',
      ].join('\n'),
    );
  });

  it('external.json and saveall.json: leaked objects by allocating line', async () => {
    expect(renderLeakSectionsText(await fixture('external'), OPTIONS)[1]).toBe(
      [
        'External leaks (incref without decref), by allocating line',
        '----------------------------------------------------------',
        '┌───────────┬─────────┬─────────┬───────────────┬───────────────────────────────┐',
        '│ line      │ objects │   bytes │ types         │ source                        │',
        '├───────────┼─────────┼─────────┼───────────────┼───────────────────────────────┤',
        '│ conn.py:7 │       1 │ 4.1 KiB │ bytearray ×1  │ conn.buffer = bytearray(4096) │',
        '│ conn.py:6 │       1 │ 0.1 KiB │ Connection ×1 │ conn = Connection()           │',
        '└───────────┴─────────┴─────────┴───────────────┴───────────────────────────────┘',
        '',
      ].join('\n'),
    );
    expect(renderLeakSectionsText(await fixture('saveall'), OPTIONS)[1]).toContain('│ saveall.py:7 │       2 │ 112.0 B │ Node ×2 │ a, b = Node(), Node() │');
  });

  it('churn.json: lines freed only by the collector, with the collections', async () => {
    const text = renderLeakSectionsText(await fixture('churn'), OPTIONS).join('\n');
    expect(text).toContain('│ churn.py:8 │      14 │ 784.0 B │ Node ×14 │ #0 (gen 0, event 23), #1 (gen 0, event 52) │ a, b = Node(), Node() │');
  });

  it('a report with no live workload object has no leak sections', async () => {
    expect(renderLeakSectionsText(await fixture('clean'), OPTIONS)).toEqual([]);
  });
});
