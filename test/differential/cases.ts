// The workloads memprof is compared with CPython on: the bundled workloads, the regression
// workloads of differences CPython showed before, and seeded random ones. What CPython printed for
// each (per version) is recorded in fixtures/oracle/cpython-3.X.json by `npm run oracle`, so that
// every test run compares with CPython, interpreters present or not.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportPython } from '../../src/export/python.js';
import { loadWorkload, workloadFromObject } from '../../src/workload/load.js';
import type { LoadedWorkload } from '../../src/workload/loaded.js';
import type { PythonVersion } from '../../src/workload/schema.js';
import { generateWorkload } from './generate.js';
import type { Observables } from './oracle.js';

/** The repository: the closest folder above with a package.json (this file also runs compiled,
 * from .oracle/, for `npm run oracle`). */
export const ROOT = ((): string => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The seeds whose CPython observations are recorded. */
export const RECORDED_SEEDS: readonly number[] = Array.from({ length: 300 }, (_, k) => k + 1);

export interface Case {
  /** `workloads/x.json`, `fixtures/differential/y.json` or `seed 17`. */
  name: string;
  /** The seed of a generated workload. */
  seed?: number;
  /** A fresh copy each time (a loaded workload's events can be iterated once). */
  load(): Promise<LoadedWorkload>;
}

/** The bundled workloads, then the regression workloads, each folder in name order. */
export function fileCases(): Case[] {
  return ['workloads', join('fixtures', 'differential')].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f): Case => {
        const name = `${dir}/${f}`;
        return { name, load: () => loadWorkload(join(ROOT, name)) };
      }),
  );
}

/** A seeded workload; `legacy`: whether legacy finalizers (which need `_testcapi`) may appear. */
export function seedCase(seed: number, legacy = true): Case {
  return { name: `seed ${seed}`, seed, load: async () => workloadFromObject(generateWorkload(seed, { legacy })) };
}

export function recordedCases(): Case[] {
  return [...fileCases(), ...RECORDED_SEEDS.map((seed) => seedCase(seed))];
}

/** What the recording holds for one case: the script CPython ran (by hash) and what it printed. */
export interface RecordedCase {
  script: string;
  observed: Observables;
}

export interface Recording {
  python: PythonVersion;
  /** The interpreter that printed the observations, e.g. "3.12.1". */
  interpreter: string;
  cases: Record<string, RecordedCase>;
}

export function recordingPath(python: PythonVersion): string {
  return join(ROOT, 'fixtures', 'oracle', `cpython-${python}.json`);
}

/** The recording for a version, or null when there is none. */
export function readRecording(python: PythonVersion): Recording | null {
  try {
    return JSON.parse(readFileSync(recordingPath(python), 'utf8')) as Recording;
  } catch {
    return null;
  }
}

/** One case per line, so that a re-recording reads as a diff of the cases that changed. */
export function formatRecording(recording: Recording): string {
  const names = Object.keys(recording.cases);
  const lines = names.map((name, i) => `    ${JSON.stringify(name)}: ${JSON.stringify(recording.cases[name])}${i < names.length - 1 ? ',' : ''}`);
  return `{\n  "python": ${JSON.stringify(recording.python)},\n  "interpreter": ${JSON.stringify(recording.interpreter)},\n  "cases": {\n${lines.join('\n')}\n  }\n}\n`;
}

/** The exported script CPython runs for a case, and a short hash that names it. */
export async function exportedScript(c: Case, python: PythonVersion): Promise<{ script: string; hash: string }> {
  const script = await exportPython(await c.load(), { python });
  return { script, hash: createHash('sha256').update(script).digest('hex').slice(0, 16) };
}
