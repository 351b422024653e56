// memprof's observables (docs/model.md, "The observables") equal CPython's for the script
// `memprof export --python` writes of the same workload: for every bundled workload, every regression
// workload of fixtures/differential/ and 300 seeded random ones.
//
// Recorded: what CPython 3.11, 3.12 and 3.13 printed for each of them is in
// fixtures/oracle/cpython-3.X.json (`npm run oracle` records it again), with the hash of the script
// it ran; every run compares memprof with it, no interpreter needed. A case whose script changed
// since it was recorded fails until it is recorded again.
//
// Live: each interpreter found (any patch release: test/differential/oracle.ts) also runs the
// workloads, the regression workloads and every tenth recorded seed (the recording covers the
// rest; MEMPROF_LIVE_SEEDS=all runs all 300, MEMPROF_LIVE_SEEDS=301-1300 explores new ones). A seed
// that disagrees is shrunk to a minimal workload for the failure message. MEMPROF_CPYTHON=none runs
// as a machine without CPython does: recorded only, the live part skipped and said so.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportedScript, fileCases, readRecording, RECORDED_SEEDS, recordedCases, type Case, type Recording } from './differential/cases.js';
import { compareWorkload, describeMismatch, shrink } from './differential/compare.js';
import { generateWorkload } from './differential/generate.js';
import { cpythonObservables, interpreters, memprofObservables, type Interpreter } from './differential/oracle.js';
import type { PythonVersion } from '../src/workload/schema.js';

const VERSIONS: readonly PythonVersion[] = ['3.11', '3.12', '3.13'];
const LIVE_EVERY = 10;

/** The seeds run live: MEMPROF_LIVE_SEEDS is `all`, `none` or a range `first-last`. */
function liveSeeds(): { seeds: number[]; said: string } {
  const asked = process.env.MEMPROF_LIVE_SEEDS;
  if (asked === 'all') return { seeds: [...RECORDED_SEEDS], said: `all ${RECORDED_SEEDS.length} recorded seeds` };
  if (asked === 'none') return { seeds: [], said: 'no seed (MEMPROF_LIVE_SEEDS=none)' };
  const range = /^(\d+)-(\d+)$/.exec(asked ?? '');
  if (range !== null) {
    const [first, last] = [Number(range[1]), Number(range[2])];
    return { seeds: Array.from({ length: Math.max(0, last - first + 1) }, (_, k) => first + k), said: `seeds ${first} to ${last}` };
  }
  const seeds = RECORDED_SEEDS.filter((s) => s % LIVE_EVERY === 0);
  return { seeds, said: `${seeds.length} of the ${RECORDED_SEEDS.length} recorded seeds (every tenth: the recording covers the rest; MEMPROF_LIVE_SEEDS=all runs them all)` };
}

/** A legacy finalizer needs `_testcapi.with_tp_del` (CPython's test helper that installs a tp_del). */
function hasTpDel(interpreter: Interpreter): boolean {
  try {
    execFileSync(interpreter.path, ['-c', 'import _testcapi; _testcapi.with_tp_del'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const recordings = new Map(VERSIONS.map((v) => [v, readRecording(v)] as const));
const live = liveSeeds();

// What this run compares with, and what it leaves out and why, at the top of the output.
const said: string[] = ['memprof against CPython:'];
for (const v of VERSIONS) {
  const r = recordings.get(v) ?? null;
  said.push(r === null ? `  recorded ${v}: none (fixtures/oracle/cpython-${v}.json is missing: npm run oracle)` : `  recorded ${v}: CPython ${r.interpreter}, ${Object.keys(r.cases).length} cases`);
}
for (const i of interpreters()) {
  said.push(i.present ? `  live ${i.python}: CPython ${i.version} (${i.path}): workloads, regression workloads and ${live.said}` : `  live ${i.python}: skipped, ${i.missing}`);
}
console.log(said.join('\n'));

// ---------------------------------------------------------------------------------------------
// Recorded

function checkRecorded(recording: Recording, c: Case): () => Promise<void> {
  return async () => {
    const recorded = recording.cases[c.name];
    if (recorded === undefined) expect.fail(`${c.name} has no recorded CPython ${recording.python} observation: record it with npm run oracle`);
    const { hash } = await exportedScript(c, recording.python);
    if (hash !== recorded.script) {
      expect.fail(`the script exported for ${c.name} changed since CPython ${recording.interpreter} ran it: record it again with npm run oracle (it needs the interpreter)`);
    }
    const memprof = await memprofObservables(await c.load(), recording.python);
    if (JSON.stringify(memprof) !== JSON.stringify(recorded.observed)) {
      const workload = c.seed === undefined ? c.name : JSON.stringify(generateWorkload(c.seed));
      expect.fail(describeMismatch(workload, { equal: false, memprof, cpython: recorded.observed }, `${recording.interpreter} (recorded)`).replace('minimal', 'unshrunk'));
    }
  };
}

for (const python of VERSIONS) {
  const recording = recordings.get(python) ?? null;
  describe(`memprof equals the recorded CPython ${recording?.interpreter ?? python}`, () => {
    if (recording === null) {
      it('has a recording', () => expect.fail(`fixtures/oracle/cpython-${python}.json is missing: record it with npm run oracle`));
      return;
    }
    const cases = recordedCases();
    it('records exactly the cases the suite compares', () => {
      expect(Object.keys(recording.cases)).toEqual(cases.map((c) => c.name));
    });
    for (const c of cases) it(c.name, checkRecorded(recording, c));
  });
}

// ---------------------------------------------------------------------------------------------
// Live

for (const interpreter of interpreters()) {
  if (!interpreter.present) {
    describe(`memprof equals CPython ${interpreter.python} live`, () => {
      it.skip(`skipped: ${interpreter.missing}`, () => {});
    });
    continue;
  }
  describe(`memprof equals CPython ${interpreter.version} live`, () => {
    const legacy = hasTpDel(interpreter);
    // Shrinking runs CPython a few hundred times: do it for the first mismatch only, so that a
    // systematic disagreement still reports in minutes.
    let shrinksLeft = 1;

    describe.concurrent('workloads and regression workloads', () => {
      it.each(fileCases().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        const cpython = await cpythonObservables(await c.load(), interpreter);
        const memprof = await memprofObservables(await c.load(), interpreter.python);
        expect(memprof).toEqual(cpython);
      });
    });

    describe.concurrent('seeded random workloads', () => {
      it.each(live.seeds)(
        'seed %i',
        async (seed) => {
          const workload = generateWorkload(seed, { legacy });
          const outcome = await compareWorkload(workload, interpreter);
          expect(outcome, `seed ${seed} generated an invalid workload`).toBeDefined();
          if (!outcome!.equal) {
            if (shrinksLeft-- <= 0) expect.fail(describeMismatch(JSON.stringify(workload), outcome!, interpreter.version).replace('minimal', 'unshrunk'));
            const minimal = await shrink(workload, interpreter, 150);
            expect.fail(describeMismatch(JSON.stringify(minimal.workload), minimal.outcome, interpreter.version));
          }
        },
        180_000,
      );
    });
  });
}
