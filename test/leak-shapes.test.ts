// Leaked cycles grouped by shape: the canonical form of a cycle (the same whichever object it is
// found from), what makes two cycles one shape, and the grouped report in every format, on
// fixtures/leaks/tree_cycles.json (2,000 identical leaked cycles) and on workloads built here.
import { describe, expect, it } from 'vitest';
import { leastRotation } from '../src/analysis/cycles.js';
import { checkReport, checkWorkload } from '../src/cli/check.js';
import type { Report } from '../src/model/report.js';
import { replayWorkload } from '../src/replay/replay.js';
import { renderCheckLine, renderCheckMarkdown } from '../src/report/checkText.js';
import { renderGithubResult } from '../src/report/github.js';
import { renderJunit } from '../src/report/junit.js';
import { lineRanges, renderLeakSectionsMarkdown, renderLeakSectionsText } from '../src/report/leaks.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';
import { loadWorkload } from '../src/workload/load.js';
import type { LoadedWorkload, SourcedEvent } from '../src/workload/loaded.js';
import { headerSchema, type PlainEvent } from '../src/workload/schema.js';

const OPTIONS: RenderOptions = { unit: 'auto', precision: 1, color: false };
const TREES = 'fixtures/leaks/tree_cycles.json';

async function replayFile(file: string): Promise<Report> {
  return (await replayWorkload(await loadWorkload(file))).report;
}

async function replayInline(events: PlainEvent[]): Promise<Report> {
  function* sourced(): Iterable<SourcedEvent> {
    let index = 0;
    for (const event of events) {
      yield { event, index, path: `events[${index}]`, iterations: [] };
      index++;
    }
  }
  const workload: LoadedWorkload = { file: '<inline>', header: headerSchema.parse({ version: 1, source: { file: 'g.py', lines: [] }, gc: { enabled: false } }), events: sourced() };
  return (await replayWorkload(workload)).report;
}

const TREE_SHAPE = '2,000 × cycle of 6 objects (bytearray ×2, list ×2, Node ×2), 8.4 KiB each, 16.3 MiB in all';
const TREE_TEXT = `${TREE_SHAPE}, allocated at cycles.py:15–16: Node .children → list [0] → Node .parent → back`;

