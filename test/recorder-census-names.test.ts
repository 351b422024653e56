// The census at the end of a recorded run names each type as the model does: an exact weakref.ref
// (whose type's __name__ is ReferenceType) is a "weakref", the type of the trace's weakref events. A
// weakref alive at the end had been counted as a ReferenceType in the real run and a weakref in the
// model, and the census differed for every program that keeps one. The weakref a
// WeakValueDictionary's `_remove` keeps to the dictionary (in its defaults, a cycle through a
// weakref) is a weakref event too, made after the dictionary, not an object of type ReferenceType.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const dir = mkdtempSync(join(tmpdir(), 'memprof-census-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'refs.py'),
  'import weakref\n\n\nclass Image:\n    pass\n\n\nimages = [Image() for _ in range(3)]\nrefs = [weakref.ref(i) for i in images]\ncache = weakref.WeakValueDictionary()\ncache["first"] = images[0]\nprint(sum(r() is not None for r in refs))\n',
);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`the census of a recorded run on CPython ${version}${skipped}`, () => {
    it('counts weakrefs alive at the end as the model names them', async () => {
      const { stdout, report } = await recordAndReplay(dir, 'refs.py', python!, version);
      expect(stdout).toBe('3\n');
      const census = report.recorded!.census!;
      expect(census.byType.find((row) => row.type === 'weakref')).toMatchObject({ real: { objects: 4 }, model: { objects: 4 }, equal: true });
      expect(census.byType.map((row) => row.type)).not.toContain('ReferenceType');
      expect(census.equal).toBe(true);
    }, 120_000);
  });
}
