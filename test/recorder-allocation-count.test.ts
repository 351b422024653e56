// What starts an automatic collection is generation 0's allocation count, so tracing must not move
// it. Two ways it did, each with a program whose gc.collect() results showed it:
// - the recorder's own work just before a `gc.collect()` (finding what library code changed) ran
//   with the collector on, and could start an automatic pass there: `del clone; gc.collect()`
//   after a `copy.deepcopy` gave 0 in the traced run, the clone collected by that pass instead;
// - the frame objects tracing makes (and on 3.11 and 3.12 the dict of locals that reading
//   f_locals gives each) were not paid for, so 600 frames deep an automatic pass ran that the
//   untraced run does not have (the tokens meant to pay were one constant tuple).
// The figures expected are the untraced run's (test/recorder/untraced.py).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const COPIES = `import copy
import gc


class Task:
    def __init__(self, title, project):
        self.title = title
        self.project = project
        self.deps = []
        self.tags = set()


class Project:
    def __init__(self, name):
        self.name = name
        self.tasks = {}


original = Project("alpha")
for i in range(80):
    task = Task(f"t{i}", original)
    task.deps.extend(original.tasks[f"t{j}"] for j in (i - 1, i - 3) if j >= 0)
    task.tags.add("even" if i % 2 == 0 else "odd")
    original.tasks[task.title] = task
clone = copy.deepcopy(original)
clone.name = "alpha-copy"
clone.tasks["t5"].title = "renamed"
print(clone.tasks["t9"].project is clone)
del clone
print(gc.collect())
del original, task
print(gc.collect())
`;

const DEEP = `import gc


class Node:
    def __init__(self):
        self.me = self


def descend(n):
    if n == 0:
        for _ in range(150):
            Node()
        return gc.collect()
    return descend(n - 1)


gc.set_threshold(700)
gc.collect()
print(descend(600))
`;

/** The automatic passes of the untraced run (gc.get_stats()): on 3.12 `import copy`, which loads
 * weakref, starts one that collects nothing (the traced run had none while the recorder's own
 * `weakref` module stood in sys.modules, and the import allocated less). */
const AUTOMATIC_PASSES: Record<string, number> = { '3.11': 0, '3.12': 1, '3.13': 0 };

/** Objects per copy of the project: 3.13 keeps an instance's attributes without a dict. */
const COPY_OBJECTS: Record<string, number> = { '3.11': 323, '3.12': 323, '3.13': 242 };

const dir = mkdtempSync(join(tmpdir(), 'memprof-allocation-count-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'copies.py'), COPIES);
writeFileSync(join(dir, 'deep.py'), DEEP);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`the allocation count of a recorded program on CPython ${version}${skipped}`, () => {
    it('is not moved by the recorder\'s work before a gc.collect(): the dropped deep copy is collected there', async () => {
      const n = COPY_OBJECTS[version];
      const { stdout, report } = await recordAndReplay(dir, 'copies.py', python!, version);
      expect(stdout).toBe(`True\n${n}\n${n}\n`);
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[n, n], [n, n]]);
      const pass = { generation: 0, collected: 0, uncollectable: 0 };
      expect(report.recorded!.automatic.map((a) => a.real)).toEqual(Array(AUTOMATIC_PASSES[version]).fill(pass));
    }, 120_000);

    it('is not moved by the frames tracing makes: 600 frames deep, no automatic pass runs', async () => {
      const { stdout, report } = await recordAndReplay(dir, 'deep.py', python!, version);
      expect(stdout).toBe('150\n');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[0, 0], [150, 150]]);
    }, 120_000);
  });
}