describe('2,000 identical leaked cycles are one shape', () => {
  it('json: the count, the totals, the cycle from its canonical start and the ids of the first three', async () => {
    const report = await replayFile(TREES);
    const cyclic = report.leaks!.cyclic;
    expect([cyclic.objects, cyclic.bytes, cyclic.cycles, cyclic.shapes.length]).toEqual([12000, 17124000, 2000, 1]);
    const { lines, ...shape } = cyclic.shapes[0]!;
    expect(shape).toEqual({
      cycles: 2000,
      objects: 6,
      bytes: 17124000,
      minBytes: 8562,
      maxBytes: 8562,
      firstEvent: 2,
      types: [
        { type: 'bytearray', objects: 4000, bytes: 16612000 },
        { type: 'list', objects: 4000, bytes: 288000 },
        { type: 'Node', objects: 4000, bytes: 224000 },
      ],
      path: 'Node@cycles.py:15 .children → list@cycles.py:15 [0] → Node@cycles.py:16 .parent → back',
      pathLength: 3,
      steps: [
        { id: 'root0', type: 'Node', file: 'cycles.py', line: 15, via: '.children' },
        { id: 'root0.children', type: 'list', file: 'cycles.py', line: 15, via: '[0]' },
        { id: 'leaf0', type: 'Node', file: 'cycles.py', line: 16, via: '.parent' },
      ],
      examples: [0, 1, 2].map((i) => ({
        firstEvent: 2 + 8 * i,
        ids: [`root${i}`, `root${i}.children`, `root${i}.buffer`, `leaf${i}`, `leaf${i}.children`, `leaf${i}.buffer`],
      })),
    });
    expect(lines.map((l) => [l.line, l.objects, l.bytes, l.types.map((t) => `${t.type} ×${t.objects}`)])).toEqual([
      [15, 6000, 8594000, ['bytearray ×2000', 'list ×2000', 'Node ×2000']],
      [16, 6000, 8530000, ['bytearray ×2000', 'Node ×2000', 'list ×2000']],
    ]);
  });

  it('text: one entry, and a whole report of 2,000 cycles stays short', async () => {
    const report = await replayFile(TREES);
    expect(renderLeakSectionsText(report, OPTIONS)[1]).toBe(
      [
        'Leaked cycles',
        '-------------',
        '  2,000 leaked cycles of 1 shape, largest first',
        `  #1  ${TREE_SHAPE}`,
        '      Node .children → list [0] → Node .parent → back',
        '      cycles.py:15  3 objects in each (bytearray ×1, list ×1, Node ×1), 8.2 MiB in all  root = Node()',
        '      cycles.py:16  3 objects in each (bytearray ×1, Node ×1, list ×1), 8.1 MiB in all  leaf = Node(root)  # leaf.parent -> root, root.children -> leaf: a cycle',
        '      objects of the first of 2,000: root0, root0.children, root0.buffer, leaf0, leaf0.children, leaf0.buffer',
        '',
      ].join('\n'),
    );
    expect(renderText(report, OPTIONS).split('\n').length).toBeLessThan(100);
  });

  it('markdown: one row', async () => {
    const report = await replayFile(TREES);
    expect(renderLeakSectionsMarkdown(report, OPTIONS)[0]).toBe(
      [
        '## Leaked cycles',
        '',
        '2,000 leaked cycles of 1 shape, largest first.',
        '',
        '| # | cycles | objects each | bytes each | in all | types (each) | allocated at | cycle |',
        '|---:|---:|---:|---:|---:|:---|:---|:---|',
        '| 1 | 2,000 | 6 | 8.4 KiB | 16.3 MiB | bytearray ×2, list ×2, Node ×2 | cycles.py:15–16 | `Node .children → list [0] → Node .parent → back` |',
        '',
      ].join('\n'),
    );
    expect(renderMarkdown(report, OPTIONS).length).toBeLessThan(4000);
  });

  it('check: one line for the shape, in text, Markdown and JUnit', async () => {
    const result = await checkWorkload(TREES, {}, {});
    const head =
      'FAIL     tree-cycles (fixtures/leaks/tree_cycles.json): leaked objects 12,000 > 0 (default), leaked bytes 16.3 MiB, leaked cycles 2,000, uncollectable objects 0, peak 16.3 MiB, final 16.3 MiB\n';
    expect(renderCheckLine(result, OPTIONS)).toBe(`${head}         leaked ${TREE_TEXT}\n`);
    expect(renderCheckMarkdown(checkReport([result]), OPTIONS)).toBe(
      [
        '# memprof check',
        '',
        '| result | workload | leaked objects | leaked bytes | leaked cycles | uncollectable objects | peak | final |',
        '|:---|:---|---:|---:|---:|---:|---:|---:|',
        '| FAIL | `fixtures/leaks/tree_cycles.json` | **12,000 > 0 (default)** | 16.3 MiB | 2,000 | 0 | 16.3 MiB | 16.3 MiB |',
        '',
        'memprof check: 1 workload, 0 passed, 1 failed',
        '',
        '## FAIL tree-cycles (fixtures/leaks/tree_cycles.json)',
        '',
        `- leaked ${TREE_TEXT.replace('[0]', '\\[0\\]')}`,
        '',
      ].join('\n'),
    );
    expect(renderJunit(checkReport([result]), OPTIONS)).toContain(`<failure type="limit" message="leaked objects 12,000 &gt; 0 (default)">leaked ${TREE_TEXT}</failure>`);
  });

  it('github: one annotation per allocating line, not per cycle', async () => {
    const result = await checkWorkload(TREES, {}, {});
    const because = ' — fixtures/leaks/tree_cycles.json: leaked objects 12,000 > 0 (default)';
    expect(renderGithubResult(result, OPTIONS).split('\n').filter((l) => l.startsWith('::'))).toEqual([
      `::error file=cycles.py,line=15,title=memprof%3A leaked cycle::6,000 objects (bytearray ×2,000, list ×2,000, Node ×2,000; 8.2 MiB) allocated here leak in 2,000 reference cycles: ${TREE_TEXT}${because}`,
      `::error file=cycles.py,line=16,title=memprof%3A leaked cycle::6,000 objects (bytearray ×2,000, Node ×2,000, list ×2,000; 8.1 MiB) allocated here leak in 2,000 reference cycles: ${TREE_TEXT}${because}`,
    ]);
  });
});

