// The collector stops tracking a tuple or a dict that holds nothing it could find in a cycle, but only
// an exact tuple or dict (gcmodule.c's untrack_tuples and untrack_dicts check PyTuple_CheckExact and
// PyDict_CheckExact), and a dict subclass is tracked from its creation (type_call), where an exact
// dict waits for a value that may be tracked. A namedtuple of ints, a dict subclass and an
// OrderedDict that survived a full collection are still counted when the cycle holding them goes:
// CPython 3.11, 3.12 and 3.13 print 0, then 4, for `subclasses.py` below.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const PROGRAM = `import gc
from collections import OrderedDict, namedtuple

gc.disable()
Pair = namedtuple("Pair", "a b")


class Box(dict):
    pass


class Node:
    pass


node = Node()
node.pair = Pair(1, 2)
node.box = Box(a=1)
node.ordered = OrderedDict(b=2)
node.plain = tuple([1, 2])
node.me = node
print(gc.collect())
del node
print(gc.collect())
`;

/** The same program as a workload: ints are values the trace does not follow (null). */
const WORKLOAD = {
  version: 1,
  name: 'subclasses-stay-tracked',
  gc: { enabled: false },
  types: { Pair: { base: 'tuple' }, Box: { base: 'dict' }, OrderedDict: { base: 'dict' }, Node: {} },
  events: [
    { op: 'alloc', id: 'p', type: 'Pair', items: [null, null], as: 'pair' },
    { op: 'alloc', id: 'b', type: 'Box', as: 'box' },
    { op: 'alloc', id: 'o', type: 'OrderedDict', as: 'ordered' },
    { op: 'alloc', id: 't', type: 'tuple', items: [null, null], as: 'plain' },
    { op: 'alloc', id: 'n', type: 'Node', fields: { pair: 'p', box: 'b', ordered: 'o', plain: 't' }, as: 'node' },
    { op: 'ref', from: 'n', field: 'me', to: 'n' },
    { op: 'unbind', name: 'pair' },
    { op: 'unbind', name: 'box' },
    { op: 'unbind', name: 'ordered' },
    { op: 'unbind', name: 'plain' },
    { op: 'gc.collect' },
    { op: 'unbind', name: 'node' },
    { op: 'gc.collect' },
  ],
};

describe('subclasses of tuple and dict stay tracked', () => {
  for (const python of VERSIONS) {
    it(`in the model (${python}): the second collection counts the node, the namedtuple, the dict subclass and the OrderedDict`, async () => {
      const { report } = await replayWorkload(workloadFromObject(WORKLOAD), { python });
      expect(report.gc.passes.map((p) => p.result)).toEqual([0, 4]);
    });
  }
});

const dir = mkdtempSync(join(tmpdir(), 'memprof-subclasses-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'subclasses.py'), PROGRAM);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`subclasses of tuple and dict, recorded on CPython ${version}${skipped}`, () => {
    it('replay to the real gc.collect() results', async () => {
      const { stdout, report } = await recordAndReplay(dir, 'subclasses.py', python!, version);
      expect(stdout.trimEnd().split('\n').at(-1)).toBe('4');
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[0, 0], [4, 4]]);
    }, 120_000);
  });
}
