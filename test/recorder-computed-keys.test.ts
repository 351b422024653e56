// A line that changes an entry of a big list at a computed index (`nodes[i + 1].prev = n`): the
// recorder computes the index after the line from the names it is made of, and compares that entry
// only. A wrong index would leave the change to a later line (or to none): each execution of such a
// line must record its own store.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const dir = mkdtempSync(join(tmpdir(), 'memprof-computed-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PROGRAM = [
  'import gc',
  '',
  '',
  'class Node:',
  '    def __init__(self, i):',
  '        self.i = i',
  '        self.prev = None',
  '        self.next = None',
  '',
  '',
  'nodes = [Node(i) for i in range(5000)]',
  'for i in range(1, len(nodes)):',
  '    nodes[i - 1].next = nodes[i]', // line 13
  'for i in range(len(nodes) - 1):',
  '    nodes[i + 1].prev = nodes[i]', // line 15
  'buckets = [[] for _ in range(7)]',
  'for i in range(len(nodes)):',
  '    buckets[i * 3 % 7].append(nodes[i])', // line 18
  'del nodes, buckets',
  'print(gc.collect())',
];
writeFileSync(join(dir, 'links.py'), PROGRAM.join('\n') + '\n');

/** For each execution of each line, the fields and list appends its events store, in order. */
function storesByLine(trace: string): Map<number, string[]> {
  const stores = new Map<number, string[]>();
  let line: number | undefined;
  for (const text of readFileSync(trace, 'utf8').split('\n')) {
    if (text === '') continue;
    const event = JSON.parse(text) as { op?: string; line?: number; field?: string; from?: string; index?: number };
    if (event.op === 'line') {
      line = event.line!;
      if (!stores.has(line)) stores.set(line, []);
      stores.get(line)!.push('');
    } else if (event.op === 'ref' && line !== undefined) {
      const executions = stores.get(line)!;
      executions[executions.length - 1] += event.field ?? 'item';
    }
  }
  return stores;
}

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`entries at a computed index on CPython ${version}${skipped}`, () => {
    it('are compared where the line changed them: each execution records its own store', async () => {
      const { stdout, trace, report } = await recordAndReplay(dir, 'links.py', python!, version);
      expect(stdout).toBe('5000\n');
      const stores = storesByLine(trace);
      expect(stores.get(13)).toEqual(Array(4999).fill('next'));
      expect(stores.get(15)).toEqual(Array(4999).fill('prev'));
      expect(stores.get(18)).toEqual(Array(5000).fill('item'));
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[5000, 5000]]);
      expect(report.recorded!.census?.equal).toBe(true);
    }, 120_000);
  });
}
