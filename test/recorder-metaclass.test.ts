// A class whose metaclass is written in Python (ABCMeta, EnumType) refers to its metaclass before
// its namespace, where a plain class refers to its namespace first. The recorder took the first
// object a class refers to as its namespace: `Plugin.registry[name] = Echo()` on an ABC was never
// seen, so clearing the registry freed nothing in the model (real 3, model 0), and what ABCMeta
// stores in a subclass's namespace (`_abc_impl`, `__abstractmethods__`) was missing from the census.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const PROGRAM = `import gc
from abc import ABC, abstractmethod


class Plugin(ABC):
    registry = {}

    @abstractmethod
    def run(self): ...


class Echo(Plugin):
    def __init__(self):
        self.me = self

    def run(self):
        return 1


for name in ("a", "b", "c"):
    Plugin.registry[name] = Echo()
print(sum(p.run() for p in Plugin.registry.values()))
print(gc.collect())
Plugin.registry.clear()
print(gc.collect())
`;

const dir = mkdtempSync(join(tmpdir(), 'memprof-metaclass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'plugins.py'), PROGRAM);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`a registry on an abstract class, recorded on CPython ${version}${skipped}`, () => {
    it('is followed through the class namespace: the cleared registry frees its three cycles', async () => {
      const { stdout, report } = await recordAndReplay(dir, 'plugins.py', python!, version);
      expect(stdout).toBe('3\n0\n3\n');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[0, 0], [3, 3]]);
      expect(report.recorded!.census!.equal).toBe(true);
    }, 120_000);
  });
}
