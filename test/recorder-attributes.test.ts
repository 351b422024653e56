// An attribute set to None (or to anything the trace does not follow) is still a key of its class's
// shared keys: CPython adds it there when `__init__` sets it. Left out of the trace, the model met
// the name only when a later line stored an object in it, after hundreds of instances had used the
// table's slots up, and gave every instance a __dict__ of its own.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { loadWorkload } from '../src/workload/load.js';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'memprof.js');
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
      const trace = join(dir, `peers.${version}.ndjson`);
      const { stdout } = await run(process.execPath, [CLI, 'record', '-q', '--python', python!.path, '-o', trace, 'peers.py'], { cwd: dir });
      expect(stdout).toBe('300\n');
      const { report } = await replayWorkload(await loadWorkload(trace));
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[300, 300]]);
    }, 120_000);
  });
}
