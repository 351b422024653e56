// A dict that holds an object the trace does not follow (a library's class) is tracked by the
// collector, as CPython's MAINTAIN_TRACKING tracks a dict once it stores anything that may be
// tracked. The trace wrote such a value as null (None), so the model left the dict untracked and
// a cycle through it counted one object short per dict (real 40, model 20). It is written as
// "@external" now.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const PROGRAM = `import collections
import gc
import json


class Holder:
    def __init__(self):
        self.registry = {"decoder": json.JSONDecoder, "counter": collections.Counter}
        self.me = self


holders = [Holder() for _ in range(20)]
del holders
print(gc.collect())
`;

const dir = mkdtempSync(join(tmpdir(), 'memprof-external-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'registry.py'), PROGRAM);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`a dict of a library's classes recorded on CPython ${version}${skipped}`, () => {
    it('is tracked as in the real run: twenty holders and their registries are 40 objects', async () => {
      const { stdout, trace, report } = await recordAndReplay(dir, 'registry.py', python!, version);
      expect(stdout).toBe('40\n');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[40, 40]]);
      expect(readFileSync(trace, 'utf8')).toContain('"fields":{"decoder":"@external","counter":"@external"}');
    }, 120_000);
  });
}
