// An attribute set to None (or to anything the trace does not follow) is still a key of its class's
// shared keys: CPython adds it there when `__init__` sets it. Left out of the trace, the model met
// the name only when a later line stored an object in it, after hundreds of instances had used the
// table's slots up, and gave every instance a __dict__ of its own.
//
// The attributes of a library's instances are the names its modules' code stores. A class nested
// in a class (argparse's HelpFormatter._Section) was not looked into, so a section's `formatter`
// was unknown: the formatter and its section were no cycle in the model, freed by reference
// counting instead of collected (real 30, model 0).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

mkdirSync(join(dir, 'lib'));
mkdirSync(join(dir, 'app'));
writeFileSync(
  join(dir, 'lib', 'nested_lib.py'),
  'class Formatter:\n    class Section:\n        def __init__(self, formatter, parent):\n            self.formatter = formatter\n            self.parent = parent\n            self.items = []\n\n    def __init__(self, name):\n        self.name = name\n        self.root = self.Section(self, None)\n        self.current = self.root\n',
);
writeFileSync(
  join(dir, 'app', 'report.py'),
  'import gc\nimport os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))\nfrom nested_lib import Formatter\n\nformatters = [Formatter(f"f{i}") for i in range(10)]\nprint(len(formatters))\ndel formatters\nprint(gc.collect())\n',
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

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`a library's instances on CPython ${version}${skipped}`, () => {
    it('hold the attributes its nested classes store: ten formatters and their sections are 30 objects, as in the real run', async () => {
      const { stdout, report } = await recordAndReplay(join(dir, 'app'), 'report.py', python!, version);
      expect(stdout).toBe('10\n30\n');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[30, 30]]);
    }, 120_000);
  });
}
