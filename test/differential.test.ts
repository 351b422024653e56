// SPEC §4.5: memprof's observables equal real CPython's, running `memprof export --python` of the
// same workload, for every demo workload and 300 seeded random ones, on every interpreter present.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkload } from '../src/workload/load.js';
import { compareWorkload, describeMismatch, shrink } from './differential/compare.js';
import { generateWorkload } from './differential/generate.js';
import { cpythonObservables, interpreters, memprofObservables, type Interpreter } from './differential/oracle.js';

const SEEDS = Array.from({ length: 300 }, (_, k) => k + 1);
const ROOT = join(import.meta.dirname, '..');
/** The demo workloads, and regression workloads for differences CPython showed before. */
const WORKLOAD_FILES = ['workloads', join('fixtures', 'differential')].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f)),
);

/** A legacy finalizer needs `_testcapi.with_tp_del` (CPython's test helper that installs a tp_del). */
function hasTpDel(interpreter: Interpreter): boolean {
  try {
    execFileSync(interpreter.path, ['-c', 'import _testcapi; _testcapi.with_tp_del'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const interpreter of interpreters()) {
  describe.skipIf(!interpreter.present)(`memprof equals CPython ${interpreter.python}`, () => {
    const legacy = interpreter.present && hasTpDel(interpreter);
    // Shrinking runs CPython a few hundred times: do it for the first mismatches only, so that a
    // systematic disagreement still reports in minutes.
    let shrinksLeft = 1;

    describe.concurrent('seeded random workloads', () => {
      it.each(SEEDS)(
        'seed %i',
        async (seed) => {
          const workload = generateWorkload(seed, { legacy });
          const outcome = await compareWorkload(workload, interpreter);
          expect(outcome, `seed ${seed} generated an invalid workload`).toBeDefined();
          if (!outcome!.equal) {
            if (shrinksLeft-- <= 0) expect.fail(describeMismatch(workload, outcome!, interpreter.python).replace('minimal', 'unshrunk'));
            const minimal = await shrink(workload, interpreter, 150);
            expect.fail(describeMismatch(minimal.workload, minimal.outcome, interpreter.python));
          }
        },
        180_000,
      );
    });

    describe.concurrent('workloads/', () => {
      it.each(WORKLOAD_FILES)('%s', async (name) => {
        const file = join(ROOT, name);
        const cpython = await cpythonObservables(await loadWorkload(file), interpreter);
        const memprof = await memprofObservables(await loadWorkload(file), interpreter.python);
        expect(memprof).toEqual(cpython);
      });
    });
  });
}
