// A dict that holds an object the trace does not follow (a library's class) is tracked by the
// collector, as CPython's MAINTAIN_TRACKING tracks a dict once it stores anything that may be
// tracked. The trace wrote such a value as null (None), so the model left the dict untracked and
// a cycle through it counted one object short per dict (real 40, model 20). It is written as
// "@external" now. The same goes for a tuple: the collector untracks a tuple whose items it cannot
// track (untrack_tuples) at the first pass it survives, but not one that holds a class or a
// builtin function; the model untracked it, and its cycle counted one short later (40 against 20).
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

const TUPLES = `import gc
import json


class Holder:
    def __init__(self):
        self.kinds = (json.JSONDecoder, len)
        self.me = self


holders = [Holder() for _ in range(20)]
print(gc.collect())
del holders
print(gc.collect())
`;

const dir = mkdtempSync(join(tmpdir(), 'memprof-external-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'registry.py'), PROGRAM);
writeFileSync(join(dir, 'kinds.py'), TUPLES);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`a dict or tuple of a library's classes recorded on CPython ${version}${skipped}`, () => {
    it('is tracked as in the real run: twenty holders and their registries are 40 objects', async () => {
      const { stdout, trace, report } = await recordAndReplay(dir, 'registry.py', python!, version);
      expect(stdout).toBe('40\n');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[40, 40]]);
      expect(readFileSync(trace, 'utf8')).toContain('"fields":{"decoder":"@external","counter":"@external"}');
    }, 120_000);

    it('and so is a tuple of them, after the first collection it survives', async () => {
      const { stdout, trace, report } = await recordAndReplay(dir, 'kinds.py', python!, version);
      expect(stdout).toBe('0\n40\n');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[0, 0], [40, 40]]);
      expect(readFileSync(trace, 'utf8')).toContain('"type":"tuple","size":56,"items":["@external","@external"]');
    }, 120_000);
  });
}