describe('what makes two cycles one shape', () => {
  it('the same cycle found from a different object is the same shape, read from the same start', async () => {
    // Two pairs p.x → q, q.y → p on one line; the second pair is allocated q first, so a search
    // from the first-allocated object meets it as q .y → p .x.
    const report = await replayInline([
      { op: 'alloc', id: 'p1', type: 'Node', as: 'p', line: 1 },
      { op: 'alloc', id: 'q1', type: 'Node', fields: { y: '$p' }, as: 'q', line: 1 },
      { op: 'ref', from: '$p', field: 'x', to: '$q' },
      { op: 'alloc', id: 'q2', type: 'Node', as: 'q', line: 1 },
      { op: 'alloc', id: 'p2', type: 'Node', fields: { x: '$q' }, as: 'p', line: 1 },
      { op: 'ref', from: '$q', field: 'y', to: '$p' },
      { op: 'unbind', name: 'p', line: 2 },
      { op: 'unbind', name: 'q' },
    ]);
    const shapes = report.leaks!.cyclic.shapes;
    expect(shapes.map((s) => [s.cycles, s.path, s.examples.map((e) => e.ids)])).toEqual([
      [2, 'Node@g.py:1 .x → Node@g.py:1 .y → back', [['p1', 'q1'], ['q2', 'p2']]],
    ]);
  });

  it('keys and indices may differ (the step says […]), sizes too (the shape gives the range)', async () => {
    const events: PlainEvent[] = [];
    for (const [i, size] of [[0, 100], [1, 300], [2, 200]] as const) {
      events.push(
        { op: 'alloc', id: `d${i}`, type: 'dict', as: 'd', line: 2 },
        { op: 'alloc', id: `n${i}`, type: 'Node', fields: { owner: '$d' }, into: { obj: '$d', field: `request-${i}` }, line: 3 },
        { op: 'alloc', id: `b${i}`, type: 'bytes', size, into: { obj: `n${i}`, field: 'body' }, line: 4 },
      );
    }
    events.push({ op: 'unbind', name: 'd', line: 5 });
    const report = await replayInline(events);
    const shapes = report.leaks!.cyclic.shapes;
    expect(shapes.map((s) => [s.cycles, s.minBytes, s.maxBytes, s.path])).toEqual([[3, 340, 540, 'dict@g.py:2 […] → Node@g.py:3 .owner → back']]);
    expect(renderLeakSectionsText(report, OPTIONS)[1]!.split('\n').slice(2, 5)).toEqual([
      '  3 leaked cycles of 1 shape, largest first',
      '  #1  3 × cycle of 3 objects (bytes ×1, dict ×1, Node ×1), 340.0 B–540.0 B each, 1.3 KiB in all',
      '      dict […] → Node .owner → back',
    ]);
  });

  it('other allocating lines, or other objects held, are another shape', async () => {
    const report = await replayInline([
      { op: 'alloc', id: 'a', type: 'Node', as: 'a', line: 1 },
      { op: 'ref', from: '$a', field: 'me', to: '$a' },
      { op: 'alloc', id: 'b', type: 'Node', as: 'b', line: 2 },
      { op: 'ref', from: '$b', field: 'me', to: '$b' },
      { op: 'alloc', id: 'c', type: 'Node', as: 'c', line: 2 },
      { op: 'ref', from: '$c', field: 'me', to: '$c' },
      { op: 'alloc', id: 'c.data', type: 'bytes', size: 10, into: { obj: '$c', field: 'data' }, line: 2 },
      { op: 'unbind', name: 'a', line: 3 },
      { op: 'unbind', name: 'b' },
      { op: 'unbind', name: 'c' },
    ]);
    expect(report.leaks!.cyclic.shapes.map((s) => [s.cycles, s.objects, s.examples[0]!.ids])).toEqual([
      [1, 2, ['c', 'c.data']],
      [1, 1, ['a']],
      [1, 1, ['b']],
    ]);
  });
});

describe('helpers', () => {
  it('leastRotation finds where the least rotation starts', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let t = 0; t < 500; t++) {
      const s = Array.from({ length: 1 + random(12) }, () => random(3));
      const rotations = s.map((_, i) => [...s.slice(i), ...s.slice(0, i)].join(','));
      const least = [...rotations].sort()[0];
      expect(rotations[leastRotation(s)]).toBe(least);
    }
    expect(leastRotation([1, 0, 1, 0])).toBe(1);
  });

  it('lineRanges names consecutive lines as a range, file by file', () => {
    const at = (file: string, ...lines: number[]) => lines.map((line) => ({ file, line }));
    expect(lineRanges([...at('a.py', 9, 3, 4, 5), ...at('b.py', 1)])).toBe('a.py:3–5, 9; b.py:1');
    expect(lineRanges(at('a.py', 1, 3, 5, 7, 9, 11, 13, 15, 17, 18))).toBe('a.py:1, 3, 5, 7, 9, 11, 13, 15; … 2 more lines');
  });
});
