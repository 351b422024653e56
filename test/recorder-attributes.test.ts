// An attribute set to None (or to anything the trace does not follow) is still a key of its class's
// shared keys: CPython adds it there when `__init__` sets it. Left out of the trace, the model met
// the name only when a later line stored an object in it, after hundreds of instances had used the
// table's slots up, and gave every instance a __dict__ of its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const dir = mkdtempSync(join(tmpdir(), 'memprof-attributes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'peers.py'),
  'import gc\n\n\nclass Node:\n    def __init__(self, i):\n        self.i = i\n        self.peer = None\n\n\nnodes = [Node(i) for i in range(300)]\nfor n, m in zip(nodes, nodes[1:]):\n    n.peer = m\nnodes[-1].peer = nodes[0]\ndel nodes, n, m\nprint(gc.collect())\n',
);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`attributes set to None on CPython ${version}${skipped}`, () => {
    it('take their place among the shared keys: a ring of 300 instances is 300 objects, as in the real run', async () => {
      const { stdout, report } = await recordAndReplay(dir, 'peers.py', python!, version);
      expect(stdout).toBe('300\n');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[300, 300]]);
    }, 120_000);
  });
}
