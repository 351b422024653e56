// datetime.py defines its classes in Python, then replaces them with `_datetime`'s C types of the
// same names. On 3.11 a gc.collect() after `from datetime import datetime` finds the replaced
// classes and their instances (`datetime.min`, `timedelta.resolution`) as garbage, which the
// recorder allocates with their slots and class. The model knows a type by its name, and the
// program's own `datetime(2024, 1, 2)` is the C type's atomic object: the trace was rejected
// ("'o276' is a datetime: an atomic object holds no references") and no report came. A replaced
// class is now named "datetime (replaced)".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const PROGRAM = `import gc
from datetime import datetime

print(gc.collect())
d = datetime(2024, 1, 2)
print(d.year)
`;

/** The real gc.collect() and the model's. On 3.11, 16 of the garbage's dicts hold only atoms but
 * are tracked (they once held a tracked value): the trace allocates them with `"tracked": true`
 * (the model's was 295 without). */
const COLLECTED: Record<string, [number, number]> = { '3.11': [311, 311], '3.12': [0, 0], '3.13': [0, 0] };

const dir = mkdtempSync(join(tmpdir(), 'memprof-replaced-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'dates.py'), PROGRAM);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`classes a module replaced with C types, recorded on CPython ${version}${skipped}`, () => {
    it('are named apart from the C types, so that the trace replays', async () => {
      const { stdout, report } = await recordAndReplay(dir, 'dates.py', python!, version);
      const [real, model] = COLLECTED[version];
      expect(stdout).toBe(`${real}\n2024\n`);
      expect(report.recorded!.collects.map((c) => [c.real, c.model])).toEqual([[real, model]]);
      expect(report.recorded!.census!.equal).toBe(true);
    }, 120_000);
  });
}
