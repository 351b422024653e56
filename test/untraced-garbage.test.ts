// Garbage that code the trace does not follow makes and drops (a library's reference cycles): the
// recorder finds it as the collector does, just before each collection, and allocates it in the
// model, where the frame's evaluation stack lets go of it at once (`release`). The collections then
// count it as the real ones do.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { loadWorkload, workloadFromObject } from '../src/workload/load.js';
import type { Event } from '../src/workload/schema.js';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'memprof.js');

async function replay(events: Event[]) {
  return replayWorkload(workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, events }), { python: '3.11' });
}

/** A two-object cycle the frame holds, as a recorder allocates garbage it found. */
const CYCLE: Event[] = [
  { op: 'alloc', id: 'a', type: 'dict', hold: true },
  { op: 'alloc', id: 'b', type: 'list', items: ['a'], hold: true },
  { op: 'ref', from: 'a', field: 'b', to: 'b' },
];

describe('"release"', () => {
  it('lets go of what the frame holds, so that a collection in the same line finds the cycle', async () => {
    const { report } = await replay([...CYCLE, { op: 'release', ids: ['a', 'b'] }, { op: 'gc.collect' }]);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([2]);
  });

  it('without it, the frame holds the cycle until the line ends', async () => {
    const { report } = await replay([...CYCLE, { op: 'gc.collect' }]);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([0]);
  });

  it('refuses an object the frame does not hold', async () => {
    await expect(replay([{ op: 'alloc', id: 'a', type: 'dict', as: 'x' }, { op: 'release', ids: ['a'] }])).rejects.toThrow(
      "'a' is not held by the frame's evaluation stack",
    );
  });
});

describe('a function\'s "__builtins__"', () => {
  it('is one of its own references, not a __dict__ entry', async () => {
    // namedtuple's __new__ is compiled with a namespace of its own: {'__builtins__': {}, ...}.
    const { report } = await replay([
      { op: 'alloc', id: 'ns', type: 'dict', as: 'ns' },
      { op: 'alloc', id: 'f', type: 'function', fields: { __globals__: 'ns', __builtins__: 'ns' }, into: { obj: 'ns', field: 'f' } },
      { op: 'unbind', name: 'ns' },
      { op: 'gc.collect' },
    ]);
    expect(report.gc.passes.map((p) => p.collected)).toEqual([2]);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'memprof-untraced-garbage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'lib'));
mkdirSync(join(dir, 'prog'));
writeFileSync(
  join(dir, 'lib', 'mylib.py'),
  'class Node:\n    pass\n\n\ndef churn(n):\n    for i in range(n):\n        a = Node()\n        b = {"a": a}\n        a.b = b\n    return n\n',
);
// The library is outside the program's directory: its lines are not traced.
writeFileSync(
  join(dir, 'prog', 'main.py'),
  'import gc\nimport sys\nsys.path.insert(0, sys.argv[1])\nimport mylib\n\ngc.collect()\nmylib.churn(10)\nprint(gc.collect())\nmylib.churn(1000)\nprint("done")\n',
);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`a library's garbage on CPython ${version}${skipped}`, () => {
    it('is counted by gc.collect() and by the automatic passes as in the real run', async () => {
      const trace = join(dir, `main.${version}.ndjson`);
      const { stdout } = await run(process.execPath, [CLI, 'record', '-q', '--python', python!.path, '-o', trace, 'prog/main.py', join(dir, 'lib')], { cwd: dir });
      expect(stdout).toBe('20\ndone\n');
      const { report } = await replayWorkload(await loadWorkload(trace));
      const recorded = report.recorded!;
      expect(recorded.collects.map((c) => [c.real, c.model])).toEqual([[0, 0], [20, 20]]);
      // churn(1000) makes 2,000 objects of garbage: automatic passes run inside it.
      const passes = recorded.automatic.filter((p) => p.real !== null);
      expect(passes.length).toBeGreaterThan(0);
      expect(passes.filter((p) => !p.equal)).toEqual([]);
      expect(passes.reduce((sum, p) => sum + p.real!.collected, 0)).toBeGreaterThan(0);
    }, 120_000);
  });
}
