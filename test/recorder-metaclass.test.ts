// A class whose metaclass is written in Python (ABCMeta, EnumType) refers to its metaclass before
// its namespace, where a plain class refers to its namespace first. The recorder took the first
// object a class refers to as its namespace: `Plugin.registry[name] = Echo()` on an ABC was never
// seen, so clearing the registry freed nothing in the model (real 3, model 0), and what ABCMeta
// stores in a subclass's namespace (`_abc_impl`, `__abstractmethods__`) was missing from the census.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { loadWorkload } from '../src/workload/load.js';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';

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

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'memprof.js');
const dir = mkdtempSync(join(tmpdir(), 'memprof-metaclass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'plugins.py'), PROGRAM);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`a registry on an abstract class, recorded on CPython ${version}${skipped}`, () => {
    it('is followed through the class namespace: the cleared registry frees its three cycles', async () => {
      const trace = join(dir, `plugins.${version}.ndjson`);
      const { stdout } = await run(process.execPath, [CLI, 'record', '-q', '--python', python!.path, '-o', trace, 'plugins.py'], { cwd: dir });
      expect(stdout).toBe('3\n0\n3\n');
      const { report } = await replayWorkload(await loadWorkload(trace));
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[0, 0], [3, 3]]);
      expect(report.recorded!.census!.equal).toBe(true);
    }, 120_000);
  });
}
